#!/usr/bin/python3
"""Differential test: otguard against ClamAV's clamscan on the same signatures and files.

Both scanners get the same generated .hdb/.hsb/.ndb/.fp/.sfp files and the same corpus, in
all-matches mode; the sets of (file, signature) pairs they report must be equal. The corpus:
  - every file of Debian's clamav-testfiles (/usr/share/clamav-testfiles),
  - a fixed-seed sample of real PE DLLs/EXEs from Debian's wine64 package (64- and 32-bit),
  - a few ELF binaries from /usr/bin,
  - generated files: random bytes, text, files with planted byte sequences, tiny and empty
    files, copies of real PEs with bytes overwritten at the entry point, section starts and end,
    a truncated PE, a file that starts with "MZ" but is no PE, duplicates.
Signatures are derived from the actual bytes of these files, for every syntax element and
offset type otguard supports, both ones built to match and ones built to just miss (off-by-one
gaps and offsets, wrong alternatives, excluding negations, wrong section); each carries the tags
of the elements it exercises, and every tag must produce at least one reported pair in both
scanners, so the test cannot pass vacuously.

ClamAV does more than signature matching; these differences are switched off or avoided on
purpose, so that only signature semantics are compared:
  - Containers and documents are not unpacked (--scan-archive/mail/ole2/pdf/html/... =no):
    otguard scans files as they are. --scan-html=no also stops ClamAV from matching target-0
    signatures against a normalised (lower-cased, whitespace-squeezed) copy of text files.
  - PE parsing stays on (target 1 and EP/section offsets need it), which also keeps ClamAV's
    PE unpackers (UPX, FSG, MEW, ... in clamav-testfiles) on: ClamAV then matches the unpacked
    image too, which otguard by design does not. No signature is derived from the bytes those
    packed files unpack to (clam.exe of clamav-testfiles, ClamAV's own test program), so the
    packed files stay in the corpus as odd real-world PEs without reaching the unpacked image.
  - ClamAV decodes the AutoIt scripts in clam.ea05.exe/clam.ea06.exe even with archives off
    and matches in them; no signature is short or common enough to hit that decoded text.
  - Heuristics, bytecode, PUA, phishing and structured-data detection are off; the size and
    time limits are raised so that nothing is skipped silently; the clean-file cache is off.
    Any reported name that is not one of ours fails the test.
  - ClamAV does not scan files of 5 bytes or fewer (empty ones included) at all, neither hash
    nor body signatures. Such files are in the corpus with signatures of their content, which
    otguard must not report either.
  - ClamAV types files by magic: a file starting with "MZ" gets target-1 (PE) signatures with
    non-PE offsets even when it has no valid PE header (gen/mz_not_pe.bin).
  - ClamAV 1.4.6 stalls for minutes per detected file when an .sfp holds a `*`-size entry, and
    its Boyer-Moore path misses some SEx matches of wildcard-free patterns; those two forms are
    not generated (comments at the generator say more).
Usage: clamav_diff.py --otguard PATH [--keep DIR] [--clamscan PATH]
"""

import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import pefile
except ImportError:  # pragma: no cover - the environment check below reports it
    pefile = None

SEED = 20240611
TESTFILES = "/usr/share/clamav-testfiles"
WINE_DIRS = ["/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
             "/usr/lib/x86_64-linux-gnu/wine/i386-windows",
             "/usr/lib/i386-linux-gnu/wine/i386-windows"]
ELF_FILES = ["/usr/bin/true", "/usr/bin/env", "/usr/bin/cat", "/usr/bin/ls"]
# Test files whose unpacked image (clam.exe's code) ClamAV scans too: never derive signatures
# from that image, see the header.
UNPACKED_IMAGE_SOURCES = {"clam.exe"}
WINE_SAMPLE = 40            # PE files from wine
WINE_MAX_SIZE = 1_500_000   # skip bigger DLLs to keep the run short ...
WINE_BIG = 1                # ... except this many big ones

CLAMSCAN_OPTIONS = [
    "--allmatch", "--no-summary", "--infected", "--recursive", "--disable-cache",
    "--bytecode=no", "--heuristic-alerts=no", "--detect-pua=no", "--detect-structured=no",
    "--phishing-sigs=no", "--phishing-scan-urls=no",
    "--scan-archive=no", "--scan-mail=no", "--scan-ole2=no", "--scan-pdf=no", "--scan-swf=no",
    "--scan-html=no", "--scan-xmldocs=no", "--scan-hwp3=no", "--scan-onenote=no",
    "--scan-image=no", "--scan-image-fuzzy-hash=no", "--scan-elf=no", "--scan-pe=yes",
    "--max-filesize=2000M", "--max-scansize=2000M", "--max-scantime=0",
    "--max-embeddedpe=2000M", "--max-recursion=32", "--max-files=100000",
]


# ----------------------------------------------------------------------------- corpus

class CorpusFile:
    def __init__(self, path, rel, data):
        self.path = path      # absolute path inside the corpus
        self.rel = rel        # path relative to the corpus root, for messages
        self.data = data
        self.layout = pe_layout(data)


def pe_layout(data):
    """(entry point file offset, [(raw offset, raw size)]) of a PE, or None."""
    if pefile is None or data[:2] != b"MZ":
        return None
    try:
        pe = pefile.PE(data=data, fast_load=True)
        ep = pe.get_offset_from_rva(pe.OPTIONAL_HEADER.AddressOfEntryPoint)
        sections = [(s.PointerToRawData, s.SizeOfRawData) for s in pe.sections]
    except Exception:  # malformed PE: no layout, like a non-PE
        return None
    if ep is None or ep >= len(data):
        return None
    return ep, sections


def pick_wine_files(rng):
    files = []
    for d in WINE_DIRS:
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d)
                            if f.endswith((".dll", ".exe")))
    small = [f for f in files if 4096 < os.path.getsize(f) <= WINE_MAX_SIZE]
    big = [f for f in files if WINE_MAX_SIZE < os.path.getsize(f) <= 8_000_000]
    chosen = rng.sample(small, min(WINE_SAMPLE, len(small)))
    chosen += rng.sample(big, min(WINE_BIG, len(big)))
    # Keep every 32-bit PE there is (there are few without the wine32 package).
    chosen += [f for f in files if "i386" in f and f not in chosen][:4]
    return sorted(set(chosen))


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def distinct_window(rng, data, length, lo=0, hi=None, tries=200):
    """An offset in [lo, hi) whose `length` bytes look varied (not padding), or None."""
    hi = len(data) - length if hi is None else min(hi, len(data) - length)
    if hi <= lo:
        return None
    for _ in range(tries):
        p = rng.randrange(lo, hi)
        w = data[p:p + length]
        if len(set(w)) >= max(6, length // 3):
            return p
    return None


WORDS = ("plant operator station historian opc server modbus valve pump setpoint alarm "
         "engineering trend batch recipe tag scada dcs controller loop").split()


def build_corpus(root, rng):
    files = []

    def add(rel, data):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        files.append(CorpusFile(path, rel, data))
        return files[-1]

    def read(p):
        with open(p, "rb") as f:
            return f.read()

    for name in sorted(os.listdir(TESTFILES)):
        src = os.path.join(TESTFILES, name)
        if os.path.isfile(src):
            add("testfiles/" + name, read(src))
    for src in pick_wine_files(rng):
        arch = "x86" if "i386" in src else "x64"
        add(f"wine/{arch}/{os.path.basename(src)}", read(src))
    for src in ELF_FILES:
        if os.path.isfile(src):
            add("elf/" + os.path.basename(src), read(src))

    # Generated files.
    add("gen/empty", b"")
    for n in (1, 2, 3, 5, 64, 1000, 4096, 65536, 300000):
        add(f"gen/random_{n}.bin", rand_bytes(rng, n))
    add("gen/tiny_4", b"Zq\x8f\x1d")
    add("gen/tiny_abcdef", b"abcdef")
    for i in range(4):
        words = [rng.choice(WORDS) for _ in range(400 + 300 * i)]
        words.insert(rng.randrange(len(words)),
                     "-o stratum+tcp://xmr.pool.minergate.com:45560 -u x@protonmail.com -t 2")
        add(f"gen/text_{i}.txt", (" ".join(words) + "\n").encode())
    dup = rand_bytes(rng, 5000)
    add("gen/dup_a.bin", dup)
    add("gen/dup_b.bin", dup)
    # A file that starts like an executable but is none: ClamAV types files by magic.
    add("gen/mz_not_pe.bin", b"MZ" + rand_bytes(rng, 3000))
    return files


def add_modified_pes(root, files, rng):
    """Copies of real PEs with random markers written at EP, section starts and near EOF."""
    pes = [f for f in files if f.rel.startswith("wine/") and f.layout]
    out = []
    for i, f in enumerate(rng.sample(pes, min(4, len(pes)))):
        data = bytearray(f.data)
        ep, secs = f.layout
        marks = {}
        spots = [("ep", ep)]
        spots += [(f"s{x}", s[0]) for x, s in enumerate(secs) if s[1] >= 64 and s[0] + 64 <= len(data)]
        spots.append(("eof", len(data) - 48))
        for tag, off in spots:
            if any(abs(off - o) < 48 for o in marks.values()):
                continue
            data[off:off + 32] = rand_bytes(rng, 32)
            marks[tag] = off
        rel = f"gen/pe_mod_{i}_{os.path.basename(f.rel)}"
        path = os.path.join(root, rel)
        with open(path, "wb") as fh:
            fh.write(data)
        cf = CorpusFile(path, rel, bytes(data))
        out.append(cf)
    # A PE cut inside its last section: SL/Sx offsets may then lie beyond the end.
    big = max(pes, key=lambda f: len(f.layout[1]))
    cut = big.layout[1][-1][0] + 16
    rel = f"gen/pe_truncated_{os.path.basename(big.rel)}"
    path = os.path.join(root, rel)
    with open(path, "wb") as fh:
        fh.write(big.data[:cut])
    out.append(CorpusFile(path, rel, big.data[:cut]))
    files.extend(out)
    return out


# ----------------------------------------------------------------------------- signatures

class Sig:
    def __init__(self, kind, name, line, tags, expect, source):
        self.kind = kind      # hdb hsb ndb fp sfp
        self.name = name
        self.line = line
        self.tags = set(tags)
        self.expect = expect  # "match", "miss" or "allow"
        self.source = source  # corpus file the signature was derived from


class SigGen:
    def __init__(self, rng, unpacked_images):
        self.rng = rng
        self.unpacked_images = unpacked_images
        self.sigs = []
        self.counter = collections.Counter()

    def forbidden(self, w):
        """True when bytes of `w` occur in an image ClamAV unpacks (see the header)."""
        return any(w[i:i + 8] in img for img in self.unpacked_images for i in range(0, 40, 4))

    def _name(self, kind, elem, expect):
        key = f"{kind}.{elem}.{expect}"
        self.counter[key] += 1
        pol = {"match": "Hit", "miss": "Miss", "allow": "Allow"}[expect]
        return f"Diff.{kind.capitalize()}.{elem}.{pol}.{self.counter[key]}"

    def add(self, kind, elem, expect, body, tags, source, name=None):
        name = name or self._name(kind, elem, expect)
        line = body.replace("{NAME}", name)
        self.sigs.append(Sig(kind, name, line, set(tags) | {elem}, expect, source))
        return name

    # --- hash signatures
    def hash_sigs(self, f, allow=False):
        d = f.data
        md5 = hashlib.md5(d).hexdigest()
        sha1 = hashlib.sha1(d).hexdigest()
        sha256 = hashlib.sha256(d).hexdigest()
        n = len(d)
        src = f.rel
        if n <= 5:
            # ClamAV does not scan files of 5 bytes or fewer at all (nothing fits in them).
            self.add("hdb", "TinyFile", "miss", f"{md5}:{n}:{{NAME}}", ["hash"], src)
            self.add("hsb", "TinyFile", "miss", f"{sha256}:*:{{NAME}}:73", ["hash"], src)
            return
        self.add("hdb", "Md5Size", "match", f"{md5}:{n}:{{NAME}}", ["hash"], src)
        self.add("hdb", "Md5Size", "miss", f"{md5}:{n + 1}:{{NAME}}", ["hash"], src)
        self.add("hdb", "Md5Star", "match", f"{md5}:*:{{NAME}}:73", ["hash"], src)
        self.add("hsb", "Sha1Size", "match", f"{sha1}:{n}:{{NAME}}", ["hash"], src)
        self.add("hsb", "Sha1Size", "miss", f"{sha1}:{max(1, n - 1)}:{{NAME}}", ["hash"], src)
        self.add("hsb", "Sha1Star", "match", f"{sha1}:*:{{NAME}}:73", ["hash"], src)
        self.add("hsb", "Sha256Size", "match", f"{sha256}:{n}:{{NAME}}", ["hash"], src)
        self.add("hsb", "Sha256Size", "miss", f"{sha256}:{n + 4096}:{{NAME}}", ["hash"], src)
        self.add("hsb", "Sha256Star", "match", f"{sha256}:*:{{NAME}}:73", ["hash"], src)

    def hash_misses(self):
        for i in range(3):
            d = rand_bytes(self.rng, 100 + i)
            self.add("hdb", "Md5Absent", "miss", f"{hashlib.md5(d).hexdigest()}:{len(d)}:{{NAME}}", ["hash"], "-")
            self.add("hsb", "Sha256Absent", "miss", f"{hashlib.sha256(d).hexdigest()}:*:{{NAME}}:73", ["hash"], "-")

    def allowlist(self, f, how):
        """Allowlists `f` (which other signatures detect) in .fp or .sfp."""
        d = f.data
        if how == "fp":
            self.add("fp", "FpMd5", "allow", f"{hashlib.md5(d).hexdigest()}:{len(d)}:{{NAME}}", ["allow"], f.rel)
        elif how == "sfp1":
            self.add("sfp", "SfpSha1", "allow", f"{hashlib.sha1(d).hexdigest()}:{len(d)}:{{NAME}}", ["allow"], f.rel)
        elif how == "sfp256":
            self.add("sfp", "SfpSha256", "allow", f"{hashlib.sha256(d).hexdigest()}:{len(d)}:{{NAME}}", ["allow"], f.rel)
        else:
            # `*` size in .fp only: ClamAV 1.4.6 stalls (minutes per file) on files with a
            # detection when an .sfp holds a `*`-size entry, so that form is not compared.
            self.add("fp", "FpMd5Star", "allow", f"{hashlib.md5(d).hexdigest()}:*:{{NAME}}:73", ["allow"], f.rel)

    # --- body signatures
    def ndb(self, elem, expect, target, offset, hexsig, tags, src, flevel=""):
        return self.add("ndb", elem, expect, f"{{NAME}}:{target}:{offset}:{hexsig}{flevel}", tags, src)


def varied(b):
    return len(set(b)) >= len(b) * 2 // 3


def hx(b):
    return b.hex()


def other_bytes(rng, exclude, n):
    pool = [b for b in range(256) if b not in exclude]
    return rng.sample(pool, n)


def hex_variants(rng, w):
    """(element, expect, hexsig) built from window `w` (>= 48 bytes) that starts at the anchor.

    Every variant starts with w's first bytes so that an offset anchors the same position.
    """
    v = []
    v.append(("Plain", "match", hx(w[:16])))
    v.append(("Plain", "miss", hx(w[:15]) + "%02x" % (w[15] ^ 0x01)))
    v.append(("AnyByte", "match", hx(w[:6]) + "????" + hx(w[8:16])))
    v.append(("AnyByte", "miss", hx(w[:6]) + "????" + "%02x" % (w[8] ^ 0x80) + hx(w[9:16])))
    v.append(("HighNibble", "match", hx(w[:6]) + "%x?" % (w[6] >> 4) + hx(w[7:14])))
    v.append(("HighNibble", "miss", hx(w[:6]) + "%x?" % ((w[6] >> 4) ^ 0x8) + hx(w[7:14])))
    v.append(("LowNibble", "match", hx(w[:6]) + "?%x" % (w[6] & 0xF) + hx(w[7:14])))
    v.append(("LowNibble", "miss", hx(w[:6]) + "?%x" % ((w[6] & 0xF) ^ 0x1) + hx(w[7:14])))
    v.append(("Star", "match", hx(w[:8]) + "*" + hx(w[20:28])))
    v.append(("Star", "miss", hx(w[:8]) + "*" + hx(w[20:27]) + "%02x" % (w[27] ^ 0x10)))
    k = 7  # gap between w[:6] and w[6+k:]
    tail = lambda g: hx(w[6 + g:6 + g + 6])  # noqa: E731
    v.append(("GapExact", "match", hx(w[:6]) + "{%d}" % k + tail(k)))
    v.append(("GapExact", "miss", hx(w[:6]) + "{%d}" % (k - 1) + tail(k)))
    v.append(("GapExact", "miss", hx(w[:6]) + "{%d}" % (k + 1) + tail(k)))
    v.append(("GapAtMost", "match", hx(w[:6]) + "{-%d}" % k + tail(k)))
    v.append(("GapAtMost", "match", hx(w[:6]) + "{-%d}" % (k + 3) + tail(k)))
    v.append(("GapAtMost", "miss", hx(w[:6]) + "{-%d}" % (k - 1) + tail(k)))
    v.append(("GapAtLeast", "match", hx(w[:6]) + "{%d-}" % k + tail(k)))
    v.append(("GapAtLeast", "match", hx(w[:6]) + "{%d-}" % (k - 4) + tail(k)))
    v.append(("GapAtLeast", "miss", hx(w[:6]) + "{%d-}" % (k + 1) + tail(k)))
    v.append(("GapRange", "match", hx(w[:6]) + "{%d-%d}" % (k - 2, k + 2) + tail(k)))
    v.append(("GapRange", "match", hx(w[:6]) + "{%d-%d}" % (k, k + 1) + tail(k)))
    v.append(("GapRange", "match", hx(w[:6]) + "{%d-%d}" % (k - 1, k) + tail(k)))
    v.append(("GapRange", "miss", hx(w[:6]) + "{%d-%d}" % (k + 1, k + 5) + tail(k)))
    v.append(("GapRange", "miss", hx(w[:6]) + "{%d-%d}" % (k - 5, k - 1) + tail(k)))
    alt = other_bytes(rng, {w[8]}, 2)
    v.append(("Alt", "match", hx(w[:8]) + "(%s)" % "|".join("%02x" % b for b in sorted(alt + [w[8]])) + hx(w[9:16])))
    v.append(("Alt", "miss", hx(w[:8]) + "(%s)" % "|".join("%02x" % b for b in sorted(alt)) + hx(w[9:16])))
    neg = other_bytes(rng, {w[8]}, 2)
    v.append(("NotAlt", "match", hx(w[:8]) + "!(%s)" % "|".join("%02x" % b for b in sorted(neg)) + hx(w[9:16])))
    v.append(("NotAlt", "miss", hx(w[:8]) + "!(%s)" % "|".join("%02x" % b for b in sorted(neg[:1] + [w[8]])) + hx(w[9:16])))
    # Several elements in one signature.
    v.append(("Mixed", "match", hx(w[:6]) + "??" + "%x?" % (w[7] >> 4) + "(%02x|%02x)" % tuple(sorted((w[8], alt[0])))
              + "{2-4}" + hx(w[11:15]) + "*" + hx(w[30:36])))
    return v


def big_gap_variants(w, gap=150):
    """{n} with n >= 128 splits a signature into parts in ClamAV: a distinct code path."""
    a, b = w[:6], w[6 + gap:6 + gap + 6]
    return [("GapExactLarge", "match", hx(a) + "{%d}" % gap + hx(b)),
            ("GapExactLarge", "miss", hx(a) + "{%d}" % (gap + 1) + hx(b)),
            ("GapRangeLarge", "match", hx(a) + "{%d-%d}" % (gap - 40, gap + 200) + hx(b)),
            ("GapRangeLarge", "miss", hx(a) + "{%d-%d}" % (gap + 1, gap + 300) + hx(b))]


def offset_forms(f, p, rng, target):
    """(element, expect, offset) for anchor p of file f; offsets that should hit p and that miss."""
    d = f.data
    n = len(d)
    out = [("OffAny", "match", "*"),
           ("OffAbs", "match", str(p)),
           ("OffAbs", "miss", str(p + 1)),
           ("OffEof", "match", "EOF-%d" % (n - p)),
           ("OffEof", "miss", "EOF-%d" % (n - p - 1))]
    if p >= 10:
        out += [("OffAbsFloat", "match", "%d,10" % (p - 10)),   # p is exactly the last start
                ("OffAbsFloat", "match", "%d,20" % (p - 5)),
                ("OffAbsFloat", "miss", "%d,9" % (p - 10))]
    out += [("OffEofFloat", "match", "EOF-%d,4" % (n - p + 4)),
            ("OffEofFloat", "miss", "EOF-%d,3" % (n - p + 4))]
    if target == 1 and f.layout:
        ep, secs = f.layout
        if p >= ep:
            out += [("OffEpPlus", "match", "EP+%d" % (p - ep)),
                    ("OffEpPlus", "miss", "EP+%d" % (p - ep + 1)),
                    ("OffEpFloat", "match", "EP+%d,8" % max(0, p - ep - 8))]
            if p - ep >= 8:
                out.append(("OffEpFloat", "miss", "EP+%d,7" % (p - ep - 8)))
        else:
            out += [("OffEpMinus", "match", "EP-%d" % (ep - p)),
                    ("OffEpMinus", "miss", "EP-%d" % (ep - p + 1))]
        for x, (raw, size) in enumerate(secs):
            if size and raw <= p < raw + size:
                out += [("OffSect", "match", "S%d+%d" % (x, p - raw)),
                        ("OffSect", "miss", "S%d+%d" % (x, p - raw + 2)),
                        ("OffSectFloat", "match", "S%d+%d,6" % (x, max(0, p - raw - 3))),
                        ("OffSectWhole", "match", "SE%d" % x, True)]
                others = [y for y, (r2, s2) in enumerate(secs) if s2 and not r2 <= p < r2 + s2]
                if others:
                    out.append(("OffSectWhole", "miss", "SE%d" % rng.choice(others), True))
                if x == len(secs) - 1:
                    out += [("OffLast", "match", "SL+%d" % (p - raw)),
                            ("OffLast", "miss", "SL+%d" % (p - raw + 1)),
                            ("OffLastFloat", "match", "SL+%d,5" % max(0, p - raw - 5))]
                elif x < len(secs) - 1:
                    out.append(("OffLast", "miss", "SL+%d" % (p - raw)))
    return out


def gen_body_for_anchor(g, f, p, target, full=True):
    """All hex variants at `p` with the plain offset `*`, and a plain/one-wildcard signature
    at every offset form (keeps the count in the hundreds, not thousands)."""
    d = f.data
    # Padding (runs of 00 or 90) matches anywhere, also in the images ClamAV unpacks from
    # packed PEs: move the anchor forward to varied bytes.
    for q in range(p, min(p + 512, len(d) - 48)):
        if varied(d[q:q + 12]):
            p = q
            break
    else:
        return
    w = d[p:p + 48]
    if len(w) < 48 or g.forbidden(w):
        return
    tgt_tag = "Target%d" % target
    # Multi-part patterns (`*`, `{n-}`, large gaps) need parts that do not repeat nearby:
    # ClamAV remembers only a few earlier offsets of a part, so in padding (90 90 90 ...) it
    # loses matches that exist; that is a limit of its implementation, not of the syntax.
    # Patterns of padding also match thousands of times per file, which --allmatch prints
    # one line each: such anchors get offset-anchored forms only.
    rich = varied(w[:16]) and varied(w[20:36])
    full = full and rich
    if full:
        for elem, expect, hexsig in hex_variants(g.rng, w):
            g.ndb(elem, expect, target, "*", hexsig, [tgt_tag], f.rel)
        if p + 170 <= len(d) and varied(d[p + 156:p + 162]):
            for elem, expect, hexsig in big_gap_variants(d[p:p + 400]):
                g.ndb(elem, expect, target, "*", hexsig, [tgt_tag], f.rel)
    anchored = [("Plain", hx(w[:12])), ("AnyByte", hx(w[:4]) + "??" + hx(w[5:12])),
                ("GapRange", hx(w[:4]) + "{2-5}" + hx(w[7:13])), ("Alt", hx(w[:3]) + "(%02x|%02x)" % tuple(sorted((w[3], w[3] ^ 0x55))) + hx(w[4:12]))]
    for i, form in enumerate(offset_forms(f, p, g.rng, target)):
        elem, expect, off = form[:3]
        if (off == "*" or off.startswith("SE")) and not rich:
            continue
        helem, hexsig = anchored[i % len(anchored)]
        if len(form) > 3 and helem == "Plain":
            # ClamAV's Boyer-Moore path (patterns without any wildcard) misses some SEx matches
            # that the documented semantics and its own Aho-Corasick path find (e.g. at SE0 of
            # wine's atl90.dll, 37632 bytes into the section, where S0+0,45056 matches): SEx is
            # compared with wildcard patterns only.
            helem, hexsig = anchored[1]
        g.ndb(elem, expect, target, off, hexsig, [tgt_tag, helem], f.rel)


def generate(files, modified, rng):
    by_rel = {f.rel: f for f in files}
    g = SigGen(rng, [by_rel["testfiles/" + n].data for n in UNPACKED_IMAGE_SOURCES
                     if "testfiles/" + n in by_rel])
    wine = [f for f in files if f.rel.startswith("wine/") and f.layout]
    pes_64 = [f for f in wine if "/x64/" in f.rel]
    pes_32 = [f for f in wine if "/x86/" in f.rel]

    # Hash signatures: a few files of every kind.
    for rel in ["gen/dup_a.bin", "gen/random_3.bin", "gen/text_0.txt", "gen/random_65536.bin",
                "testfiles/clam.zip", "testfiles/clam-upx.exe", "elf/true"]:
        if rel in by_rel:
            g.hash_sigs(by_rel[rel])
    for f in rng.sample(wine, min(3, len(wine))):
        g.hash_sigs(f)
    g.hash_misses()
    # The empty file: ClamAV does not scan it, so a `*`-size digest of it must not be reported.
    empty = by_rel["gen/empty"]
    g.add("hsb", "EmptyFile", "miss", f"{hashlib.sha256(b'').hexdigest()}:*:{{NAME}}:73", ["hash"], empty.rel)
    g.add("hdb", "EmptyFile", "miss", f"{hashlib.md5(b'').hexdigest()}:*:{{NAME}}:73", ["hash"], empty.rel)

    # Body signatures at varied positions of real PEs, target 0 and 1.
    for f in (pes_64[:6] + pes_32[:2]):
        ep, secs = f.layout
        anchors = [ep, max(0, ep - 40)]
        live = [(r, s) for r, s in secs if s >= 256 and r + s <= len(f.data)]
        if live:
            r, s = live[0]
            anchors += [r, r + 200]
            r, s = live[-1]
            anchors.append(r + min(s - 64, 100))
        q = distinct_window(rng, f.data, 48)
        if q is not None:
            anchors.append(q)
        for i, p in enumerate(anchors):
            gen_body_for_anchor(g, f, p, target=1, full=(i == 0))
        # The same bytes as target 0, and a target-1 signature of a non-PE's bytes.
        if q is not None:
            gen_body_for_anchor(g, f, q, target=0, full=True)
    # Modified PEs: the markers are unique, so these pin EP/section arithmetic exactly.
    for f in modified:
        if not f.layout:
            continue
        ep, secs = f.layout
        gen_body_for_anchor(g, f, ep, target=1, full=False)
        if len(secs) > 1 and secs[1][1] >= 64:
            gen_body_for_anchor(g, f, secs[1][0], target=1, full=False)
        gen_body_for_anchor(g, f, len(f.data) - 48, target=1, full=False)
    trunc = [f for f in modified if "truncated" in f.rel]
    for f in trunc:
        # The truncated copy's last section lies partly beyond EOF; SL+0 still starts inside.
        g.ndb("OffLast", "match", 1, "SL+0", hx(f.data[-16:-4]), ["Target1", "Plain"], f.rel)
        g.ndb("OffLast", "miss", 1, "SL+64", hx(f.data[-16:-4]), ["Target1", "Plain"], f.rel)

    # Non-PE files: target 0 everywhere; target 1 must not match them (ClamAV types by magic).
    for rel in ["elf/ls", "gen/random_4096.bin", "gen/random_300000.bin", "testfiles/clam.cab",
                "testfiles/clam.pdf", "testfiles/clam-nsis.exe"]:
        f = by_rel.get(rel)
        if not f:
            continue
        q = distinct_window(rng, f.data, 48)
        if q is None or g.forbidden(f.data[q:q + 48]):
            continue
        gen_body_for_anchor(g, f, q, target=0, full=rel.startswith("gen/"))
        g.ndb("TargetPeOnly", "miss" if not f.layout else "match", 1, "*", hx(f.data[q:q + 16]), ["Target1", "Plain"], f.rel)
    f = by_rel["gen/mz_not_pe.bin"]
    g.ndb("TargetPeOnly", "match", 1, "*", hx(f.data[100:116]), ["Target1", "Plain", "MzNotPe"], f.rel)
    g.ndb("TargetAny", "match", 0, "*", hx(f.data[100:116]), ["Target0", "Plain"], f.rel)
    g.ndb("TargetPeOnly", "miss", 1, "EP+0", hx(f.data[100:116]), ["Target1", "Plain", "MzNotPe"], f.rel)

    # Text files: the planted miner command line.
    for i in range(4):
        f = by_rel[f"gen/text_{i}.txt"]
        p = f.data.index(b"stratum+tcp://")
        gen_body_for_anchor(g, f, p, target=0, full=(i == 0))
    # Tiny files: whole-file signatures.
    f = by_rel["gen/tiny_abcdef"]
    g.ndb("TinyWhole", "match", 0, "0", hx(b"abcdef"), ["Target0", "Plain", "OffAbs"], f.rel)
    g.ndb("TinyWhole", "match", 0, "EOF-6", hx(b"abcdef"), ["Target0", "Plain", "OffEof"], f.rel)
    g.ndb("TinyWhole", "miss", 0, "EOF-7", hx(b"abcdef"), ["Target0", "Plain", "OffEof"], f.rel)
    g.ndb("TinyWhole", "miss", 0, "*", hx(b"abcdefa"), ["Target0", "Plain"], f.rel)
    g.ndb("TinyFile", "miss", 0, "*", "5a718f1d", ["Target0", "Plain"], "gen/tiny_4")
    g.ndb("TinyFile", "miss", 0, "0", "5a718f1d", ["Target0", "Plain"], "gen/tiny_4")
    # Functionality levels: in range loads; out of range is skipped.
    f = by_rel["gen/text_1.txt"]
    p = f.data.index(b"stratum+tcp://")
    s = hx(f.data[p:p + 20])
    g.ndb("FlevelMin", "match", 0, "*", s, ["Target0", "Plain"], f.rel, flevel=":51")
    g.ndb("FlevelRange", "match", 0, "*", s, ["Target0", "Plain"], f.rel, flevel=":51:9999")
    g.ndb("FlevelMin", "miss", 0, "*", s, ["Target0", "Plain"], f.rel, flevel=":9999")
    g.ndb("FlevelRange", "miss", 0, "*", s, ["Target0", "Plain"], f.rel, flevel=":1:1")

    # Allowlists: files that other signatures detect, each allowlisted one way. Their detected
    # twins (dup_b has the same bytes as dup_a, so it is allowlisted too) show the signatures work.
    allowed = [("gen/random_65536.bin", "fp"), ("gen/text_0.txt", "sfp256"),
               ("elf/true", "sfp1"), ("gen/random_4096.bin", "fpstar")]
    if pes_64:
        allowed.append((pes_64[0].rel, "fp"))
    for rel, how in allowed:
        if rel in by_rel:
            g.allowlist(by_rel[rel], how)
    return g.sigs


def write_sigs(sigdir, sigs):
    by_kind = collections.defaultdict(list)
    for s in sigs:
        by_kind[s.kind].append(s.line)
    for kind, lines in by_kind.items():
        with open(os.path.join(sigdir, f"diff.{kind}"), "w") as f:
            f.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------- scanners

def run_clamscan(clamscan, sigdir, corpus):
    cmd = [clamscan] + CLAMSCAN_OPTIONS + ["--database=" + sigdir, corpus]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode not in (0, 1):
        sys.exit(f"clamscan failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    pairs = set()
    for line in r.stdout.splitlines():
        if not line.endswith(" FOUND"):
            continue
        path, _, name = line[:-len(" FOUND")].rpartition(": ")
        if name.endswith(".UNOFFICIAL"):
            name = name[:-len(".UNOFFICIAL")]
        pairs.add((os.path.realpath(path), name))
    return pairs, r.stderr


def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def run_otguard(otguard, sigdir, corpus):
    cmd = [otguard, "scan", "--db", sigdir, "--all-matches", "--no-builtin", "--json", "--", corpus]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode not in (0, 1):
        sys.exit(f"otguard failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-4000:]}")
    pairs = set()
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        ev = flatten(json.loads(line))
        if ev.get("event.kind") == "alert":
            pairs.add((os.path.realpath(ev["file.path"]), ev["rule.name"]))
    return pairs, r.stderr


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--otguard", help="otguard binary; without it only clamscan runs")
    ap.add_argument("--clamscan", default=shutil.which("clamscan") or "/usr/bin/clamscan")
    ap.add_argument("--verbose", action="store_true", help="list every built-to-match miss")
    ap.add_argument("--keep", help="build corpus and signatures in this directory and keep them")
    args = ap.parse_args()

    missing = [what for what, ok in [
        ("clamscan (package clamav)", os.path.exists(args.clamscan)),
        ("clamav-testfiles", os.path.isdir(TESTFILES)),
        ("wine64 PE files", any(os.path.isdir(d) for d in WINE_DIRS)),
        ("python3-pefile (run with /usr/bin/python3)", pefile is not None)] if not ok]
    if missing:
        sys.exit("missing: " + ", ".join(missing) + " (scripts/install-deps.sh installs them)")

    rng = random.Random(SEED)
    work = args.keep or tempfile.mkdtemp(prefix="otguard-clamav-diff-")
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
    corpus = os.path.join(work, "corpus")
    sigdir = os.path.join(work, "sigs")
    os.makedirs(corpus)
    os.makedirs(sigdir)
    try:
        return compare(args, rng, corpus, sigdir)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def compare(args, rng, corpus, sigdir):
    files = build_corpus(corpus, rng)
    modified = add_modified_pes(corpus, files, rng)
    sigs = generate(files, modified, rng)
    write_sigs(sigdir, sigs)
    by_name = {s.name: s for s in sigs}
    rel_of = {os.path.realpath(f.path): f.rel for f in files}

    t0 = time.monotonic()
    clam, clam_err = run_clamscan(args.clamscan, sigdir, corpus)
    t_clam = time.monotonic() - t0
    kinds = collections.Counter(s.kind for s in sigs)
    print(f"corpus: {len(files)} files, {sum(len(f.data) for f in files) / 1e6:.1f} MB "
          f"({sum(1 for f in files if f.layout)} PE)")
    print("signatures: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
          + f" ({len(sigs)} total)")
    print(f"clamscan: {len(clam)} (file, signature) pairs in {t_clam:.1f} s")

    failures = []
    foreign = sorted({n for _, n in clam if n not in by_name})
    if foreign:
        failures.append("clamscan reported names that are not ours: " + ", ".join(foreign))
    # Built-to-match signatures that ClamAV did not report: not a failure by themselves (the
    # comparison decides), but worth seeing while changing the generator.
    hit_names = {n for _, n in clam}
    allowed_src = {s.source for s in sigs if s.expect == "allow"}
    unexpected = [s for s in sigs if s.expect == "match" and s.name not in hit_names
                  and s.source not in allowed_src]
    if unexpected and args.verbose:
        for s in unexpected:
            print(f"clamscan missed: {s.source}  {s.line}")
    elif unexpected:
        print(f"note: {len(unexpected)} built-to-match signatures had no match in clamscan, e.g. "
              + "; ".join(f"{s.line} ({s.source})" for s in unexpected[:5]))

    if args.otguard:
        t0 = time.monotonic()
        og, og_err = run_otguard(args.otguard, sigdir, corpus)
        print(f"otguard: {len(og)} (file, signature) pairs in {time.monotonic() - t0:.1f} s")
        for label, diff in (("only clamscan", clam - og), ("only otguard", og - clam)):
            for path, name in sorted(diff):
                s = by_name.get(name)
                failures.append(f"{label}: {rel_of.get(path, path)}  {s.kind if s else '?'}: "
                                f"{s.line if s else name}  (from {s.source if s else '?'})")
        both = clam & og
    else:
        print("otguard: not run (no --otguard)")
        both = clam

    # Coverage: every element tag produced a pair that both scanners reported.
    tags_all = set().union(*(s.tags for s in sigs if s.expect == "match"))
    covered = set()
    for _, name in both:
        if name in by_name:
            covered |= by_name[name].tags
    for tag in sorted(tags_all - covered):
        failures.append(f"coverage: no signature tagged {tag} produced a pair in both scanners")
    # Allowlisted files: detected by signatures in principle, reported by neither scanner.
    detected = collections.Counter(path for path, _ in (clam | (og if args.otguard else set())))
    for s in sigs:
        if s.expect == "allow":
            path = os.path.realpath(os.path.join(corpus, s.source))
            if detected[path]:
                failures.append(f"allowlisted file reported: {s.source} ({s.line})")
    print(f"coverage: {len(covered & tags_all)}/{len(tags_all)} element tags matched in both")

    for f in failures:
        print("FAIL " + f)
    if clam_err.strip():
        print("clamscan stderr:\n" + clam_err[-2000:])
    if failures:
        print(f"clamav_diff: {len(failures)} failures")
        return 1
    print("clamav_diff: OK, both scanners reported the same pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
