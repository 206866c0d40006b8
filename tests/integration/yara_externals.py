#!/usr/bin/python3
"""otguard scan against the yara CLI on rules that need LOKI's and THOR's external variables.

The rules are tests/data/yara (signature-base extracts and two of ours). The corpus is written
here: files named, placed, typed and filled so that every rule matches some file and misses
others for each external it reads (a file type that hides a match, a directory that excuses
one, an extension in either case...). yara cannot give each file its own values, so it runs once
per file with `-d filename=... -d filepath=... -d extension=... -d filetype=... -d owner=...`
computed here independently of otguard: the name, the absolute directory, Python's
os.path.splitext lower-cased (what LOKI passes), the file-type word stated per file below, the
owner from pwd. otguard scans the whole corpus once; the (rule, file) pairs must be equal.

Then, with the same corpus:
  - the rules compiled by the real yarac: the same pairs, the compiled file as their source;
  - a rules directory with two bad files among the good: both listed on stderr (file:line) in
    one run, the scan goes on with the others, the JSON summary counts them; --strict exits 2;
    a directory where nothing compiles exits 2;
  - --yara-define typing: the same result as yara -d for integers, booleans, strings.

  yara_externals.py --otguard build/apps/otguard/otguard
"""
import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests", "data", "yara")

MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def wide(text):
    return text.encode("utf-16-le")


# (path in the corpus, content, the file-type word LOKI's magic list gives these bytes)
CORPUS = [
    ("Thumbs.db", MZ + b"cloaked", "EXE"),
    ("pics/Thumbs.db", b"\x00\x01thumbnail cache", "UNKNOWN"),
    ("tools/pwdump.exe", MZ + b"x\\Domains\\Account\x00", "EXE"),
    # Cloaked_as_JPG wants byte 4 to be '9' (its `not ... and uint8(4) == 0x39`, as written).
    ("photos/holiday.JPG", b"<htm9l>not a picture</html>", "UNKNOWN"),
    ("photos/holiday.txt", b"<htm9l>not a picture</html>", "UNKNOWN"),
    ("photos/real.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
    ("photos/anim.jpg", b"GIF89a\x01\x00", "GIF"),
    ("win/svchost.exe", MZ + b"small and without its strings", "EXE"),
    ("win/explorer.exe", MZ + b"small", "EXE"),
    ("teamviewer/explorer.exe", MZ + b"small", "EXE"),
    ("Temporary Internet Files/a.sct",
     b'<?XML version="1.0"?>\n<scriptlet>\nActiveXObject("WScript.Shell")\n</scriptlet>\n', "XML"),
    ("elsewhere/a.sct",
     b'<?XML version="1.0"?>\n<scriptlet>\nActiveXObject("WScript.Shell")\n</scriptlet>\n', "XML"),
    ("tools/kiwi.exe", MZ + b"gentilkiwi.com", "EXE"),
    ("tools/kiwi.ini", MZ + b"gentilkiwi.com", "EXE"),
    ("tools/pl.exe", MZ + b" PipeList Sysinternals License ", "EXE"),
    ("tools/PipeList.exe", MZ + b" PipeList Sysinternals License ", "EXE"),
    ("tools/svc.exe", MZ + wide("psexesvc.exe") + b" " + wide("Sysinternals PsExec"), "EXE"),
    ("tools/PsExec64.exe", MZ + wide("psexesvc.exe") + b" " + wide("Sysinternals PsExec"), "EXE"),
    ("bin/daemon", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "ELF"),
    ("bin/daemon.so", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "ELF"),
    ("docs/report.pdf", b"#!/bin/sh\necho not a pdf\n", "UNIX SCRIPT"),
    ("docs/real.pdf", b"%PDF-1.4\n", "PDF"),
    ("docs/.hidden", b"#!python\n", "Script"),
    ("empty.txt", b"", "UNKNOWN"),
]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def write_corpus(base):
    for rel, data, _ in CORPUS:
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def rule_files():
    out = []
    for dirpath, _, names in os.walk(RULES):
        out += [os.path.join(dirpath, n) for n in names if n.endswith(".yar")]
    return sorted(out)


def externals(path, filetype):
    name = os.path.basename(path)
    st = os.stat(path)
    return {"filename": name, "filepath": os.path.dirname(os.path.abspath(path)),
            "extension": os.path.splitext(name)[1].lower(), "filetype": filetype,
            "owner": pwd.getpwuid(st.st_uid).pw_name}


def yara_pairs(rules, corpus, extra=()):
    """yara run once per file, with that file's values as -d constants."""
    pairs = set()
    for rel, _, filetype in CORPUS:
        path = os.path.join(corpus, rel)
        cmd = ["yara", "-w"]
        for k, v in externals(path, filetype).items():
            cmd += ["-d", f"{k}={v}"]
        for d in extra:
            cmd += ["-d", d]
        out = subprocess.run(cmd + rules + [path], capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"yara on {rel}: {out.stderr}")
        for line in out.stdout.splitlines():
            rule, _, matched = line.partition(" ")
            pairs.add((rule, os.path.relpath(matched, corpus)))
    return pairs


def otguard(args, ogbin, corpus, *options):
    empty_db = os.path.join(args.tmp, "no-db")
    os.makedirs(empty_db, exist_ok=True)
    cmd = [ogbin, "scan", "--db", empty_db, "--no-builtin", "--all-matches", "--json",
           *options, corpus]
    return subprocess.run(cmd, capture_output=True, text=True)


def alerts(out, corpus):
    pairs, sources, summary = set(), set(), None
    for line in out.stdout.splitlines():
        e = json.loads(line)
        if e["event"]["kind"] == "alert":
            pairs.add((e["rule"]["name"], os.path.relpath(e["file"]["path"], corpus)))
            sources.add(e["rule"]["ruleset"])
        elif e["event"]["dataset"] == "otguard.scan.summary":
            summary = e["otguard"]["scan"]
    return pairs, sources, summary


def compare(label, expected, got):
    if expected != got:
        fail(f"{label}: only yara {sorted(expected - got)}, only otguard {sorted(got - expected)}")
    print(f"ok  {label}: {len(got)} (rule, file) pairs equal")


def check_same_as_yara(args, corpus):
    rules = rule_files()
    expected = yara_pairs(rules, corpus)
    # Not vacuous: every rule matches somewhere (the private helper excepted).
    matched = {r for r, _ in expected}
    for needed in ("Exe_Cloaked_as_ThumbsDb", "Cloaked_as_JPG", "Suspicious_Size_explorer_exe",
                   "Suspicious_Size_svchost_exe", "svchost_ANOMALY", "APT_Cloaked_PsExec",
                   "SCT_Scriptlet_in_Temp_Inet_Files", "HackTool_Producers",
                   "SysInterals_PipeList_NameChanged", "OTG_Test_Owned_ELF_Without_Extension",
                   "OTG_Test_Script_Named_As_Document"):
        if needed not in matched:
            fail(f"corpus too weak: yara matched no file with {needed}")
    out = otguard(args, args.otguard, corpus, "--yara", RULES)
    if out.returncode != 1:
        fail(f"otguard scan exit {out.returncode}: {out.stderr}")
    got, _, _ = alerts(out, corpus)
    compare("source rules directory vs yara -d", expected, got)
    if ("lsadump", "tools/pwdump.exe") in got:
        fail("lsadump matched an EXE: filetype was not set")
    return expected


def check_yarac(args, corpus, expected):
    compiled = os.path.join(args.tmp, "sigbase.yarc")
    cmd = ["yarac", "-w"]
    for k in ("filename", "filepath", "extension", "filetype", "owner"):
        cmd += ["-d", f"{k}="]
    subprocess.run(cmd + rule_files() + [compiled], check=True)
    out = otguard(args, args.otguard, corpus, "--yara", compiled)
    got, sources, _ = alerts(out, corpus)
    compare("yarac-compiled rules vs yara -d", expected, got)
    if sources != {"sigbase.yarc"}:
        fail(f"compiled rules reported as {sources}, not the compiled file")


def check_bad_files(args, corpus, expected):
    rules = os.path.join(args.tmp, "mixed")
    shutil.copytree(RULES, rules)
    with open(os.path.join(rules, "a_bad.yar"), "w") as f:
        f.write("rule Uses_Md5 { condition: md5 == \"0\" }\n")
    with open(os.path.join(rules, "otguard", "z_bad.yara"), "w") as f:
        f.write("rule Ok { condition: true }\nrule Broken { condition: and }\n")
    out = otguard(args, args.otguard, corpus, "--yara", rules)
    got, _, summary = alerts(out, corpus)
    compare("good files still scan beside two bad ones", expected, got)
    for where in ("a_bad.yar:1: ", "z_bad.yara:2: "):
        if where not in out.stderr:
            fail(f"stderr does not list {where}: {out.stderr}")
    if "--yara-define" not in out.stderr:
        fail("the undefined external's message does not point to --yara-define")
    if summary.get("yara_files_rejected") != 2:
        fail(f"summary {summary}")
    print("ok  bad files listed in one run, yara_files_rejected = 2")
    strict = otguard(args, args.otguard, corpus, "--yara", rules, "--strict")
    if strict.returncode != 2 or strict.stdout.strip():
        fail(f"--strict: exit {strict.returncode}, stdout {strict.stdout[:200]}")
    only_bad = os.path.join(args.tmp, "only-bad")
    os.makedirs(only_bad)
    shutil.copy(os.path.join(rules, "a_bad.yar"), only_bad)
    none = otguard(args, args.otguard, corpus, "--yara", only_bad)
    if none.returncode != 2 or "no YARA rule file compiles" not in none.stderr:
        fail(f"nothing compiles: exit {none.returncode}: {none.stderr}")
    print("ok  --strict exits 2; no compiling file exits 2")


def check_defines(args, corpus):
    rule = os.path.join(args.tmp, "defines.yar")
    with open(rule, "w") as f:
        f.write('rule Site { condition: level > 2 and armed and site == "north-1" '
                'and ratio < 1.0 and tag == "0x10" and filetype == "ELF" }\n')
    defines = ["level=3", "armed=true", "site=north-1", "ratio=0.5", "tag=0x10"]
    expected = yara_pairs([rule], corpus, defines)
    if not expected:
        fail("defines: yara matched nothing")
    options = ["--yara", rule]
    for d in defines:
        options += ["--yara-define", d]
    got, _, _ = alerts(otguard(args, args.otguard, corpus, *options), corpus)
    compare("--yara-define typed as yara -d", expected, got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--otguard", required=True)
    args = ap.parse_args()
    for tool in ("yara", "yarac"):
        if shutil.which(tool) is None:
            fail(f"{tool} not installed (scripts/install-deps.sh installs the yara package)")
    with tempfile.TemporaryDirectory() as tmp:
        args.tmp = tmp
        corpus = os.path.join(tmp, "corpus")
        write_corpus(corpus)
        expected = check_same_as_yara(args, corpus)
        check_yarac(args, corpus, expected)
        check_bad_files(args, corpus, expected)
        check_defines(args, corpus)
    print("PASS")


if __name__ == "__main__":
    main()
