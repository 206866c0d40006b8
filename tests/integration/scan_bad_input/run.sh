#!/usr/bin/env bash
# End-to-end checks of `otguard scan` and `otguard quarantine` on bad input. Usage: run.sh OTGUARD
set -uo pipefail
otguard=$(realpath "$1")
schema_check=$(realpath "$(dirname "$0")/../../schema/event_check.py")
work=$(mktemp -d)
chmod 755 "$work"  # the unprivileged part below must reach into it
trap 'chmod -R u+rwx "$work"; rm -rf "$work"' EXIT
cd "$work"
passed=0
failed=0

# run NAME EXPECTED_RC ARGS...: runs otguard with a time limit, keeps stdout/stderr in
# $out/$err and checks the exit code.
run() {
  local name=$1 want=$2
  shift 2
  timeout 120 "$otguard" "$@" >out.txt 2>err.txt
  rc=$?
  out=$(cat out.txt)
  err=$(cat err.txt)
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit code $rc, wanted $want"
    echo "  stdout: $out" | head -20
    echo "  stderr: $err" | head -20
    failed=$((failed + 1))
    return 1
  fi
  return 0
}
# expect NAME TEXT HAYSTACK: HAYSTACK contains TEXT.
expect() {
  if [[ "$3" == *"$2"* ]]; then
    passed=$((passed + 1))
  else
    echo "FAIL $1: expected to see '$2' in:"
    echo "$3" | head -20
    failed=$((failed + 1))
  fi
}

eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

# --- EICAR with the built-in signature; --no-builtin leaves it out.
mkdir eicar && printf '%s' "$eicar" >eicar/eicar.com && echo clean >eicar/clean.txt
run eicar 1 scan eicar && expect eicar "eicar/eicar.com: Eicar" "$out"
expect eicar-summary "Infected files: 1" "$out"
mkdir emptydb
run eicar-no-builtin 0 scan --no-builtin --db emptydb eicar && expect eicar-no-builtin "Infected files: 0" "$out"
run eicar-json 1 scan --json eicar
if printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
events = [json.loads(line) for line in sys.stdin]
det = [e for e in events if e["event"]["kind"] == "alert"]
summary = events[-1]
assert len(det) == 1 and det[0]["file"]["path"].endswith("eicar.com"), det
assert det[0]["otguard"]["engine"] in ("body", "hash"), det
assert summary["event"]["dataset"] == "otguard.scan.summary", summary
assert summary["otguard"]["scan"]["detections"] == 1, summary
'; then passed=$((passed + 1)); else echo "FAIL eicar-json: bad events: $out"; failed=$((failed + 1)); fi

# --- A 0-byte file.
mkdir empty && : >empty/zero
run empty 0 scan empty && expect empty "Scanned files: 1" "$out"

# --- A sparse 3 GiB file is skipped (over --max-filesize), quickly and without reading it.
mkdir sparse && truncate -s 3G sparse/big.img
start=$(date +%s)
run sparse 0 scan sparse && expect sparse "larger than the maximum file size" "$err"
expect sparse-summary "Skipped: 1" "$out"
(($(date +%s) - start < 20)) && passed=$((passed + 1)) || { echo "FAIL sparse: too slow"; failed=$((failed + 1)); }

# --- A symlink loop, followed: reported, the scan completes.
mkdir -p loop/a && ln -s .. loop/a/up && printf '%s' "$eicar" >loop/a/x.com
run symlink-loop 1 scan --follow-symlinks loop && expect symlink-loop "directory loop" "$err"
expect symlink-loop-found "loop/a/x.com: Eicar" "$out"
run symlink-not-followed 1 scan loop

# --- A FIFO is skipped, never opened (opening it would hang).
mkdir fifo && mkfifo fifo/pipe && echo hi >fifo/f
run fifo 0 scan fifo && expect fifo "not a regular file (FIFO)" "$err"

# --- An unreadable directory: an error, the rest is scanned. Root reads everything, so the
# scan runs as nobody then.
mkdir -p perm/locked && printf '%s' "$eicar" >perm/locked/x.com && printf '%s' "$eicar" >perm/open.com
chmod 000 perm/locked
if [[ $(id -u) -eq 0 ]]; then
  # A copy of the binary inside $work: the build tree may sit under a folder that user
  # nobody cannot enter (CI clones wherever it likes); --db emptydb keeps the bundled
  # signatures (also in that tree) out of it, and the built-in EICAR signature still applies.
  cp "$otguard" "$work/otguard-nobody" && chmod 755 "$work/otguard-nobody"
  timeout 120 setpriv --reuid=65534 --regid=65534 --clear-groups "$work/otguard-nobody" \
    scan --db emptydb perm >out.txt 2>err.txt
  rc=$?
  out=$(cat out.txt)
  err=$(cat err.txt)
else
  run unreadable 1 scan perm
fi
expect unreadable-rc "rc=1" "rc=$rc"
expect unreadable "Permission denied ERROR" "$err"
expect unreadable-found "perm/open.com: Eicar" "$out"
chmod 755 perm/locked

# --- Only errors: exit code 2; found and errors: 1 (as clamscan).
run missing 2 scan "$work/does-not-exist" && expect missing "No such file or directory" "$err"
run missing-and-found 1 scan "$work/does-not-exist" eicar

# --- A file deleted while the scan runs: many files, a background deleter; whatever it hits
# must be reported as NotFound and never stop the scan.
mkdir many && for i in $(seq 1 3000); do echo "$i" >"many/f$i"; done
printf '%s' "$eicar" >many/zz-eicar.com
(sleep 0.05; rm -f many/f1* ) &
run vanish 1 scan --threads 1 --max-cpu 5 many && expect vanish "zz-eicar.com: Eicar" "$out"
wait
if [[ "$err" == *"NotFound"* || "$err" == *"No such file"* || -z "$err" ]]; then
  passed=$((passed + 1))
else
  echo "FAIL vanish: unexpected stderr: $err"
  failed=$((failed + 1))
fi

# --- Truncated and garbage PE files: scanned like any file, no crash.
mkdir pe
printf 'MZ' >pe/two-bytes.exe
/usr/bin/python3 - <<'PY'
import os, struct
mz = bytearray(b"MZ" + b"\0" * 62)
struct.pack_into("<I", mz, 0x3c, 0x40)
pe = mz + b"PE\0\0" + struct.pack("<HHIIIHH", 0x14c, 0xffff, 0, 0, 0, 0xe0, 0x102)
open("pe/truncated.exe", "wb").write(pe)             # header cut after the file header
open("pe/huge-lfanew.exe", "wb").write(b"MZ" + b"\0" * 58 + b"\xff\xff\xff\x7f")
open("pe/random.exe", "wb").write(b"MZ" + os.urandom(4096))
PY
run bad-pe 0 scan pe
expect bad-pe "Scanned files: 4" "$out"

# --- Malformed signature lines: a warning with file:line, the good line still works;
# --strict makes them errors.
mkdir sigs
md5=$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)
printf 'this is not a signature\n%s:68:Test.Eicar.Md5\nzz:notanumber:Broken\n' "$md5" >sigs/bad.hdb
run bad-sigs 1 scan --no-builtin --db sigs/bad.hdb eicar && expect bad-sigs "bad.hdb:1" "$err"
expect bad-sigs-found "Test.Eicar.Md5 FOUND" "$out"
run bad-sigs-strict 2 scan --strict --no-builtin --db sigs/bad.hdb eicar
run missing-db 2 scan --db "$work/no-such.hdb" eicar

# --- YARA: a detection, and a broken rules file (exit 2, file and line named).
printf 'rule Test_Eicar_Yara {\n strings: $a = "EICAR-STANDARD"\n condition: $a\n}\n' >good.yar
printf 'rule ok { condition: true }\nrule broken {\n condition: nosuchthing\n}\n' >broken.yar
run yara 1 scan --no-builtin --yara good.yar eicar && expect yara "eicar.com: Test_Eicar_Yara FOUND" "$out"
run yara-broken 2 scan --yara broken.yar eicar && expect yara-broken "broken.yar:3" "$err"

# --- Quarantine: move, list, restore byte-identical with mode and times; never overwrite.
mkdir q && printf '%s' "$eicar" >q/victim.com && chmod 0640 q/victim.com
touch -d '2001-02-03 04:05:06' q/victim.com
cp -p q/victim.com reference.com
before=$(stat -c '%a %Y %s' q/victim.com)
run quarantine 1 scan --quarantine "$work/store" q && expect quarantine "moved to quarantine as" "$out"
[[ ! -e q/victim.com ]] && passed=$((passed + 1)) || { echo "FAIL quarantine: file still there"; failed=$((failed + 1)); }
run quarantine-list 0 quarantine list --dir "$work/store" && expect quarantine-list "victim.com" "$out"
id=$(cut -d' ' -f1 <<<"$out")
run quarantine-list-json 0 quarantine list --dir "$work/store" --json && expect quarantine-list-json "\"id\":\"$id\"" "$out"
if /usr/bin/python3 "$schema_check" scan out.txt >schema.txt; then
  passed=$((passed + 1))
else
  echo "FAIL quarantine-list-json: not in the event schema"; cat schema.txt; failed=$((failed + 1))
fi
echo other >q/victim.com
run quarantine-no-overwrite 2 quarantine restore "$id" --dir "$work/store" && expect quarantine-no-overwrite "exists" "$err"
rm q/victim.com
run quarantine-restore 0 quarantine restore "$id" --dir "$work/store"
cmp -s q/victim.com reference.com && passed=$((passed + 1)) || { echo "FAIL restore: content differs"; failed=$((failed + 1)); }
expect restore-meta "$before" "$(stat -c '%a %Y %s' q/victim.com)"
run quarantine-restore-again 2 quarantine restore "$id" --dir "$work/store"

echo "scan_bad_input: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
