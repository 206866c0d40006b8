#!/usr/bin/python3
"""`otguard audit` end to end on Linux.

planted tree: `audit --root TREE` finds root login allowed through an Included sshd_config.d
              file and a world-writable cron job, exits 1, and says live state was not
              examined; --json gives one valid record per check plus a summary record.
clean tree:   the same layout without the findings exits 0.
bad options:  a --root that does not exist, or an unknown option, exits 2 with a message.
live host:    `audit --json` completes with 0 or 1, and a socket this test opens on every
              interface is listed by listening-all-interfaces with its owner."""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys

DEADLINE = 240  # seconds: the live audit walks /etc and /usr/bin


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def write(root, rel, text, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def plant(root, findings):
    write(root, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    write(root, "etc/ssh/sshd_config",
          "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n"
          "PasswordAuthentication no\n")
    write(root, "etc/ssh/sshd_config.d/50-vendor.conf",
          "PermitRootLogin yes\n" if findings else "# nothing\n")
    write(root, "etc/cron.d/historian-backup", "0 2 * * * root /usr/local/bin/backup\n",
          0o666 if findings else 0o644)
    write(root, "usr/bin/dcs-console", "#!/bin/sh\n", 0o755)
    shadow = ("root:$y$j9T$abc$def:19000:0:99999:7:::\n"
              "operator:$y$j9T$ghi$jkl:19000:0:99999:7:::\n")
    passwd = ("root:x:0:0:root:/root:/bin/bash\n"
              "operator:x:1000:1000::/home/operator:/bin/bash\n")
    if findings:  # a maintenance account someone left without a password
        shadow += "maint::19000:0:99999:7:::\n"
        passwd += "maint:x:1001:1001::/home/maint:/bin/bash\n"
    write(root, "etc/passwd", passwd)
    write(root, "etc/shadow", shadow, 0o640)


def run(otguard, *args):
    p = subprocess.run([otguard, "audit", *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=DEADLINE)
    return p.returncode, p.stdout, p.stderr


def records_of(out):
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    checks = [r for r in records if r["event"]["dataset"] == "otguard.audit"]
    summaries = [r for r in records if r["event"]["dataset"] == "otguard.audit.summary"]
    check(len(summaries) == 1 and records[-1] is summaries[0], "one summary record, last")
    for r in checks:
        audit = r["otguard"]["audit"]
        outcome = {"fail": "failure", "pass": "success", "unknown": "unknown"}[audit["status"]]
        assert r["event"]["kind"] == "state" and r["event"]["module"] == "audit", r
        assert r["event"]["outcome"] == outcome, r
        assert r["rule"]["category"] == "hardening" and r["rule"]["id"], r
        assert r["otguard"]["severity"] in ("info", "low", "medium", "high", "critical"), r
        assert 1 <= r["event"]["severity"] <= 5 and audit["evidence"], r
        assert r["otguard"]["schema_version"] == 2 and r["@timestamp"].endswith("Z"), r
        if audit["status"] == "fail":
            assert audit.get("fix"), f"a failing check says how to fix it: {r}"
    ids = [r["rule"]["id"] for r in checks]
    check(len(ids) == len(set(ids)), f"{len(ids)} well-formed check records, one per check")
    counts = summaries[0]["otguard"]["audit"]
    check(counts["checks"] == len(checks) and
          counts["failing"] == sum(r["otguard"]["audit"]["status"] == "fail" for r in checks),
          f"the summary counts agree with the records: {counts}")
    return {r["rule"]["id"]: r for r in checks}


def test_planted_tree(args):
    tree = os.path.join(args.work, "tree")
    plant(tree, findings=True)
    rc, out, err = run(args.otguard, "--root", tree)
    print(out)
    check(rc == 1, f"exit code 1: checks fail ({err.strip()})")
    check(re.search(r"^fail +high +ssh-root-login", out, re.M) is not None,
          "ssh-root-login fails (high) in the text table")
    check("/etc/ssh/sshd_config.d/50-vendor.conf:1" in out, "its evidence names the Included file")
    check("/etc/cron.d/historian-backup" in out and tree + "/etc" not in out,
          "the world-writable cron job is named as on the audited host")
    check(re.search(r"^\d+ checks: \d+ failing \(.*high.*\), \d+ unknown", out, re.M) is not None,
          "the summary line counts failing checks by severity")
    check(re.search(r"^pass ", out, re.M) is None, "passing checks are hidden without --all")

    rc, out, err = run(args.otguard, "--json", "--root", tree)
    check(rc == 1, "--json: exit code 1")
    checks = records_of(out)
    failing = {i for i, r in checks.items() if r["otguard"]["audit"]["status"] == "fail"}
    check({"ssh-root-login", "world-writable-system-path"} <= failing,
          f"the planted findings fail: {sorted(failing)}")
    check(checks["ssh-root-login"]["otguard"]["severity"] == "high", "root login: high")
    empty = checks["empty-password-account"]["otguard"]["audit"]
    check(empty["status"] == "fail" and "maint" in empty["evidence"] and
          "operator" not in empty["evidence"],
          f"the account without a password in the tree's /etc/shadow fails: {empty['evidence']}")
    for live in ("risky-port-listening", "listening-all-interfaces", "firewall-disabled"):
        a = checks[live]["otguard"]["audit"]
        check(a["status"] == "unknown" and "not examined" in a["evidence"],
              f"{live}: live state of this host is not mixed into the tree's audit")
    check("smb1-server-enabled" not in checks, "Windows checks do not apply to a Linux tree")
    check(checks["ssh-root-login"]["otguard"]["audit"]["root"] == tree, "records name the tree")

    rc, out, _ = run(args.otguard, "--all", "--root", tree)
    check(re.search(r"^pass +- +ssh-empty-passwords", out, re.M) is not None,
          "--all shows passing checks")


def test_clean_tree(args):
    tree = os.path.join(args.work, "clean")
    plant(tree, findings=False)
    rc, out, err = run(args.otguard, "--root", tree)
    print(out)
    check(rc == 0, f"a tree without findings exits 0 ({err.strip()})")
    check(re.search(r"^\d+ checks: 0 failing", out, re.M) is not None, "0 failing in the summary")


def test_bad_options(args):
    rc, out, err = run(args.otguard, "--root", os.path.join(args.work, "no-such-tree"))
    check(rc == 2 and "--root" in err, f"a missing --root: exit 2 and a message ({err.strip()})")
    rc, out, err = run(args.otguard, "--no-such-option")
    check(rc == 2, "an unknown option: exit 2")


def test_live_host(args):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("0.0.0.0", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        rc, out, err = run(args.otguard, "--json")
    finally:
        listener.close()
    check(rc in (0, 1), f"the live audit completes: exit code {rc} ({err.strip()[:200]})")
    checks = records_of(out)
    check(checks["ssh-root-login"]["host"]["os"]["family"] == "linux", "host.os.family linux")
    listening = checks["listening-all-interfaces"]["otguard"]["audit"]
    mine = re.search(r"tcp 0\.0\.0\.0:%d \(([^)]*)\)" % port, listening["evidence"])
    check(listening["status"] == "fail" and mine is not None,
          f"this test's listener on 0.0.0.0:{port} is listed: {listening['evidence'][:300]}")
    owner = mine.group(1)
    check(owner == "owner unknown" or f"pid {os.getpid()}" in owner,
          f"with its owner when known: {owner}")
    for check_id in ("world-writable-system-path", "kernel-aslr-disabled"):
        check(checks[check_id]["otguard"]["audit"]["status"] in ("pass", "fail"),
              f"{check_id} is decided on the live host: "
              f"{checks[check_id]['otguard']['audit']['evidence'][:160]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--otguard", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    try:
        test_planted_tree(args)
        test_clean_tree(args)
        test_bad_options(args)
        test_live_host(args)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    sys.exit(main())
