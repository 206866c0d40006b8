#!/usr/bin/env python3
"""Time and peak RSS of `otguard hunt` on a busy station: 300 processes and 200 services.

Linux (default): 300 processes run from 60 distinct program files (like a station's mix of
programs), and a planted root (--root) holds 200 systemd units, each starting a program of its
own, plus cron entries; every program file is hashed by the hunt. The built-in MsraMiner pack
and the processes' own images make up the work.
Wine (--wine): the same 300 processes under Wine (copies of the test child) and 200 services
created with sc.exe in a prefix of the benchmark's own.

Each measurement alternates `otguard hunt` and `otguard inventory` (the bare snapshot the hunt
starts from; on Linux in two runs, this host's and the planted root's, as the inventory reads one
or the other) for --reps repetitions and reports medians of wall time and the peak RSS
(os.wait4 -> ru_maxrss), and the ratio: what matching, file globs and planning add.

  python3 bench/hunt.py --build build [--reps 5] [--json out.json]
  python3 bench/hunt.py --wine --build-win build-win64 [--reps 3]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROCESSES = 300
DISTINCT_PROGRAMS = 60
SERVICES = 200


def measure(argv, env=None):
    start = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null, stderr=null, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
    return time.monotonic() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def alternate(runs, reps, env=None):
    results = {name: [] for name in runs}
    for _ in range(reps):
        for name, argv in runs.items():
            results[name].append(measure(argv, env))
    summary = {}
    for name, rows in results.items():
        summary[name] = {"seconds": statistics.median(r[0] for r in rows),
                         "max_rss_kib": max(r[1] for r in rows),
                         "exit_codes": sorted({r[2] for r in rows})}
    return summary


def linux(args):
    otguard = os.path.join(args.build, "apps/otguard/otguard")
    child = os.path.join(args.build, "src/platform/otguard_test_child")
    work = tempfile.mkdtemp(prefix="otguard-hunt-bench-")
    procs = []
    try:
        programs = []
        for i in range(DISTINCT_PROGRAMS):
            path = os.path.join(work, "bin", f"station-program-{i:02d}")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(child, path)
            os.chmod(path, 0o755)
            programs.append(path)
        for i in range(PROCESSES):
            procs.append(subprocess.Popen([programs[i % DISTINCT_PROGRAMS], "sleep", "600"]))
        root = os.path.join(work, "root")
        units = os.path.join(root, "etc/systemd/system")
        wants = os.path.join(units, "multi-user.target.wants")
        os.makedirs(wants)
        os.makedirs(os.path.join(root, "etc/cron.d"))
        for i in range(SERVICES):
            program = os.path.join(root, "opt/dcs/bin", f"dcs-service-{i:03d}")
            os.makedirs(os.path.dirname(program), exist_ok=True)
            with open(program, "wb") as f:
                f.write(os.urandom(256 * 1024))  # a quarter MiB each: 50 MiB to hash
            with open(os.path.join(units, f"dcs-{i:03d}.service"), "w") as f:
                f.write(f"[Unit]\nDescription=DCS service {i}\n\n[Service]\n"
                        f"ExecStart=/opt/dcs/bin/dcs-service-{i:03d} --id {i}\n\n"
                        "[Install]\nWantedBy=multi-user.target\n")
            os.symlink(f"/etc/systemd/system/dcs-{i:03d}.service",
                       os.path.join(wants, f"dcs-{i:03d}.service"))
            if i % 10 == 0:
                with open(os.path.join(root, "etc/cron.d", f"dcs-{i:03d}"), "w") as f:
                    f.write(f"*/5 * * * * root /opt/dcs/bin/dcs-service-{i:03d} --check\n")
        time.sleep(0.5)
        # The hunt reads this host's processes and the planted root's configuration; the
        # inventory does one or the other per run, so both halves are measured.
        runs = {"hunt": [otguard, "hunt", "--json", "--root", root],
                "inventory": [otguard, "inventory", "--json"],
                "inventory-root": [otguard, "inventory", "--json", "--root", root]}
        measure(runs["hunt"])  # warm the page cache: both sides read the same files
        return alternate(runs, args.reps)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


def wine(args):
    loader = shutil.which("wine") or "/usr/lib/wine/wine64"
    otguard = os.path.join(args.build_win, "apps/otguard/otguard.exe")
    child = os.path.join(args.build_win, "src/platform/otguard_test_child.exe")
    work = tempfile.mkdtemp(prefix="otguard-hunt-bench-wine-")
    env = dict(os.environ, WINEPREFIX=os.path.join(work, "prefix"), WINEDEBUG="-all",
               LC_ALL="C.UTF-8")
    procs = []
    try:
        subprocess.run([loader, "wineboot", "--init"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bin_dir = os.path.join(work, "prefix/drive_c/station")
        os.makedirs(bin_dir)
        programs = []
        for i in range(DISTINCT_PROGRAMS):
            path = os.path.join(bin_dir, f"station{i:02d}.exe")
            shutil.copyfile(child, path)
            programs.append(f"C:\\station\\station{i:02d}.exe")
        procs.append(subprocess.Popen([loader, programs[0], "sleep", "3600"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for i in range(SERVICES):
            subprocess.run([loader, "sc", "create", f"DcsService{i:03d}", "binpath=",
                            f"{programs[i % DISTINCT_PROGRAMS]} --service {i}", "start=",
                            "demand"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
        for i in range(1, PROCESSES):
            procs.append(subprocess.Popen([loader, programs[i % DISTINCT_PROGRAMS], "sleep",
                                           "3600"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        time.sleep(10)
        runs = {"hunt": [loader, otguard, "hunt", "--json"],
                "inventory": [loader, otguard, "inventory", "--json"]}
        measure(runs["hunt"], env)
        return alternate(runs, args.reps, env)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
        subprocess.run([os.path.join(os.path.dirname(os.path.realpath(loader)), "wineserver"),
                        "-k"], env=env, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--build-win", default="build-win64")
    parser.add_argument("--wine", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    summary = wine(args) if args.wine else linux(args)
    where = "Wine" if args.wine else "Linux"
    print(f"otguard hunt on {where}: {PROCESSES} processes ({DISTINCT_PROGRAMS} programs), "
          f"{SERVICES} services, {args.reps} repetitions, medians")
    for name, s in summary.items():
        print(f"  {name:9s} {s['seconds']:7.3f} s   peak RSS {s['max_rss_kib'] / 1024:7.1f} MiB"
              f"   exit codes {s['exit_codes']}")
    h = summary["hunt"]
    base = summary["inventory"]["seconds"] + summary.get("inventory-root", {}).get("seconds", 0)
    rss = max(s["max_rss_kib"] for n, s in summary.items() if n != "hunt")
    print(f"  hunt / inventory (both halves): time {h['seconds'] / base:.2f}x, "
          f"RSS {h['max_rss_kib'] / rss:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"where": where, "summary": summary}, f, indent=2)
    bad = [n for n, s in summary.items() if any(c not in (0, 1) for c in s["exit_codes"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
