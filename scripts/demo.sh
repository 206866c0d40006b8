#!/usr/bin/env bash
# `make run`: the main job. For now a scan of the bundled sample directory with the bundled
# signatures (later capabilities extend this).
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
"$build/apps/otguard/otguard" --version
