#!/usr/bin/env bash
# Installs, with apt, every Debian package otguard needs to build, test and benchmark.
# Idempotent and fast when everything is present: apt is only called for what is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  # libraries (DESIGN.md)
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libexpected-dev libtomlplusplus-dev
  libssl-dev libyara-dev libpcap-dev libabsl-dev libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev
  # the agent's eBPF process observation (src/platform/linux/bpf): libbpf; clang builds the BPF
  # object
  libbpf-dev linux-libc-dev
  # peers for differential tests and benchmarks
  clamav clamav-testfiles yara openssl python3 hyperfine tshark libndpi-bin python3-scapy
  # the process-observation benchmark's peer (bench/process_events.py): the proc-connector monitor
  forkstat
  # real PE files for the ClamAV differential test; Wine runs the Windows build's tests: wine64
  # the x86_64 build, wine32 (Debian i386) the i686 (XP) build and WOW64
  wine64 wine32 python3-pefile
  # the Windows cross build (docs/windows.md): mingw-w64 with posix threads, its binutils
  g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix binutils-mingw-w64-x86-64
  binutils-mingw-w64-i686 googletest
  # signs a test program for the Authenticode signer tests (with a certificate made by openssl)
  osslsigncode
  # check the allowlist exports with the real tools (docs/allowlist-export.md): `nft -c -f` and
  # `fapolicyd-cli --check-config` (never start fapolicyd on a build machine: facts.md)
  nftables fapolicyd
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# wine32 is an i386 package: dpkg must accept that architecture before apt-get update reads its
# index. apt then also upgrades the amd64 halves of a few Multi-Arch libraries to the i386
# versions' security updates (both halves must be the same version).
if [[ " ${missing[*]} " == *" wine32 "* ]] && ! dpkg --print-foreign-architectures | grep -qx i386; then
  "${sudo_cmd[@]}" dpkg --add-architecture i386
fi
# tshark asks whether non-root users may capture; answer before apt does.
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
  "${sudo_cmd[@]}" debconf-set-selections 2>/dev/null || true
# A mirror caught mid-sync serves an index of the wrong size ("Mirror sync in progress?"), and
# apt-get update then ignores it and still exits 0: try again a few times while it says so.
for attempt in 1 2 3 4; do
  update_log=$("${sudo_cmd[@]}" apt-get update -qq 2>&1 || true)
  [[ -z "$update_log" ]] || echo "$update_log" >&2
  if grep -q '^E:' <<<"$update_log"; then
    echo "install-deps: apt-get update reported errors (attempt $attempt)" >&2
    if ((attempt < 4)); then sleep $((attempt * 15)); fi
  else
    break
  fi
done
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  # wine32 (i386) needs the i386 index of every suite at the same version as the amd64 one; when
  # the mirror cannot give it, install everything else: the i686 Windows tests then show as
  # skipped in CTest's summary with the reason (cmake/OtguardWindows.cmake), not as passed.
  [[ " ${missing[*]} " == *" wine32 "* ]] || exit 1
  echo "install-deps: installing without wine32; the i686 Windows tests will be skipped" >&2
  rest=()
  for p in "${missing[@]}"; do [[ "$p" == wine32 ]] || rest+=("$p"); done
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${rest[@]}"
fi
