#!/usr/bin/env python3
"""Time and peak RSS of `otguard ioc import-stix` on a MISP-sized STIX 2.1 export (issue 12).

Generates (seeded, once, under bench/out/stix/) a bundle shaped like a MISP event exported by
misp-stix: the creator identity, the event as a report whose object_refs name every attribute,
a TLP marking, and 45,000 indicators (--indicators) with MISP's labels and kill-chain phases and
its pattern forms: file hashes (MD5, SHA1, SHA256), ip-dst/ip-src as
`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = 'X']`, domains
and URLs; written with indent=4 as MISP does (about 40 MB).

A: `otguard ioc import-stix BUNDLE -o PACK` under /usr/bin/time -v.
B: /usr/bin/python3 json.load of the same file, counting its indicators: the simplest peer that
   parses the whole export in one go (no pattern work, no pack written: a floor, not a rival).
Runs alternate A, B, A, B ... for --reps; medians of wall time, largest peak RSS; ratios B/A for
time (higher is better for otguard) and A/B for RSS (lower is better).

An otguard that refuses files over 16 MiB ("file too large", before the streaming reader was
wired in) is also measured on a second bundle cut to fit under 15 MiB (--fallback-mib), with the
peer on that same file, and the report says so.

  python3 bench/stix_import.py --build build [--reps 3] [--indicators 45000] [--json out.json]
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out", "stix")
GENERATOR_VERSION = 1  # bump when the bundle's shape changes: the cached files are rebuilt

PEER = ("import json, sys\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    bundle = json.load(f)\n"
        "print(sum(1 for o in bundle['objects'] if o.get('type') == 'indicator'))\n")

IDENTITY = "identity--a0c22599-9e58-4da4-96ac-7051603fa951"
TLP_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLDS = ["com", "net", "org", "ru", "info", "top", "xyz", "io", "cn", "de"]
URL_HOSTS = ["raw.githubusercontent.com", "pastebin.com", "cdn.discordapp.com",
             "drive.google.com", "bit.ly", "storage.googleapis.com"]


def uuid4(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.getrandbits(2)]}{h[17:20]}-{h[20:32]}"


def word(rng, lo=4, hi=12):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(lo, hi)))


def ipv4(rng):
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def attribute(rng):
    """A MISP attribute as misp-stix writes it: (misp type, category, pattern)."""
    kind = rng.random()
    if kind < 0.12:
        return "md5", "Payload delivery", f"[file:hashes.MD5 = '{rng.getrandbits(128):032x}']"
    if kind < 0.20:
        return "sha1", "Payload delivery", f"[file:hashes.SHA1 = '{rng.getrandbits(160):040x}']"
    if kind < 0.35:
        return ("sha256", "Payload delivery",
                f"[file:hashes.SHA256 = '{rng.getrandbits(256):064x}']")
    if kind < 0.52:
        return ("ip-dst", "Network activity",
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                f"network-traffic:dst_ref.value = '{ipv4(rng)}']")
    if kind < 0.60:
        return ("ip-src", "Network activity",
                "[network-traffic:src_ref.type = 'ipv4-addr' AND "
                f"network-traffic:src_ref.value = '{ipv4(rng)}']")
    if kind < 0.80:
        return ("domain", "Network activity",
                f"[domain-name:value = '{word(rng)}-{word(rng)}.{rng.choice(TLDS)}']")
    if rng.random() < 0.5:
        host = rng.choice(URL_HOSTS)
    else:
        host = ipv4(rng) if rng.random() < 0.3 else f"{word(rng)}.{rng.choice(TLDS)}"
    path = "/".join(word(rng, 3, 9) for _ in range(rng.randint(1, 4)))
    return "url", "Network activity", f"[url:value = 'http://{host}/{path}.{rng.choice(['exe', 'sh', 'php', 'PNG', 'bin'])}']"


def indicator(rng, stamp):
    misp_type, category, pattern = attribute(rng)
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--" + uuid4(rng),
        "created_by_ref": IDENTITY,
        "created": stamp,
        "modified": stamp,
        "description": f"{misp_type} seen in campaign {word(rng)}",
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": stamp[:19] + "Z",
        "kill_chain_phases": [{"kill_chain_name": "misp-category", "phase_name": category}],
        "labels": [f'misp:type="{misp_type}"', f'misp:category="{category}"',
                   'misp:to_ids="True"'],
        "object_marking_refs": [TLP_WHITE],
    }


def make_bundle(path, count, seed=12):
    rng = random.Random(seed)
    stamp = "2024-05-01T10:00:00.000Z"
    indicators = [indicator(rng, stamp) for _ in range(count)]
    bundle = {
        "type": "bundle",
        "id": "bundle--" + uuid4(rng),
        "objects": [
            {"type": "identity", "spec_version": "2.1", "id": IDENTITY, "created": stamp,
             "modified": stamp, "name": "MISP-Project", "identity_class": "organization"},
            {"type": "report", "spec_version": "2.1", "id": "report--" + uuid4(rng),
             "created_by_ref": IDENTITY, "created": stamp, "modified": stamp,
             "name": "Benchmark event: a large MISP export", "published": stamp[:19] + "Z",
             "object_refs": [i["id"] for i in indicators],
             "labels": ["Threat-Report", 'misp:tool="MISP-STIX-Converter"'],
             "object_marking_refs": [TLP_WHITE]},
            {"type": "marking-definition", "spec_version": "2.1", "id": TLP_WHITE,
             "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
             "name": "TLP:WHITE", "definition": {"tlp": "white"}},
        ] + indicators,
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(bundle, f, indent=4)
    os.replace(path + ".tmp", path)


def bundle_path(count):
    path = os.path.join(OUT, f"misp-{count}-v{GENERATOR_VERSION}.json")
    if not os.path.exists(path):
        make_bundle(path, count)
    return path


def bundle_under(limit_bytes, count, full_size):
    """The largest bundle of this shape under limit_bytes (the same seed: a prefix of it)."""
    n = int(count * limit_bytes / full_size * 0.97)
    while True:
        path = bundle_path(n)
        if os.path.getsize(path) <= limit_bytes:
            return path, n
        os.remove(path)
        n = int(n * 0.95)


def timed(argv):
    """Runs argv under /usr/bin/time -v: (seconds, max RSS KiB, exit code, stderr text)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", report.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        text = report.read()
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not wall or not rss:
        sys.exit(f"cannot read /usr/bin/time's report for {argv[0]}:\n{text}")
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)), p.returncode, p.stderr


def alternate(runs, reps):
    rows = {name: [] for name in runs}
    for _ in range(reps):
        for name, argv in runs.items():
            rows[name].append(timed(argv))
    out = {}
    for name, results in rows.items():
        out[name] = {"seconds": statistics.median(r[0] for r in results),
                     "max_rss_kib": max(r[1] for r in results),
                     "exit_codes": sorted({r[2] for r in results}),
                     "last_stderr_line": (results[-1][3].strip().splitlines() or [""])[-1]}
    return out


def refused_as_too_large(stderr):
    return "too large" in stderr or "larger than 16 MiB" in stderr


def compare(otguard, bundle, count, reps, pack):
    size = os.path.getsize(bundle)
    runs = {"otguard": [otguard, "ioc", "import-stix", bundle, "-o", pack],
            "python json.load": ["/usr/bin/python3", "-c", PEER, bundle]}
    result = alternate(runs, reps)
    a, b = result["otguard"], result["python json.load"]
    return {"bundle": bundle, "indicators": count, "bytes": size, "otguard": a, "peer": b,
            "time_ratio_peer_over_otguard": b["seconds"] / a["seconds"] if a["seconds"] else None,
            "rss_ratio_otguard_over_peer": a["max_rss_kib"] / b["max_rss_kib"]}


def print_comparison(title, c):
    a, b = c["otguard"], c["peer"]
    mib = c["bytes"] / (1 << 20)
    print(f"\n{title}: {c['indicators']:,} indicators, {mib:.1f} MiB ({c['bundle']})")
    print(f"  {'':28} {'wall s':>8} {'max RSS MB':>11} {'RSS/input':>10}  exit")
    for name, r in (("otguard ioc import-stix", a), ("python3 json.load (peer)", b)):
        rss_mb = r["max_rss_kib"] / 1024
        print(f"  {name:28} {r['seconds']:8.2f} {rss_mb:11.1f} {rss_mb / mib:9.2f}x  "
              f"{','.join(map(str, r['exit_codes']))}")
    print(f"  time peer/otguard {c['time_ratio_peer_over_otguard']:.2f}x (higher is better for "
          f"otguard), RSS otguard/peer {c['rss_ratio_otguard_over_peer']:.2f}x (lower is better)")
    print(f"  otguard: {a['last_stderr_line']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--indicators", type=int, default=45000)
    parser.add_argument("--fallback-mib", type=float, default=15.0)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    otguard = os.path.join(args.build, "apps/otguard/otguard")
    if not os.access(otguard, os.X_OK):
        sys.exit(f"{otguard}: not built (cmake --build {args.build} --target otguard)")

    bundle = bundle_path(args.indicators)
    report = {"full": None, "fallback": None}
    with tempfile.TemporaryDirectory(prefix="otguard-stix-bench-") as work:
        pack = os.path.join(work, "pack.toml")
        probe = timed([otguard, "ioc", "import-stix", bundle, "-o", pack])
        if probe[2] == 2 and refused_as_too_large(probe[3]):
            print(f"otguard refuses the full bundle: {probe[3].strip()}")
            peer = alternate({"python json.load": ["/usr/bin/python3", "-c", PEER, bundle]},
                             args.reps)["python json.load"]
            report["full"] = {"bundle": bundle, "bytes": os.path.getsize(bundle),
                              "otguard_refused": probe[3].strip(), "peer": peer}
            print(f"peer alone on the full bundle ({os.path.getsize(bundle) / (1 << 20):.1f} "
                  f"MiB): {peer['seconds']:.2f} s, {peer['max_rss_kib'] / 1024:.1f} MB")
            small, n = bundle_under(int(args.fallback_mib * (1 << 20)), args.indicators,
                                    os.path.getsize(bundle))
            report["fallback"] = compare(otguard, small, n, args.reps, pack)
            print_comparison(f"Fallback under {args.fallback_mib:g} MiB (this otguard refuses "
                             "larger bundles, so the figures are for the smaller one)",
                             report["fallback"])
        else:
            report["full"] = compare(otguard, bundle, args.indicators, args.reps, pack)
            print_comparison("Full bundle", report["full"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
