#!/usr/bin/env python3
"""The agent's footprint: idle RSS in monitor mode, and CPU while a host starts --rate programs
a second for --seconds, side by side with forkstat (Debian's proc-connector monitor) on the
same load. Goals (issue 13): idle RSS <= 20 MB, CPU no more than forkstat's.

The agent runs `otguard agent run` with a policy in monitor mode (an approved allowlist with
no rules: every program and connection is checked, alerts deduplicated per item) and its own
state directory. The load is bench/process_events.cc's generator (posix_spawn of /bin/true).
Needs root for the best process source (as the agent on a station has).

  python3 bench/agent.py --build build [--rate 200] [--seconds 30] [--source auto]
"""
import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def load(tool, rate, seconds, tmp):
    subprocess.run([tool, "load", "--rate", str(rate), "--count", str(int(rate * seconds)),
                    "--out", os.path.join(tmp, "spawns.tsv")], check=True)


def measure(pid, tool, args, tmp):
    time.sleep(args.settle)
    idle_rss = rss_kb(pid)
    before = cpu_seconds(pid)
    time.sleep(5)
    idle_cpu = cpu_seconds(pid) - before
    before = cpu_seconds(pid)
    load(tool, args.rate, args.seconds, tmp)
    time.sleep(1)
    return idle_rss, idle_cpu, cpu_seconds(pid) - before, rss_kb(pid)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--source", default="auto")
    ap.add_argument("--settle", type=float, default=5, help="seconds for the start-up snapshot")
    args = ap.parse_args()
    otguard = os.path.join(args.build, "apps/otguard/otguard")
    tool = os.path.join(args.build, "bench/process_events_bench")
    tmp = tempfile.mkdtemp(prefix="otguard-bench-agent-")
    try:
        allowlist = os.path.join(tmp, "allowlist.toml")
        with open(allowlist, "w") as f:
            f.write('[allowlist]\nformat = 1\nversion = 1\nhost = "bench"\n')
        policy = os.path.join(tmp, "agent.toml")
        with open(policy, "w") as f:
            f.write(f'[observe]\nprocess_source = "{args.source}"\n'
                    f'[allowlist]\nmode = "monitor"\nfile = "{allowlist}"\n')
        agent = subprocess.Popen([otguard, "agent", "run", "--policy", policy, "--state",
                                  os.path.join(tmp, "state")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        a = measure(agent.pid, tool, args, tmp)
        agent.send_signal(signal.SIGTERM)
        rc = agent.wait(timeout=60)
        rows = [("otguard agent (" + args.source + ")",) + a]
        if shutil.which("forkstat"):
            peer = subprocess.Popen(["forkstat", "-e", "exec,exit"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            rows.append(("forkstat",) + measure(peer.pid, tool, args, tmp))
            peer.send_signal(signal.SIGINT)
            peer.wait(timeout=30)
        print(f"load: {args.rate:g} programs/s for {args.seconds:g} s; agent exit code {rc}")
        print(f"{'':28} {'idle RSS':>10} {'idle CPU/5s':>12} {'load CPU':>10} {'load RSS':>10}")
        for name, idle_rss, idle_cpu, load_cpu, load_rss in rows:
            print(f"{name:28} {idle_rss/1024:8.1f}MB {idle_cpu:11.2f}s {load_cpu:9.2f}s "
                  f"{load_rss/1024:8.1f}MB")
        if len(rows) == 2:
            print(f"CPU ratio agent/forkstat: {rows[0][3] / max(rows[1][3], 0.01):.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
