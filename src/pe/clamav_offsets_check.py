#!/usr/bin/env python3
"""Checks src/pe's EP/section offsets against clamscan, the reference for ClamAV offsets.

For every PE file it asks otguard_pe_dump where the entry point and each section's raw data
are, writes .ndb signatures over the bytes found there (EP+0, Sx+0, SL+0, SEx), plus signatures
that must NOT match (clamscan runs with --scan-pe=no so that unpacked copies of packed files
do not match them) (the same bytes one byte later; a SEx pattern that runs past the section's
end), runs `clamscan --allmatch` once over all files, and compares. For files the parser says
ClamAV rejects (clamav_broken) every offset signature must stay silent.

With --mutants DIR it first writes hand-made variants of the first input (alignment fallback,
wrapped SizeOfRawData, section beyond EOF, overlapping sections, EP in the headers ...) to DIR
and checks those too.

Prints one line per mismatch and a closing "N passed, N failed" line; exit status 1 on failure.
Usage: clamav_offsets_check.py PE_DUMP [--mutants DIR] FILE...
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SIG_LEN = 16


def distinctive(chunk):
    return len(chunk) == SIG_LEN and len(set(chunk)) > 2


def shifted_equal(data, off):
    """True when the bytes one later equal those at off (a +1 negative test would match)."""
    return data[off + 1:off + 1 + SIG_LEN] == data[off:off + SIG_LEN]


def plan_signatures(idx, info, data):
    """Yields (name, offset_spec, hex, expect_match) for one parsed file."""
    broken = info["clamav_broken"]
    ep = info.get("entry_point_offset")
    if ep is not None and distinctive(data[ep:ep + SIG_LEN]):
        yield f"F{idx}_EP", "EP+0", data[ep:ep + SIG_LEN].hex(), not broken
        if not shifted_equal(data, ep) and ep + 1 + SIG_LEN <= len(data):
            yield f"F{idx}_EPneg", "EP+1", data[ep:ep + SIG_LEN].hex(), False
    sections = info["sections"]
    for i, s in enumerate(sections):
        off, size = s["file_offset"], s["file_size"]
        if size < SIG_LEN:
            continue
        head = data[off:off + SIG_LEN]
        if distinctive(head):
            yield f"F{idx}_S{i}", f"S{i}+0", head.hex(), not broken
            if i == len(sections) - 1:
                yield f"F{idx}_SL", "SL+0", head.hex(), not broken
        # A SEx pattern wholly inside the section matches. Patterns at or past the section's
        # end are left out: clamscan 1.4 reports them or not depending on which of its matchers
        # (Boyer-Moore for plain hex, Aho-Corasick with wildcards) holds the signature and on
        # the other signatures loaded, so there is no single rule to check against.
        tail = data[off + size - SIG_LEN:off + size]
        clipped = off + size == len(data)  # erratic in clamscan, see pe.cc
        # Unexplained: clamscan 1.4 missed 3 of ~4,000 such tails on Wine DLLs, each ending in
        # zero bytes (e.g. 60a770a780a7 + ten 00); tails ending in 00 are left out.
        if distinctive(tail) and not clipped and tail[-1] != 0:
            yield f"F{idx}_SE{i}", f"SE{i}", tail.hex(), not broken


def dump(pe_dump, files):
    out = subprocess.run([pe_dump, *files], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def clamscan(db_dir, files):
    proc = subprocess.run(["clamscan", "--allmatch", "--no-summary", "--scan-pe=no", "-d", db_dir,
                           *files],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"clamscan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = set()
    for line in proc.stdout.splitlines():
        if line.endswith(" FOUND"):
            path, _, name = line[:-len(" FOUND")].rpartition(": ")
            found.add(name.removesuffix(".UNOFFICIAL"))
    return found


def check(pe_dump, files):
    infos = dump(pe_dump, files)
    plans = {}
    patterns = set()  # clamscan merges identical patterns across signatures: keep each unique
    for idx, info in enumerate(infos):
        if "error" in info:
            continue
        with open(info["path"], "rb") as f:
            data = f.read()
        for name, spec, hexsig, expect in plan_signatures(idx, info, data):
            if (spec, hexsig) not in patterns:
                patterns.add((spec, hexsig))
                plans[name] = (info["path"], spec, hexsig, expect)
    if len(files) == 1:
        print(f"{os.path.basename(files[0])}: ", end="")
    if not plans:
        print("0 passed, 0 failed")
        return True
    with tempfile.TemporaryDirectory() as db:
        with open(os.path.join(db, "pe_offsets.ndb"), "w") as f:
            for name, (_, spec, hexsig, _) in plans.items():
                f.write(f"{name}:1:{spec}:{hexsig}\n")
        found = clamscan(db, files)
    failed = 0
    for name, (path, spec, _, expect) in sorted(plans.items()):
        if (name in found) != expect:
            failed += 1
            print(f"MISMATCH {path} {spec} ({name}): expected {'a match' if expect else 'none'}")
    print(f"{len(plans) - failed} passed, {failed} failed")
    return failed == 0


# ---- hand-made variants -------------------------------------------------------------------

def pe_fields(data):
    lfanew = struct.unpack_from("<I", data, 0x3C)[0]
    nsec, opt_size = struct.unpack_from("<H", data, lfanew + 6)[0], struct.unpack_from(
        "<H", data, lfanew + 20)[0]
    opt = lfanew + 24
    return lfanew, nsec, opt, opt + opt_size


def write_mutants(src, out_dir):
    """Variants of one PE that exercise ClamAV's layout rules; returns their paths."""
    with open(src, "rb") as f:
        base = bytearray(f.read())
    lfanew, nsec, opt, table = pe_fields(base)
    sec = lambda i: table + 40 * i  # noqa: E731
    mutants = {}

    def mutant(name, edit):
        data = bytearray(base)
        edit(data)
        mutants[name] = data

    def ep_in_headers(d):  # EP inside the (section-aligned) headers
        struct.pack_into("<I", d, opt + 16, 0x40)
    mutant("ep_in_headers", ep_in_headers)

    def wrapped_raw_size(d):  # SizeOfRawData 0xFFFFFFFF: "sign bit set", ClamAV rejects
        struct.pack_into("<I", d, sec(nsec - 1) + 16, 0xFFFFFFFF)
    mutant("wrapped_raw_size", wrapped_raw_size)

    def sign_raw_size(d):  # 0x80000000 is clipped to the file first: tolerated
        struct.pack_into("<I", d, sec(nsec - 1) + 16, 0x80000000)
    mutant("sign_raw_size", sign_raw_size)

    def sign_virtual_size(d):  # ClamAV rejects
        struct.pack_into("<I", d, sec(nsec - 1) + 8, 0x80000000)
    mutant("sign_virtual_size", sign_virtual_size)

    def huge_raw_size(d):  # clipped to the end of file
        struct.pack_into("<I", d, sec(0) + 16, 0x7FFF0000)
    mutant("huge_raw_size", huge_raw_size)

    def beyond_eof(d):  # a later section starting past the end: ClamAV rejects the file
        struct.pack_into("<I", d, sec(nsec - 1) + 20, len(d) + 0x1000)
    mutant("beyond_eof", beyond_eof)

    def unaligned_raw(d):  # PointerToRawData not aligned: rounded down
        ptr = struct.unpack_from("<I", d, sec(0) + 20)[0]
        struct.pack_into("<I", d, sec(0) + 20, ptr + 0x30)
    mutant("unaligned_raw", unaligned_raw)

    def falign_fallback(d):  # FileAlignment 0x400 but a section at an odd multiple of 0x200
        struct.pack_into("<I", d, opt + 36, 0x400)
    mutant("falign_fallback", falign_fallback)

    def falign_zero(d):
        struct.pack_into("<I", d, opt + 36, 0)
    mutant("falign_zero", falign_zero)

    def salign_zero(d):
        struct.pack_into("<I", d, opt + 32, 0)
    mutant("salign_zero", salign_zero)

    def overlap_last_wins(d):  # the last section claims the first one's RVA range
        if nsec >= 2:
            va0 = struct.unpack_from("<I", d, sec(0) + 12)[0]
            struct.pack_into("<I", d, sec(nsec - 1) + 12, va0)
    mutant("overlap_last_wins", overlap_last_wins)

    def ep_unmapped(d):  # EP far beyond every section: ClamAV rejects the file
        struct.pack_into("<I", d, opt + 16, 0x7FFF0000)
    mutant("ep_unmapped", ep_unmapped)

    def beyond_eof_middle(d):  # keeps its index: S2 is still the third header's section
        if nsec >= 3:
            struct.pack_into("<I", d, sec(1) + 20, len(d) + 0x1000)
    mutant("beyond_eof_middle", beyond_eof_middle)

    def small_optional_header(d):  # rejected by ClamAV: no offsets resolve
        struct.pack_into("<H", d, lfanew + 20, 0x50)
        # Move the table up over the data directories, so that only the size field is odd.
        d[opt + 0x50:opt + 0x50 + 40 * nsec] = bytes(d[table:table + 40 * nsec])
    mutant("small_optional_header", small_optional_header)

    def no_sections(d):  # rejected by ClamAV: even an EP in the headers does not resolve
        struct.pack_into("<H", d, lfanew + 6, 0)
        struct.pack_into("<I", d, opt + 16, 0x40)
    mutant("no_sections", no_sections)

    def ep_past_raw(d):  # EP in the virtual tail of a section, past its raw data
        va = struct.unpack_from("<I", d, sec(0) + 12)[0]
        rsz = struct.unpack_from("<I", d, sec(0) + 16)[0]
        struct.pack_into("<I", d, sec(0) + 8, rsz + 0x2000)
        struct.pack_into("<I", d, opt + 16, va + rsz + 0x10)
    mutant("ep_past_raw", ep_past_raw)

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, data in mutants.items():
        path = os.path.join(out_dir, f"{name}.exe")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    if shutil.which("clamscan") is None:
        sys.exit("clamscan not installed")
    pe_dump, files = argv[1], argv[2:]
    ok = True
    if files[:1] == ["--mutants"]:
        out_dir, files = files[1], files[2:]
        # One clamscan run per variant: they share most bytes with each other.
        for path in write_mutants(files[0], out_dir):
            ok = check(pe_dump, [path]) and ok
    return 0 if check(pe_dump, files) and ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
