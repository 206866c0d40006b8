#!/usr/bin/env bash
# `make run`: the main job. Builds a small sample directory (MsraMiner traces, the EICAR test
# file made at run time, a clean file) and scans it with the bundled signatures.
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
otguard="$build/apps/otguard/otguard"
"$otguard" --version
bash "$root/scripts/make-samples.sh" "$build/samples" >/dev/null
echo "== otguard scan --all-matches $build/samples (bundled signatures: data/sigs)"
rc=0
"$otguard" scan --all-matches "$build/samples" || rc=$?
# 1 means something was found, which is what the samples are for.
if ((rc == 1)); then
  echo "== detections found, as expected (exit code 1)"
  exit 0
fi
echo "== unexpected exit code $rc" >&2
exit 1
