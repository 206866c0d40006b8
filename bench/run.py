#!/usr/bin/env python3
"""Side-by-side benchmarks of otguard against its peers (clamscan, openssl, yara).

Each benchmark runs otguard (A) and the peer (B) on the same input in one run, alternating
A, B, A, B, ... for --reps repetitions, and measures each child's wall time and peak RSS
(os.wait4 -> ru_maxrss). It prints medians and the ratios peer/otguard for time and
otguard/peer for RSS, checks them against the goals, and where the benchmark says so checks
that both report the same (file, signature) set. python3 stdlib only; see bench/README.md.

  python3 bench/run.py --build build [--reps 3] [--json results.json] [load scan1 ...|all]
  python3 bench/run.py --peer-vs-peer ...   # the peer against itself: tests the harness
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
sys.path.insert(0, BENCH)
from gen_yara import YARA_CONSTANTS  # noqa: E402  (the constants its --externals rules expect)
OUT = os.path.join(BENCH, "out")

CORPUS_ROOTS = ["/usr/lib/x86_64-linux-gnu/wine", "/usr/lib/x86_64-linux-gnu", "/usr/lib",
                "/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/share"]
# Archives are left out: clamscan unpacks them and otguard does not, which would turn the
# scan benchmarks into a comparison of features.
SKIP_SUFFIXES = (".gz", ".xz", ".bz2", ".zst", ".zip", ".jar", ".7z", ".tar", ".deb", ".whl",
                 ".lzma", ".cab", ".rar", ".apk", ".egg", ".pyc")
MAX_FILE = 64 << 20  # below clamscan's default --max-filesize (100 MB)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- measuring one child ----------------------------------------------------------------------

@dataclass
class Sample:
    wall: float
    rss_kb: int
    returncode: int


def measure(cmd, stdout_path, stderr_path, shell=False) -> Sample:
    """Runs cmd with output to files; wall time and peak RSS of the child (and of the
    children it waited for, which is what a shell pipeline's RSS means)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                shell=shell, executable="/bin/bash" if shell else None)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return Sample(wall, usage.ru_maxrss, proc.returncode)


# ---- parsing detections -----------------------------------------------------------------------

def norm(path):
    return os.path.normpath(os.path.abspath(path))


def parse_clamscan(stdout_path):
    found = set()
    with open(stdout_path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.endswith(" FOUND"):
                path, _, name = line[:-len(" FOUND")].rpartition(": ")
                found.add((norm(path), name.removesuffix(".UNOFFICIAL")))
    return found


def json_get(obj, dotted):
    """ECS fields either nested ({"event": {"kind": ..}}) or flat ("event.kind")."""
    if dotted in obj:
        return obj[dotted]
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def parse_otguard(stdout_path):
    found = set()
    with open(stdout_path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if json_get(event, "event.kind") == "alert":
                found.add((norm(json_get(event, "file.path")), json_get(event, "rule.name")))
    return found


def parse_yara(stdout_path):
    found = set()
    with open(stdout_path, errors="replace") as f:
        for line in f:
            rule, _, path = line.rstrip("\n").partition(" ")
            if path:
                found.add((norm(path), rule))
    return found


def parse_openssl_hits(hit_hashes):
    """openssl prints digests, not detections: the files whose digest is a planted hit."""
    def parse(stdout_path):
        found = set()
        with open(stdout_path, errors="replace") as f:
            for line in f:
                head, _, digest = line.rstrip("\n").rpartition("= ")
                path = head[head.find("(") + 1:-1]
                if digest in hit_hashes:
                    found.add((norm(path), hit_hashes[digest]))
        return found
    return parse


# ---- benchmark definitions --------------------------------------------------------------------

@dataclass
class Side:
    label: str
    cmd: object  # list, or a string for the shell
    parse: Optional[Callable] = None
    ok_codes: tuple = (0, 1)
    shell: bool = False


@dataclass
class Contender:
    """One otguard configuration: a row of the report."""
    name: str
    side: Side
    time_goal: Optional[float] = None  # peer/otguard time at least this
    rss_goal: Optional[float] = None  # otguard/peer RSS at most this


@dataclass
class Bench:
    """Contenders and one peer, run round-robin (A, B, A, B ... or A1, A2, B, A1, A2, B ...):
    scan1 and scan2 share their clamscan runs this way."""
    what: str
    contenders: list
    b: Side  # the peer
    compare: bool = False
    warm: bool = False  # read the corpus before (page cache)


@dataclass
class Result:
    name: str
    a_label: str
    b_label: str
    a: list = field(default_factory=list)
    b: list = field(default_factory=list)  # the peer's samples (shared by scan1 and scan2)
    detections: Optional[str] = None  # None: not compared; "identical" or a difference
    notes: list = field(default_factory=list)

    def med(self, side, attr):
        return statistics.median(getattr(s, attr) for s in getattr(self, side))


class Setup:
    """Builds (once, cached under bench/out) what the benchmarks need."""

    def __init__(self, args):
        self.args = args
        self.otguard = os.path.join(os.path.abspath(args.build), "apps", "otguard", "otguard")
        os.makedirs(OUT, exist_ok=True)
        self.empty = os.path.join(OUT, "empty")
        open(self.empty, "wb").close()
        # `--db` of an empty folder: no signature database at all. Without any --db, otguard
        # loads its bundled sample signatures (MD5 hashing and body matching on every file).
        self.no_db = os.path.join(OUT, "empty-db")
        os.makedirs(self.no_db, exist_ok=True)

    # corpus: hard links (or copies) of system files, never the files themselves
    def corpus(self):
        root = os.path.join(OUT, "corpus")
        listing = os.path.join(OUT, "corpus.list")
        stamp = os.path.join(OUT, "corpus.stamp")
        want = int(self.args.corpus_gb * 1e9)
        if os.path.exists(stamp) and open(stamp).read().strip() == str(want):
            return root, listing
        shutil.rmtree(root, ignore_errors=True)
        # Signatures and rules plant hits in corpus files: they go with the corpus.
        shutil.rmtree(os.path.join(OUT, "sigs"), ignore_errors=True)
        shutil.rmtree(os.path.join(OUT, "sigs-plain"), ignore_errors=True)
        shutil.rmtree(os.path.join(OUT, "ogdb"), ignore_errors=True)
        for name in ("rules.yar", "bench.ogdb", "bench-hash.ogdb"):
            if os.path.exists(os.path.join(OUT, name)):
                os.remove(os.path.join(OUT, name))
        log(f"bench: building a {self.args.corpus_gb} GB corpus in {root} (hard links)")
        total, seen, paths = 0, set(), []
        for top in CORPUS_ROOTS:
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for name in sorted(filenames):
                    if total >= want:
                        break
                    src = os.path.join(dirpath, name)
                    if name.endswith(SKIP_SUFFIXES) or os.path.islink(src):
                        continue
                    try:
                        st = os.stat(src)
                    except OSError:
                        continue
                    if not (0 < st.st_size <= MAX_FILE) or (st.st_dev, st.st_ino) in seen:
                        continue
                    if not os.access(src, os.R_OK) or (st.st_mode & 0o170000) != 0o100000:
                        continue
                    dst = os.path.join(root, src.lstrip("/"))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    try:
                        os.link(src, dst)
                    except OSError:
                        shutil.copyfile(src, dst)
                    seen.add((st.st_dev, st.st_ino))
                    paths.append(dst)
                    total += st.st_size
        with open(listing, "w") as f:
            f.writelines(p + "\n" for p in paths)
        with open(stamp, "w") as f:
            f.write(str(want))
        log(f"bench: corpus has {len(paths)} files, {total / 1e9:.2f} GB")
        return root, listing

    def warm(self, root):
        """Reads every corpus file once (untimed) so that every run finds it in the page cache."""
        for dirpath, _, filenames in os.walk(root):
            for name in filenames:
                with open(os.path.join(dirpath, name), "rb") as f:
                    while f.read(1 << 20):
                        pass

    def sigs(self, listing):
        """The signature folders for --mix: sigs/ (realistic) or sigs-plain/."""
        out = os.path.join(OUT, "sigs" if self.args.mix == "realistic" else "sigs-" + self.args.mix)
        if not os.path.exists(os.path.join(out, "full", "bench.ndb")):
            log(f"bench: generating signatures (bench/gen_sigs.py --mix {self.args.mix})")
            subprocess.run([sys.executable, os.path.join(BENCH, "gen_sigs.py"), "--out", out,
                            "--hashes", str(self.args.hashes), "--bodies", str(self.args.bodies),
                            "--corpus-list", listing, "--mix", self.args.mix], check=True)
        return out

    def rules(self, listing, externals=False):
        path = os.path.join(OUT, "rules-ext.yar" if externals else "rules.yar")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(BENCH, "gen_yara.py"), "--out", path,
                            "--corpus-list", listing] + (["--externals"] if externals else []),
                           check=True)
        return path

    def compiled(self, src_dir, name):
        """otguard's compiled database of the sources in src_dir (compiled untimed, by the
        otguard under test: one per build folder, recompiled when the sources or the binary
        are newer, since a database from another build may differ in what it holds)."""
        build_tag = os.path.basename(os.path.normpath(os.path.abspath(self.args.build)))
        mix = "" if self.args.mix == "realistic" else self.args.mix + "-"
        db = os.path.join(OUT, "ogdb", build_tag, mix + name)
        sources = sorted(os.path.join(src_dir, f) for f in os.listdir(src_dir))
        if self.args.peer_vs_peer:
            return db
        os.makedirs(os.path.dirname(db), exist_ok=True)
        newest = max([*map(os.path.getmtime, sources), os.path.getmtime(self.otguard)])
        if not os.path.exists(db) or os.path.getmtime(db) < newest:
            log(f"bench: otguard sigs compile -o {db}")
            start = time.perf_counter()
            # --no-builtin: the peer has no EICAR signature either, and the hash-only database
            # must hold no body signature (it would make otguard read every file whole).
            subprocess.run([self.otguard, "sigs", "compile", "--no-builtin", "-o", db, *sources],
                           check=True)
            log(f"bench: compiled in {time.perf_counter() - start:.1f} s")
        return db

    def hit_hashes(self, sig_dir):
        hits = {}
        with open(os.path.join(sig_dir, "hash-only", "bench.hsb")) as f:
            for line in f:
                if ":Bench.HitHash." in line:
                    digest, _, name = line.strip().split(":", 2)
                    hits[digest] = name
        return hits


def define(setup, names):
    """The benchmarks named in `names`, with their inputs built."""
    corpus, listing = setup.corpus()  # also for `load`: its signatures hit corpus files
    sigs = setup.sigs(listing)
    og = setup.otguard
    clam = ["clamscan", "--no-summary"]
    benches = []
    if "load" in names:
        db = setup.compiled(os.path.join(sigs, "full"), "bench.ogdb")
        benches.append(Bench(
            f"load {setup.args.hashes} hash + {setup.args.bodies} body signatures "
            f"({setup.args.mix} mix), scan an empty file",
            [Contender("load", Side("otguard", [og, "scan", "--db", db, "--no-builtin",
                                                setup.empty]), time_goal=20.0, rss_goal=0.25)],
            Side("clamscan", clam + ["-d", os.path.join(sigs, "full"), setup.empty])))
    scans = [(n, t, g) for n, t, g in (("scan1", 1, 2.0), ("scan2", 2, 3.5)) if n in names]
    if scans:
        db = setup.compiled(os.path.join(sigs, "full"), "bench.ogdb")
        benches.append(Bench(
            "scan the corpus, all matches, otguard --threads "
            + "/".join(str(t) for _, t, _ in scans) + f" ({setup.args.mix} signature mix)",
            [Contender(n, Side(f"otguard-t{t}", [og, "scan", "--db", db, "--no-builtin",
                                                  "--all-matches", "--json", "--threads", str(t),
                                                  corpus], parse_otguard), time_goal=g)
             for n, t, g in scans],
            Side("clamscan", clam + ["--allmatch", "-r", "-d", os.path.join(sigs, "full"),
                                     corpus], parse_clamscan),
            compare=True, warm=True))
    if "hash" in names:
        db = setup.compiled(os.path.join(sigs, "hash-only"), "bench-hash.ogdb")
        benches.append(Bench(
            "SHA-256 hash-only scan vs openssl dgst -sha256 (xargs batches)",
            [Contender("hash", Side("otguard", [og, "scan", "--db", db, "--no-builtin",
                                                "--all-matches", "--json", "--threads", "1",
                                                corpus], parse_otguard), time_goal=0.8)],
            Side("openssl", f"find '{corpus}' -type f -print0 | xargs -0 -n 500 "
                 "openssl dgst -sha256", parse_openssl_hits(setup.hit_hashes(sigs)),
                 ok_codes=(0,), shell=True),
            compare=True, warm=True))
    if "yara" in names:
        rules = setup.rules(listing)
        benches.append(Bench(
            "YARA rules over the corpus, one thread each",
            [Contender("yara", Side("otguard", [og, "scan", "--db", setup.no_db, "--yara", rules,
                                                "--no-builtin", "--all-matches", "--json",
                                                "--threads", "1", corpus], parse_otguard),
                       time_goal=1.0)],
            Side("yara", ["yara", "-p", "1", "-r", rules, corpus], parse_yara),
            compare=True, warm=True))
    if "yara-ext" in names:
        # The same rules, each also testing LOKI's and THOR's externals. otguard sets them per
        # file; yara takes constants (-d), which the generated tests cannot tell from the real
        # values (bench/gen_yara.py --externals), so the detections must still be equal.
        rules = setup.rules(listing, externals=True)
        defines = [a for c in YARA_CONSTANTS for a in ("-d", c)]
        benches.append(Bench(
            "YARA rules using external variables (filename, filepath ...), one thread each",
            [Contender("yara-ext", Side("otguard", [og, "scan", "--db", setup.no_db, "--yara",
                                                    rules, "--no-builtin", "--all-matches",
                                                    "--json", "--threads", "1", corpus],
                                        parse_otguard), time_goal=1.0)],
            Side("yara", ["yara", "-p", "1", *defines, "-r", rules, corpus], parse_yara),
            compare=True, warm=True))
    if setup.args.peer_vs_peer:
        for b in benches:
            for c in b.contenders:
                c.side = Side(f"{b.b.label}'", b.b.cmd, b.b.parse, b.b.ok_codes, b.b.shell)
    return benches, corpus


# ---- running and reporting --------------------------------------------------------------------

def run_side(side, tag, rep):
    stdout = os.path.join(OUT, "logs", f"{tag}.{rep}.out")
    stderr = os.path.join(OUT, "logs", f"{tag}.{rep}.err")
    sample = measure(side.cmd, stdout, stderr, shell=side.shell)
    if sample.returncode not in side.ok_codes:
        with open(stderr, errors="replace") as f:
            tail = f.read()[-1500:]
        raise RuntimeError(f"{side.label} exited {sample.returncode}: {tail}")
    return sample, stdout


def compare_detections(result, a_side, b_side, a_out, b_out):
    a = a_side.parse(a_out)
    b = b_side.parse(b_out)
    if a == b:
        result.detections = f"identical ({len(a)})"
        return
    only_a, only_b = sorted(a - b), sorted(b - a)
    result.detections = f"DIFFER: {len(only_a)} only {a_side.label}, {len(only_b)} only " \
                        f"{b_side.label} (of {len(a)} / {len(b)})"
    diff_path = os.path.join(OUT, f"{result.name}.diff.txt")
    with open(diff_path, "w") as f:
        for path, name in only_a:
            f.write(f"only {a_side.label}: {path} {name}\n")
        for path, name in only_b:
            f.write(f"only {b_side.label}: {path} {name}\n")
    result.notes.append(f"differences listed in {diff_path}")


def run_bench(bench, setup, corpus, reps):
    """Runs the contenders and the peer round-robin; one Result per contender."""
    log(f"bench: {', '.join(c.name for c in bench.contenders)}: {bench.what}")
    if bench.warm and corpus:
        setup.warm(corpus)
    results = [Result(c.name, c.side.label, bench.b.label) for c in bench.contenders]
    peer_samples, last = [], {}
    for rep in range(reps):
        order = [(c.name, c.side) for c in bench.contenders] + [("peer", bench.b)]
        for key, side in order:
            sample, out = run_side(side, f"{key}.{side.label}", rep)
            last[key] = out
            if key == "peer":
                peer_samples.append(sample)
            else:
                next(r for r in results if r.name == key).a.append(sample)
            log(f"  {side.label:11s} rep {rep + 1}: {sample.wall:7.2f} s "
                f"{sample.rss_kb / 1024:8.1f} MB")
    for c, r in zip(bench.contenders, results):
        r.b = peer_samples
        if bench.compare and c.side.parse and bench.b.parse:
            compare_detections(r, c.side, bench.b, last[c.name], last["peer"])
    return results


def verdict(contender, result):
    time_ratio = result.med("b", "wall") / max(result.med("a", "wall"), 1e-9)
    rss_ratio = result.med("a", "rss_kb") / max(result.med("b", "rss_kb"), 1)
    ok = True
    if contender.time_goal is not None and time_ratio < contender.time_goal:
        ok = False
    if contender.rss_goal is not None and rss_ratio > contender.rss_goal:
        ok = False
    if result.detections is not None and not result.detections.startswith("identical"):
        ok = False
    return time_ratio, rss_ratio, ok


def report(contenders, results, json_path):
    header = f"{'bench':7s} {'A':11s} {'time A':>8s} {'RSS A':>9s} {'B':9s} {'time B':>8s} " \
             f"{'RSS B':>9s} {'B/A time':>9s} {'A/B RSS':>8s} {'goal':>16s}  result   detections"
    print(header)
    print("-" * len(header))
    rows = []
    for c, r in zip(contenders, results):
        t_ratio, m_ratio, ok = verdict(c, r)
        goal = []
        if c.time_goal is not None:
            goal.append(f">={c.time_goal:g}x")
        if c.rss_goal is not None:
            goal.append(f"RSS<={c.rss_goal:g}")
        print(f"{r.name:7s} {r.a_label:11s} {r.med('a', 'wall'):7.2f}s "
              f"{r.med('a', 'rss_kb') / 1024:7.1f}MB {r.b_label:9s} {r.med('b', 'wall'):7.2f}s "
              f"{r.med('b', 'rss_kb') / 1024:7.1f}MB {t_ratio:8.2f}x {m_ratio:8.2f} "
              f"{' '.join(goal):>16s}  {'PASS' if ok else 'MISS':7s}  {r.detections or '-'}")
        for note in r.notes:
            print(f"        {note}")
        rows.append({"name": r.name, "a": r.a_label, "b": r.b_label,
                     "a_wall_s": [x.wall for x in r.a], "b_wall_s": [x.wall for x in r.b],
                     "a_rss_kb": [x.rss_kb for x in r.a], "b_rss_kb": [x.rss_kb for x in r.b],
                     "median_a_wall_s": r.med("a", "wall"), "median_b_wall_s": r.med("b", "wall"),
                     "median_a_rss_kb": r.med("a", "rss_kb"),
                     "median_b_rss_kb": r.med("b", "rss_kb"),
                     "time_ratio_b_over_a": t_ratio, "rss_ratio_a_over_b": m_ratio,
                     "time_goal": c.time_goal, "rss_goal": c.rss_goal,
                     "detections": r.detections, "goal_met": ok})
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"benchmarks": rows, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}, f, indent=2)
    return all(row["goal_met"] for row in rows)


ALL = ["load", "scan1", "scan2", "hash", "yara", "yara-ext"]


def common_parser(doc, names):
    """The options every benchmark script shares (run.py, nba.py)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("benchmarks", nargs="*", default=["all"], help=f"{', '.join(names)} or all")
    ap.add_argument("--build", default="build", help="CMake build folder holding apps/otguard")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each side")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    return ap


def selected(ap, args, names):
    """The benchmarks asked for; an unknown name is a usage error."""
    chosen = names if "all" in args.benchmarks else args.benchmarks
    unknown = set(chosen) - set(names)
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(names)}")
    return chosen


def main():
    ap = common_parser(__doc__, ALL)
    ap.add_argument("--corpus-gb", type=float, default=2.05, help="corpus size (>= 2 GB)")
    ap.add_argument("--mix", choices=("realistic", "plain"), default="realistic",
                    help="body signature shapes (bench/gen_sigs.py): realistic, or plain hex only")
    ap.add_argument("--hashes", type=int, default=1_000_000)
    ap.add_argument("--bodies", type=int, default=50_000)
    ap.add_argument("--check-goals", action="store_true",
                    help="exit 1 when a goal is missed or detections differ")
    ap.add_argument("--peer-vs-peer", action="store_true",
                    help="run the peer on both sides (tests the harness without otguard)")
    args = ap.parse_args()
    names = selected(ap, args, ALL)
    setup = Setup(args)
    if not args.peer_vs_peer and not os.access(setup.otguard, os.X_OK):
        sys.exit(f"bench: no otguard binary at {setup.otguard} (build first, or --peer-vs-peer)")
    for tool in ("clamscan", "yara", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not installed (scripts/install-deps.sh)")
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    benches, corpus = define(setup, [n for n in ALL if n in names])
    contenders, results = [], []
    for bench in benches:
        try:
            results += run_bench(bench, setup, corpus, args.reps)
        except RuntimeError as e:
            sys.exit(f"bench: {e}")
        contenders += bench.contenders
    met = report(contenders, results, args.json)
    return 0 if met or not args.check_goals else 1


if __name__ == "__main__":
    sys.exit(main())
