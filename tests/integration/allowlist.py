#!/usr/bin/python3
"""`otguard allowlist` end to end: a station's history written as the agent writes it, then
learn -> review -> approve -> replay (clean) -> anomalies replayed (alerted, schema-checked) ->
approve again (previous version kept) -> diff -> compare -> bad files give exit 2 naming the
file. Exits non-zero with the first failed expectation."""
import argparse
import json
import os
import shutil
import subprocess
import sys


def run(args, *cmd, expect):
    r = subprocess.run([args.otguard, "allowlist", *cmd], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != expect:
        sys.exit(f"otguard allowlist {' '.join(cmd)}: exit {r.returncode}, wanted {expect}\n"
                 f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def check(condition, what):
    if not condition:
        sys.exit("FAILED: " + what)


def write_history(directory, days, anomalies=False):
    os.makedirs(directory, exist_ok=True)
    sha = "a" * 64
    for day in range(days):
        date = f"2026-11-{10 + day:02d}"
        with open(os.path.join(directory, f"{date}.jsonl"), "w") as f:
            for hour in range(0, 24, 2):
                t = f"{date}T{hour:02d}:00:00.000Z"
                f.write(json.dumps({"type": "process", "time": t, "pid": 1000 + hour, "ppid": 1,
                                    "executable": "/usr/bin/opcua-gw", "sha256": sha,
                                    "user": "opc"}) + "\n")
                for peer in range(1, 6):
                    f.write(json.dumps({
                        "type": "connection", "time": t, "pid": 1000 + hour,
                        "executable": "/usr/bin/opcua-gw", "protocol": "tcp",
                        "direction": "outbound", "local_address": "10.1.2.100",
                        "local_port": 40000 + hour, "remote_address": f"10.1.2.{peer}",
                        "remote_port": 502}) + "\n")
                f.write(json.dumps({"type": "connection", "time": t, "pid": 77,
                                    "executable": "/usr/sbin/sshd", "protocol": "tcp",
                                    "direction": "listen", "local_address": "0.0.0.0",
                                    "local_port": 22}) + "\n")
                f.write(json.dumps({"type": "process", "time": t, "pid": 77, "ppid": 1,
                                    "executable": "/usr/sbin/sshd", "sha256": "b" * 64,
                                    "package": "openssh-server"}) + "\n")
    if anomalies:
        with open(os.path.join(directory, "2026-12-05.jsonl"), "w") as f:
            t = "2026-12-05T03:00:00.000Z"
            f.write(json.dumps({"type": "process", "time": t, "pid": 4242, "ppid": 1000,
                                "executable": "/tmp/.x/dllhostex", "sha256": "c" * 64,
                                "command_line": "dllhostex -o xmr.pool.minergate.com:45560",
                                "parent_executable": "/usr/bin/opcua-gw"}) + "\n")
            f.write(json.dumps({"type": "connection", "time": t, "pid": 4242,
                                "executable": "/tmp/.x/dllhostex", "protocol": "tcp",
                                "direction": "outbound", "local_address": "10.1.2.100",
                                "local_port": 50123, "remote_address": "45.76.48.72",
                                "remote_port": 45560}) + "\n")
            f.write('{"type":"process","time":"2026-12-05T03:00:01Z"')  # torn by a crash


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--otguard", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--schema-check", required=True)
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    history = os.path.join(args.work, "history")
    write_history(history, days=7)
    proposal = os.path.join(args.work, "proposal.toml")
    allowlist = os.path.join(args.work, "allowlist.toml")

    r = run(args, "learn", "--history", history, "--out", proposal, "--host", "ops-01", expect=0)
    check("opcua-gw" in r.stdout and "Transients" in r.stdout, "learn prints the review")
    check("bad 0" in r.stderr or " 0 bad" in r.stderr, "learn reports no bad lines: " + r.stderr)
    r = run(args, "review", proposal, expect=0)
    check("10.1.2.0/29" in r.stdout, "the five PLCs merge into one CIDR rule:\n" + r.stdout)
    run(args, "approve", proposal, "--into", allowlist, "--by", "engineer@ews-01", expect=0)
    text = open(allowlist).read()
    check("version = 1" in text and 'by = "engineer@ews-01"' in text, "version 1 approved")
    run(args, "replay", "--allowlist", allowlist, "--history", history, expect=0)

    anomalous = os.path.join(args.work, "history-anomalies")
    write_history(anomalous, days=7, anomalies=True)
    r = run(args, "replay", "--allowlist", allowlist, "--history", anomalous, "--json", expect=1)
    check("1 torn" in r.stderr, "the torn last line is reported: " + r.stderr)
    records = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    names = sorted(rec["rule"]["name"] for rec in records)
    check(names == ["allowlist.network.unknown", "allowlist.process.unknown"],
          f"one process and one network alert: {names}")
    net = next(rec for rec in records if rec["rule"]["name"] == "allowlist.network.unknown")
    check(net["destination"]["port"] == 45560 and net["host"]["name"] == "ops-01",
          "the miner's connection, on the allowlist's host")
    alerts = os.path.join(args.work, "alerts.jsonl")
    with open(alerts, "w") as f:
        f.write(r.stdout)
    schema = subprocess.run([sys.executable, args.schema_check, "allowlist", alerts],
                            capture_output=True, text=True)
    check(schema.returncode == 0, "replay --json conforms to the schema:\n" + schema.stdout)

    run(args, "approve", proposal, "--into", allowlist, "--by", "engineer@ews-01", expect=0)
    check(os.path.exists(allowlist + ".v1"), "version 1 kept as allowlist.toml.v1")
    check("version = 2" in open(allowlist).read(), "version 2 approved")
    run(args, "diff", allowlist + ".v1", allowlist, expect=0)  # same rules
    other = os.path.join(args.work, "other.toml")
    with open(other, "w") as f:
        f.write(open(allowlist).read().replace("/usr/sbin/sshd", "/usr/sbin/sshd2"))
    r = run(args, "diff", allowlist, other, expect=1)
    check("sshd2" in r.stdout, "diff shows the changed rule:\n" + r.stdout)
    run(args, "compare", f"a={allowlist}", f"b={allowlist}", f"c={allowlist}", expect=0)

    bad = os.path.join(args.work, "bad.toml")
    with open(bad, "w") as f:
        f.write("[allowlist]\nformat = 1\nversion = 1\n[[process]]\nid = 'p-1'\nkind = 'hsh'\n")
    r = run(args, "replay", "--allowlist", bad, "--history", history, expect=2)
    check("bad.toml: process[1].kind: unknown kind 'hsh'" in r.stderr, r.stderr)
    run(args, "learn", "--history", os.path.join(args.work, "none"), "--out", proposal,
        expect=2)
    print("allowlist e2e: ok")


if __name__ == "__main__":
    main()
