#!/usr/bin/env python3
"""Writes a deterministic ClamAV signature set for the benchmarks (python3 stdlib only).

  OUT/full/bench.hsb   N_HASH SHA-256 hash signatures (random) + the hashes of some corpus files
  OUT/full/bench.ndb   N_BODY body signatures: 10-40 byte hex with some ??, {n-m}, * and (aa|bb)
                  alternatives, targets 0 and 1, offsets mostly *, plus patterns taken from
                  corpus files so that the scans have real detections to compare
  OUT/hash-only/bench.hsb  the same hash signatures alone (the `hash` benchmark)
Each folder is what `clamscan -d` gets.

Same seed and same corpus list give byte-identical output.
With --mix plain the body signatures are plain hex only (same count, lengths, targets and
offsets): ClamAV matches those with Boyer-Moore instead of its Aho-Corasick trie.
Usage: gen_sigs.py --out DIR [--hashes 1000000] [--bodies 50000] [--corpus-list FILE] [--seed N]
                   [--mix realistic|plain]
"""
import argparse
import hashlib
import os
import random

HEX = "0123456789abcdef"


def random_hex(rng, n):
    return rng.randbytes(n).hex()


def static_part(rng, n, wildcards):
    """n random bytes; with `wildcards`, one or two ?? or (aa|bb) alternatives inside. The first
    four bytes stay fixed, as in real signatures: ClamAV needs a static run of 2 bytes in every
    part, and its Aho-Corasick trie is 3 bytes deep."""
    out = [random_hex(rng, 1) for _ in range(n)]
    if wildcards and n > 6:
        for _ in range(rng.randint(1, 2)):
            i = rng.randrange(4, n - 1)
            if rng.random() < 0.6:
                out[i] = "??"
            else:
                out[i] = "(" + "|".join(random_hex(rng, 1) for _ in range(rng.randint(2, 3))) + ")"
    return "".join(out)


def body_pattern(rng, plain=False):
    """A 10-40 byte body pattern shaped like a real database: about 75% plain hex, 15% with a
    ?? or an alternative, 10% in parts joined by {n-m} or *. (Most of a real main.ndb is plain
    hex, which ClamAV matches with Boyer-Moore; wildcards go to its slower Aho-Corasick.)
    With `plain`, every pattern is plain hex of the same lengths (the --mix plain variant)."""
    total = rng.randint(10, 40)
    r = rng.random()
    if plain:
        return static_part(rng, total, wildcards=False)
    if r < 0.90 or total < 16:
        return static_part(rng, total, wildcards=r >= 0.75)
    # Two or three parts; each keeps >= 5 fixed bytes for ClamAV.
    parts = 2 if r < 0.97 else 3
    sizes = [total // parts] * parts
    sizes[-1] += total - sum(sizes)
    out = static_part(rng, sizes[0], wildcards=False)
    for size in sizes[1:]:
        if rng.random() < 0.6:
            lo = rng.randint(1, 16)
            out += f"{{{lo}-{lo + rng.randint(1, 32)}}}"
        else:
            out += "*"
        out += static_part(rng, size, wildcards=rng.random() < 0.3)
    return out


def offset_for(rng, target):
    r = rng.random()
    if r < 0.90:
        return "*"
    if r < 0.95:
        return str(rng.randint(0, 4096))
    if target == 1:
        return f"EP+{rng.randint(0, 64)},{rng.randint(0, 256)}"
    return f"EOF-{rng.randint(64, 4096)}"


def distinctive_chunk(data, rng, length):
    """A high-entropy slice of data (so it is unlikely to occur in other files), or None."""
    if len(data) < length * 4:
        return None
    for _ in range(20):
        at = rng.randrange(len(data) // 4, len(data) - length)
        chunk = data[at:at + length]
        if len(set(chunk)) >= length * 3 // 4:
            return chunk
    return None


def read_corpus_list(path):
    if not path:
        return []
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def planted(rng, files, n_hash, n_body, plain=False):
    """Hash and body signatures that hit chosen corpus files (executables only for bodies:
    text files get normalised by ClamAV, which would make the comparison about that)."""
    hashes, bodies = [], []
    picks = rng.sample(files, min(len(files), n_hash + n_body * 3)) if files else []
    for path in picks[:n_hash]:
        with open(path, "rb") as f:
            data = f.read()
        hashes.append((hashlib.sha256(data).hexdigest(), len(data)))
    for path in picks[n_hash:]:
        if len(bodies) >= n_body:
            break
        with open(path, "rb") as f:
            data = f.read()
        if not (data[:4] == b"\x7fELF" or data[:2] == b"MZ"):
            continue
        chunk = distinctive_chunk(data, rng, rng.randint(16, 32))
        if chunk is None:
            continue
        hx = chunk.hex()
        if rng.random() < 0.5 and not plain:  # a wildcard byte in the middle
            mid = len(chunk) // 2 * 2
            hx = hx[:mid] + "??" + hx[mid + 2:]
        bodies.append(hx)
    return hashes, bodies


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--hashes", type=int, default=1_000_000)
    ap.add_argument("--bodies", type=int, default=50_000)
    ap.add_argument("--corpus-list", help="file with one corpus path per line (for hits)")
    ap.add_argument("--hits", type=int, default=40, help="planted hash and body hits, each")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--mix", choices=("realistic", "plain"), default="realistic",
                    help="body signature shapes: realistic (default) or plain hex only")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for sub in ("full", "hash-only"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)

    plain = args.mix == "plain"
    hit_hashes, hit_bodies = planted(rng, read_corpus_list(args.corpus_list), args.hits, args.hits,
                                     plain)
    hash_lines = []
    for i in range(args.hashes):
        hash_lines.append(f"{random_hex(rng, 32)}:{rng.randint(1, 50_000_000)}:Bench.Hash.{i}\n")
    for i, (digest, size) in enumerate(hit_hashes):
        hash_lines.append(f"{digest}:{size}:Bench.HitHash.{i}\n")
    for path in (os.path.join(args.out, "full", "bench.hsb"),
                 os.path.join(args.out, "hash-only", "bench.hsb")):
        with open(path, "w") as f:
            f.writelines(hash_lines)

    with open(os.path.join(args.out, "full", "bench.ndb"), "w") as f:
        for i in range(args.bodies):
            target = 1 if rng.random() < 0.3 else 0
            offset = offset_for(rng, target)
            f.write(f"Bench.Body.{i}:{target}:{offset}:{body_pattern(rng, plain)}\n")
        for i, hx in enumerate(hit_bodies):
            f.write(f"Bench.HitBody.{i}:0:*:{hx}\n")
    print(f"gen_sigs: {len(hash_lines)} hash, {args.bodies + len(hit_bodies)} body signatures "
          f"({len(hit_hashes)} + {len(hit_bodies)} planted hits) in {args.out}")


if __name__ == "__main__":
    main()
