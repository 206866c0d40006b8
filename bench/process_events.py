#!/usr/bin/env python3
"""Process observation: latency from process start to event, and CPU under load, per source.

For each Linux source (ebpf, fanotify, proc-connector, proc-poll) a consumer process
(`process_events_bench watch`) reads events while a load generator (`process_events_bench
load`) starts --count programs at --rate a second, recording the time right before each
posix_spawn. Latency = the time the consumer's Next() returned the start minus that time, over
the starts the source reported; p50/p99 and how many of the starts were seen. CPU = the
consumer's utime+stime (/proc/<pid>/stat) over the load plus one second. forkstat (Debian's
proc-connector monitor, output to /dev/null) runs on the same load and is measured the same
way. Needs root. python3 stdlib only.

  python3 bench/process_events.py --build build [--count 2000] [--rate 200] [--json out.json]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_load(tool, args, out):
    cmd = [tool, "load", "--rate", str(args.rate), "--count", str(args.count), "--out", out]
    if args.hold_ms:
        cmd += ["--hold-ms", str(args.hold_ms)]
    subprocess.run(cmd, check=True)


def measure(consumer, tool, args, tmp, name):
    """Runs the load under a started consumer; returns (cpu seconds, rss kB, spawns file)."""
    spawns = os.path.join(tmp, f"spawns-{name}.tsv")
    time.sleep(1.0)  # settle: the consumer's start-up is not part of the load
    idle0 = cpu_seconds(consumer.pid)
    rss_idle = rss_kb(consumer.pid)
    cpu0 = idle0
    run_load(tool, args, spawns)
    time.sleep(1.0)  # trailing events (proc-poll's last interval)
    cpu1 = cpu_seconds(consumer.pid)
    return cpu1 - cpu0, rss_idle, rss_kb(consumer.pid), spawns


def source_run(tool, args, tmp, source):
    events = os.path.join(tmp, f"events-{source}.tsv")
    watch = subprocess.Popen([tool, "watch", "--source", source, "--out", events,
                              "--interval-ms", str(args.interval_ms)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = watch.stdout.readline().strip()
    if ready != "ready":
        watch.wait()
        return {"source": source, "error": watch.stderr.read().strip() or "did not start"}
    cpu, rss_idle, rss_load, spawns = measure(watch, tool, args, tmp, source)
    watch.send_signal(signal.SIGTERM)
    _, err = watch.communicate(timeout=30)
    lost = next((int(l.split()[1]) for l in err.splitlines() if l.startswith("lost ")), None)
    started = {}
    with open(spawns) as f:
        for line in f:
            pid, ns = line.split("\t")
            started[int(pid)] = int(ns)
    latencies, complete = [], 0
    seen = set()
    with open(events) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            pid, ns, ok = int(parts[0]), int(parts[1]), parts[2] == "1"
            if pid in started and pid not in seen and ns >= started[pid]:
                seen.add(pid)
                latencies.append((ns - started[pid]) / 1e6)
                complete += ok
    return {"source": source, "starts": len(started), "seen": len(seen),
            "complete": complete, "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "cpu_s": cpu, "rss_idle_kb": rss_idle,
            "rss_load_kb": rss_load, "lost": lost}


def forkstat_run(tool, args, tmp):
    if shutil.which("forkstat") is None:
        return {"source": "forkstat", "error": "forkstat not installed (scripts/install-deps.sh)"}
    peer = subprocess.Popen(["forkstat", "-e", "exec,exit"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    cpu, rss_idle, rss_load, _ = measure(peer, tool, args, tmp, "forkstat")
    peer.send_signal(signal.SIGINT)
    peer.wait(timeout=30)
    return {"source": "forkstat", "cpu_s": cpu, "rss_idle_kb": rss_idle, "rss_load_kb": rss_load}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--hold-ms", type=int, default=0,
                    help="start /bin/sleep for this long instead of /bin/true")
    ap.add_argument("--interval-ms", type=int, default=1000, help="the sources' poll interval")
    ap.add_argument("--sources", default="ebpf,fanotify,proc-connector,proc-poll,forkstat")
    ap.add_argument("--json")
    args = ap.parse_args()
    tool = os.path.join(args.build, "bench", "process_events_bench")
    if not os.access(tool, os.X_OK):
        sys.exit(f"{tool} missing: cmake --build {args.build} --target process_events_bench")
    results = []
    with tempfile.TemporaryDirectory(prefix="otguard-procbench-") as tmp:
        for source in args.sources.split(","):
            r = forkstat_run(tool, args, tmp) if source == "forkstat" else \
                source_run(tool, args, tmp, source)
            results.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    program = f"/bin/sleep {args.hold_ms} ms" if args.hold_ms else "/bin/true"
    print(f"{args.count} starts of {program} at {args.rate:g}/s; poll interval "
          f"{args.interval_ms} ms")
    print(f"{'source':15} {'seen':>11} {'complete':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU s':>6} {'RSS idle/load MB':>17} {'lost':>5}")
    for r in results:
        if "error" in r:
            print(f"{r['source']:15} unavailable: {r['error']}")
            continue
        rss = f"{r['rss_idle_kb'] / 1024:.1f}/{r['rss_load_kb'] / 1024:.1f}"
        if r["source"] == "forkstat":
            print(f"{'forkstat':15} {'-':>11} {'-':>9} {'-':>8} {'-':>8} {r['cpu_s']:6.2f} "
                  f"{rss:>17} {'-':>5}")
            continue
        print(f"{r['source']:15} {r['seen']:>5}/{r['starts']:<5} {r['complete']:>9} "
              f"{r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['cpu_s']:6.2f} {rss:>17} "
              f"{r['lost'] if r['lost'] is not None else '-':>5}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
