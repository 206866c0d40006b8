#!/usr/bin/env python3
"""Benchmarks of `otguard nba` (network behaviour analysis) against ndpiReader and tshark.

On one large trace generated from the real captures (bench/nba_trace.cc: >= 5 million packets,
addresses and times shifted per copy) it runs otguard (A) and the peers in one run, round-robin
(otguard -t1, otguard -t2, ndpiReader, tshark, then again) for --reps repetitions, and measures
each child's wall time and peak RSS (os.wait4 -> ru_maxrss, as bench/run.py). It prints packets
per second, medians and ratios, checks the goals, and on a trace of 1,000,000 concurrent TCP
flows (bench/nba_flows.cc) reports the peak memory. python3 stdlib only; see bench/README.md.

  python3 bench/nba.py --build build [--reps 3] [--json results.json] [nba1 nba2 flows|all]
  python3 bench/nba.py --peer-vs-peer ...   # ndpiReader in otguard's place: tests the harness
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BENCH, OUT, common_parser, log, measure, selected  # noqa: E402  (the same measurement as run.py)

ROOT = os.path.dirname(BENCH)
TEST_PCAPS = os.path.join(ROOT, "tests", "data", "pcaps")
GENERATORS = ("nba_trace", "nba_flows")


# ---- inputs -------------------------------------------------------------------------------------

class Inputs:
    """The generators (from the build, or compiled here) and the traces they write, cached
    under bench/out and rebuilt when the size asked for or the generator changes."""

    def __init__(self, args):
        self.args = args
        os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)

    def generator(self, name):
        built = os.path.join(os.path.abspath(self.args.build), "bench", name)
        source = os.path.join(BENCH, f"{name}.cc")
        if os.access(built, os.X_OK) and os.path.getmtime(built) >= os.path.getmtime(source):
            return built
        # Without bench/ in the build (or with an old binary): compile it here, it is one file.
        binary = os.path.join(OUT, "bin", name)
        if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
            os.makedirs(os.path.dirname(binary), exist_ok=True)
            cmd = [os.environ.get("CXX", "c++"), "-O2", "-std=c++20", "-o", binary, source,
                   f'-DOTGUARD_TEST_PCAPS="{TEST_PCAPS}"', "-lpcap"]
            log(f"compiling {name}: {' '.join(cmd)}")
            subprocess.run(cmd, check=True)
        return binary

    def trace(self, name, size_flag, size):
        path = os.path.join(OUT, f"{name.replace('_', '-')}.pcap")
        stamp = path + ".stamp"
        gen = self.generator(name)
        want = f"{size} {os.path.getmtime(gen)}"
        if not (os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == want):
            log(f"generating {path} ({size_flag} {size})")
            start = time.perf_counter()
            subprocess.run([gen, size_flag, str(size), "--out", path], check=True)
            log(f"  {time.perf_counter() - start:.1f} s")
            with open(stamp, "w") as f:
                f.write(want)
        return path

    def large(self):
        return self.trace("nba_trace", "--packets", self.args.packets), self.args.packets

    def flows(self):
        return self.trace("nba_flows", "--flows", self.args.flows), self.args.flows * 4


def warm(path):
    """Reads a trace once, untimed, so every side finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


# ---- benchmark definitions ----------------------------------------------------------------------

@dataclass
class Side:
    key: str  # unique within a bench
    label: str
    cmd: list
    ok_codes: tuple = (0,)
    stdout_null: bool = False  # alerts go to /dev/null, as a user piping them away
    summary: Optional[str] = None  # otguard's --summary-json file
    samples: list = field(default_factory=list)


@dataclass
class Row:
    """One line of the report: A against B on the same runs."""
    name: str
    a: str  # Side keys
    b: str
    what: str
    time_goal: Optional[float] = None  # B time / A time at least this
    show_rss: bool = False


@dataclass
class Bench:
    name: str
    trace: str
    packets: int
    sides: list
    rows: list
    notes: list = field(default_factory=list)


def otguard_side(args, key, label, extra, trace):
    summary = os.path.join(OUT, "logs", f"{key}.summary.json")
    if args.peer_vs_peer:
        return Side(key, label + "'", ["ndpiReader", "-i", trace, "-q", "-n", "1"])
    otguard = os.path.join(os.path.abspath(args.build), "apps", "otguard", "otguard")
    cmd = [otguard, "nba", "analyze", *extra, "--json", "--summary-json", summary, trace]
    return Side(key, label, cmd, ok_codes=(0, 1), stdout_null=True, summary=summary)


def ndpi_side(trace):
    # -q: no per-flow or summary print, -n 1: one reader thread (ignored for files, one anyway).
    return Side("ndpi", "ndpiReader", ["ndpiReader", "-i", trace, "-q", "-n", "1"])


def define(inputs, args, names):
    benches = []
    if "nba1" in names or "nba2" in names:
        trace, packets = inputs.large()
        sides, rows = [otguard_side(args, "t1", "otguard-t1", ["--threads", "1"], trace)], []
        if "nba2" in names:
            sides.append(otguard_side(args, "t2", "otguard-t2", ["--threads", "2"], trace))
            rows.append(Row("nba2", "t2", "t1", "scaling: 2 threads against 1"))
        if "nba1" in names:
            sides += [ndpi_side(trace),
                      Side("tshark", "tshark", ["tshark", "-q", "-z", "conv,tcp", "-r", trace])]
            rows[:0] = [Row("nba1", "t1", "ndpi", "one core, all analysers", 1.0),
                        Row("nba1", "t1", "tshark", "one core, all analysers", 20.0)]
        benches.append(Bench("trace", trace, packets, sides, rows))
    if "flows" in names:
        trace, packets = inputs.flows()
        sides = [otguard_side(args, "f1", "otguard-t1", ["--threads", "1"], trace),
                 ndpi_side(trace)]
        rows = [Row("flows", "f1", "ndpi", f"{args.flows:,} concurrent TCP flows",
                    show_rss=True)]
        benches.append(Bench("flows", trace, packets, sides, rows))
    return benches


# ---- running and reporting ----------------------------------------------------------------------

def run_side(bench, side, rep):
    tag = f"{bench.name}.{side.key}.{rep}"
    stdout = os.devnull if side.stdout_null else os.path.join(OUT, "logs", f"{tag}.out")
    stderr = os.path.join(OUT, "logs", f"{tag}.err")
    sample = measure(side.cmd, stdout, stderr)
    if sample.returncode not in side.ok_codes:
        with open(stderr, errors="replace") as f:
            tail = f.read()[-1500:]
        raise RuntimeError(f"{side.label} exited {sample.returncode}: {tail}")
    side.samples.append(sample)
    log(f"  {side.label:12s} rep {rep + 1}: {sample.wall:7.2f} s {sample.rss_kb / 1024:8.1f} MB"
        f"  {bench.packets / sample.wall / 1e6:6.2f} Mpps")


def check_summary(bench, side):
    """otguard's own count must match the trace: a fast run that skipped packets is no win."""
    if not side.summary or not os.path.exists(side.summary):
        return
    with open(side.summary) as f:
        summary = json.load(f)
    if summary.get("packets") != bench.packets:
        bench.notes.append(f"{side.label} counted {summary.get('packets')} packets, "
                           f"the trace has {bench.packets}")
    bench.notes.append(f"{side.label}: {summary.get('flows')} flows, "
                       f"{summary.get('alerts')} alerts, {summary.get('seconds')} s by its clock")


def run_bench(bench, reps):
    log(f"bench {bench.name}: {bench.trace} ({bench.packets:,} packets)")
    warm(bench.trace)
    for rep in range(reps):
        for side in bench.sides:
            run_side(bench, side, rep)
    for side in bench.sides:
        check_summary(bench, side)


def med(side, attr):
    return statistics.median(getattr(s, attr) for s in side.samples)


def report(benches, json_path):
    header = (f"{'bench':6s} {'A':12s} {'time A':>8s} {'Mpps A':>7s} {'RSS A':>9s} "
              f"{'B':12s} {'time B':>8s} {'Mpps B':>7s} {'RSS B':>9s} {'B/A time':>9s} "
              f"{'A/B RSS':>8s} {'goal':>6s}  result")
    print(header)
    print("-" * len(header))
    out = []
    for bench in benches:
        sides = {s.key: s for s in bench.sides}
        for row in bench.rows:
            a, b = sides[row.a], sides[row.b]
            ta, tb = med(a, "wall"), med(b, "wall")
            ra, rb = med(a, "rss_kb"), med(b, "rss_kb")
            ratio = tb / max(ta, 1e-9)
            ok = row.time_goal is None or ratio >= row.time_goal
            goal = f">={row.time_goal:g}x" if row.time_goal is not None else "-"
            print(f"{row.name:6s} {a.label:12s} {ta:7.2f}s {bench.packets / ta / 1e6:7.2f} "
                  f"{ra / 1024:7.1f}MB {b.label:12s} {tb:7.2f}s {bench.packets / tb / 1e6:7.2f} "
                  f"{rb / 1024:7.1f}MB {ratio:8.2f}x {ra / max(rb, 1):8.2f} {goal:>6s}  "
                  f"{'PASS' if ok else 'MISS'}")
            entry = {"name": row.name, "what": row.what, "trace": bench.trace,
                     "packets": bench.packets, "a": a.label, "b": b.label,
                     "a_wall_s": [s.wall for s in a.samples],
                     "b_wall_s": [s.wall for s in b.samples],
                     "a_rss_kb": [s.rss_kb for s in a.samples],
                     "b_rss_kb": [s.rss_kb for s in b.samples],
                     "median_a_wall_s": ta, "median_b_wall_s": tb,
                     "a_packets_per_s": bench.packets / ta, "b_packets_per_s": bench.packets / tb,
                     "median_a_rss_kb": ra, "median_b_rss_kb": rb,
                     "time_ratio_b_over_a": ratio, "rss_ratio_a_over_b": ra / max(rb, 1),
                     "time_goal": row.time_goal, "goal_met": ok}
            if row.show_rss:
                flows = bench.packets // 4
                entry["a_bytes_per_flow"] = ra * 1024 / flows
                entry["b_bytes_per_flow"] = rb * 1024 / flows
                print(f"       peak RSS per flow: {a.label} {ra * 1024 / flows:.0f} B, "
                      f"{b.label} {rb * 1024 / flows:.0f} B ({flows:,} flows)")
            out.append(entry)
        for note in bench.notes:
            print(f"       {note}")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"benchmarks": out, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}, f,
                      indent=2)
    return all(e["goal_met"] for e in out)


ALL = ["nba1", "nba2", "flows"]


def main():
    ap = common_parser(__doc__, ALL)
    ap.add_argument("--packets", type=int, default=5_000_000, help="size of the large trace")
    ap.add_argument("--flows", type=int, default=1_000_000, help="flows of the memory trace")
    ap.add_argument("--check-goals", action="store_true", help="exit 1 when a goal is missed")
    ap.add_argument("--peer-vs-peer", action="store_true",
                    help="run ndpiReader in otguard's place (tests the harness without otguard)")
    args = ap.parse_args()
    names = selected(ap, args, ALL)
    otguard = os.path.join(os.path.abspath(args.build), "apps", "otguard", "otguard")
    if not args.peer_vs_peer and not os.access(otguard, os.X_OK):
        sys.exit(f"bench: no otguard binary at {otguard} (build first, or --peer-vs-peer)")
    for tool in ("ndpiReader", "tshark"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not installed (apt-get install libndpi-bin tshark)")
    benches = define(Inputs(args), args, names)
    for bench in benches:
        try:
            run_bench(bench, args.reps)
        except RuntimeError as e:
            sys.exit(f"bench: {e}")
    met = report(benches, args.json)
    return 0 if met or not args.check_goals else 1


if __name__ == "__main__":
    sys.exit(main())
