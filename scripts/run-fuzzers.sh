#!/usr/bin/env bash
# Runs every libFuzzer binary in BUILD for SECONDS each, starting from its seed corpus.
# New inputs go to a scratch corpus; crashes are left as crash-* files in the current folder.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
root="$(cd "$(dirname "$0")/.." && pwd)"
status=0
for bin in "$build"/fuzz/*_fuzzer; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" _fuzzer)
  work=$(mktemp -d)
  echo "== $name ($seconds s)"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      "$work" "$root/fuzz/corpus/$name" 2>&1 | tail -n 3; then
    status=1
  fi
  rm -rf "$work"
done
exit $status
