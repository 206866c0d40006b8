#!/usr/bin/env bash
# Builds the demo sample directory: a copy of data/samples plus eicar.com, the EICAR test file,
# generated here so that the repository holds no copy (it would trip real anti-virus products).
# Usage: scripts/make-samples.sh OUTDIR   (OUTDIR is replaced)
set -euo pipefail
out=${1:?usage: make-samples.sh OUTDIR}
root="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$out"
mkdir -p "$out"
cp -R "$root/data/samples/." "$out/"
rm -f "$out/README.md"
# The 68-byte EICAR string, assembled from two halves.
a='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD'
b='-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s%s' "$a" "$b" >"$out/eicar.com"
echo "$out"
