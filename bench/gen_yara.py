#!/usr/bin/env python3
"""Writes a deterministic YARA rule set for the `yara` benchmark (python3 stdlib only).

About RULES rules with about 2 strings each: realistic text strings (API and registry names,
URLs, mutex-like names, ascii/wide/nocase), hex strings with ?? and [n-m] jumps, and a few rules
whose strings come from corpus executables so that both scanners have detections to compare.
Conditions mix `any of them`, `all of them`, `2 of them`, a header check and filesize.
With --externals every rule also tests LOKI's and THOR's external variables (filename,
filepath, extension, filetype, owner) the way signature-base does, with tests that hold for
every corpus file whatever its values (`not filename matches /^zz_never_.../`), so that yara
given constant `-d` values and otguard setting real values per file report the same matches
while both evaluate the externals for every file.
Usage: gen_yara.py --out FILE [--rules 500] [--corpus-list FILE] [--seed N] [--externals]
"""
import argparse
import random

WORDS = ("Create Open Read Write Query Set Get Delete Enum Load Free Virtual Alloc Protect Remote "
         "Thread Process Service Registry Key Value File Mapping Module Handle Token Privilege "
         "Crypt Hash Socket Connect Send Recv Internet Url Download Shell Execute Hook Inject "
         "Miner "
         "Pool Stratum Worker Config Update Report Cache Data Network Distribution Task Indexer "
         "Host Report Scada Opc Modbus Historian Plant Station").split()
TLDS = ("com", "net", "org", "info", "ru", "cn", "io")


def ident(rng):
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4)))


def text_string(rng):
    kind = rng.random()
    if kind < 0.35:
        s = ident(rng) + rng.choice(["A", "W", "Ex", "ExW", ""])
    elif kind < 0.55:
        s = f"http://{ident(rng).lower()}.{rng.choice(TLDS)}:{rng.randint(1024, 65535)}/" \
            f"{ident(rng).lower()}.php"
    elif kind < 0.75:
        s = "SYSTEM\\\\CurrentControlSet\\\\Services\\\\" + ident(rng)
    elif kind < 0.9:
        s = "Global\\\\" + ident(rng) + str(rng.randint(10, 99999))
    else:
        s = f"{ident(rng)}.{rng.choice(['exe', 'dll', 'tlb', 'dat'])}"
    mods = rng.choice(["", "", " ascii", " wide", " ascii wide", " nocase", " wide nocase"])
    return f'"{s}"{mods}'


def hex_string(rng):
    parts = [rng.randbytes(rng.randint(3, 6)).hex(" ")]
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        if r < 0.4:
            parts.append("??")
        elif r < 0.7:
            lo = rng.randint(1, 4)
            parts.append(f"[{lo}-{lo + rng.randint(1, 8)}]")
        parts.append(rng.randbytes(rng.randint(2, 5)).hex(" "))
    return "{ " + " ".join(parts) + " }"


def condition(rng, n):
    r = rng.random()
    if n == 1 or r < 0.45:
        base = "any of them"
    elif r < 0.75:
        base = "all of them"
    else:
        base = f"{min(2, n)} of them"
    r = rng.random()
    if r < 0.15:
        return f"uint16(0) == 0x5A4D and {base}"
    if r < 0.25:
        return f"filesize < {rng.choice([1, 5, 20])}MB and {base}"
    return base


# Per-file external tests that are true for every bench file and for yara's constants (below,
# bench/run.py): names, directories and owners that no corpus file has.
EXTERNAL_TESTS = (
    'not filename matches /^zz_never_[0-9]+\\.(exe|dll)$/i',
    'not filepath contains "/otguard-bench-never/"',
    'extension != ".never"',
    'not (filetype == "NEVER" and extension == ".exe")',
    'owner != "nobody-such-owner"',
    'not filename contains "zz_never_"',
)
# The constants yara gets with -d (it cannot set a value per file).
YARA_CONSTANTS = ("filename=bench.bin", "filepath=/bench", "extension=.bin", "filetype=UNKNOWN",
                  "owner=root")


def with_externals(rng, cond):
    tests = rng.sample(EXTERNAL_TESTS, rng.randint(1, 3))
    return " and ".join(tests) + f" and ({cond})"


def rule_text(name, strings, cond, tag=""):
    body = "\n".join(f"    $s{i} = {s}" for i, s in enumerate(strings))
    return f"rule {name}{tag}\n{{\n  strings:\n{body}\n  condition:\n    {cond}\n}}\n"


def corpus_strings(rng, paths, want):
    """Printable runs (8-40 chars) from corpus executables: real, so the rules hit."""
    found = []
    for path in rng.sample(paths, min(len(paths), want * 4)) if paths else []:
        if len(found) >= want:
            break
        with open(path, "rb") as f:
            data = f.read()
        if not (data[:4] == b"\x7fELF" or data[:2] == b"MZ") or len(data) < 4096:
            continue
        at = rng.randrange(len(data) // 2, len(data) - 64)
        run = bytearray()
        for b in data[at:at + 4096]:
            if 0x30 <= b < 0x7F and b not in b'"\\':
                run.append(b)
                if len(run) >= 40:
                    break
            elif len(run) >= 12:
                break
            else:
                run.clear()
        if len(run) >= 12:
            found.append(run.decode())
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rules", type=int, default=500)
    ap.add_argument("--corpus-list")
    ap.add_argument("--hits", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20240602)
    ap.add_argument("--externals", action="store_true",
                    help="every rule also tests the per-file external variables")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # Its own generator: the strings are the same with and without --externals.
    ext_rng = random.Random(args.seed + 1)
    paths = []
    if args.corpus_list:
        with open(args.corpus_list) as f:
            paths = [line.rstrip("\n") for line in f if line.strip()]
    out, strings_total = [], 0
    for i in range(args.rules):
        n = rng.choice([1, 2, 2, 2, 3])
        strings = [hex_string(rng) if rng.random() < 0.35 else text_string(rng) for _ in range(n)]
        strings_total += n
        cond = condition(rng, n)
        if args.externals:
            cond = with_externals(ext_rng, cond)
        out.append(rule_text(f"bench_rule_{i}", strings, cond))
    for i, s in enumerate(corpus_strings(rng, paths, args.hits)):
        cond = with_externals(ext_rng, "any of them") if args.externals else "any of them"
        out.append(rule_text(f"bench_hit_{i}", [f'"{s}"'], cond))
        strings_total += 1
    with open(args.out, "w") as f:
        f.write("// Generated by bench/gen_yara.py; do not edit.\n\n" + "\n".join(out))
    print(f"gen_yara: {len(out)} rules, {strings_total} strings in {args.out}")


if __name__ == "__main__":
    main()
