#!/usr/bin/env python3
"""Writes damaged capture files for the `otguard nba analyze` robustness test.

Usage: make_bad_captures.py OUTDIR PCAPDIR

PCAPDIR holds the real captures (tests/data/pcaps: wannacry.pcap, mining.pcapng). Every file is
derived deterministically, so a failure can be reproduced from the same inputs. Also writes
facts.json: where wannacry.pcap was cut (the test checks that what came before the cut is still
analysed).
"""
import json
import os
import random
import struct
import sys

PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1


# --- classic pcap -------------------------------------------------------------------------------

def read_pcap(path):
    """Returns (global header bytes, endianness prefix, [(record offset, header, body)])."""
    with open(path, "rb") as f:
        data = f.read()
    magic_le = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic_le in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    records = []
    off = 24
    while off + 16 <= len(data):
        ts_sec, ts_frac, caplen, length = struct.unpack(endian + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + caplen]
        records.append((off, (ts_sec, ts_frac, caplen, length), body))
        off += 16 + caplen
    return data[:24], endian, records


def pcap_header(snaplen=65535, linktype=LINKTYPE_ETHERNET):
    return struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(ts, body, length=None, caplen=None):
    sec, usec = divmod(ts, 1_000_000)
    caplen = len(body) if caplen is None else caplen
    length = len(body) if length is None else length
    return struct.pack("<IIII", sec, usec, caplen, length) + body


# --- packets with bogus lengths -----------------------------------------------------------------

ETH_V4 = bytes(6) + bytes([0, 1, 2, 3, 4, 5]) + b"\x08\x00"
ETH_V6 = bytes(6) + bytes([0, 1, 2, 3, 4, 5]) + b"\x86\xdd"
SRC = bytes([10, 0, 0, 1])
DST = bytes([10, 0, 0, 2])


def ipv4(proto, payload, total=None, ihl=5, version=4, frag=0):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, total & 0xFFFF, 1, frag, 64, proto,
                      0, SRC, DST)
    return hdr + payload


def tcp(payload=b"", offset_words=5, sport=49200, dport=445, flags=0x18, seq=1000):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, offset_words << 4, flags, 8192, 0, 0)
    return hdr + payload


def udp(payload=b"", length=None, sport=53000, dport=53):
    length = 8 + len(payload) if length is None else length
    return struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0) + payload


def bogus_frames():
    """One Ethernet frame per broken header field, each a different decoder path."""
    smb = b"\x00\x00\x00\x2f\xffSMB" + bytes(40)
    frames = [
        # IPv4 total length beyond the frame, below the header, and a header length below 20.
        ETH_V4 + ipv4(6, tcp(smb), total=1500),
        ETH_V4 + ipv4(6, tcp(smb), total=10),
        ETH_V4 + ipv4(6, tcp(smb), ihl=2),
        ETH_V4 + ipv4(6, tcp(smb), ihl=15),      # options longer than the packet
        ETH_V4 + ipv4(6, tcp(smb), version=7),
        # TCP data offset below 5 words and past the segment.
        ETH_V4 + ipv4(6, tcp(smb, offset_words=2)),
        ETH_V4 + ipv4(6, tcp(b"", offset_words=15)),
        ETH_V4 + ipv4(6, tcp(smb)[:12]),         # TCP header cut short
        # UDP length below 8 and beyond the IP payload.
        ETH_V4 + ipv4(17, udp(b"\x12\x34\x01\x00\x00\x01" + bytes(6), length=4)),
        ETH_V4 + ipv4(17, udp(b"\x12\x34\x01\x00\x00\x01" + bytes(6), length=4000)),
        ETH_V4 + ipv4(17, udp(b"")[:5]),
        # IPv6 payload length beyond the frame; an extension header chain running off the end.
        ETH_V6 + struct.pack("!IHBB", 0x60000000, 4000, 6, 64) + bytes(32) + tcp(smb),
        ETH_V6 + struct.pack("!IHBB", 0x60000000, 16, 0, 64) + bytes(32) + bytes([6, 200]) +
        bytes(14),
        ETH_V6 + b"\x60\x00",                    # IPv6 header cut short
        # More VLAN tags than any network uses.
        bytes(12) + b"\x81\x00\x00\x01" * 8 + b"\x08\x00" + ipv4(6, tcp(smb)),
        # Link header cut short; not IP at all.
        b"\x00\x01\x02",
        bytes(12) + b"\x08\x06" + bytes(28),
        # A non-first fragment.
        ETH_V4 + ipv4(6, tcp(smb), frag=0x0010),
    ]
    return frames


# --- the files ----------------------------------------------------------------------------------

def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def truncated(outdir, wannacry):
    """Two cuts of wannacry.pcap near its middle: inside a record header, inside a body."""
    with open(wannacry, "rb") as f:
        data = f.read()
    _, endian, records = read_pcap(wannacry)
    middle = len(records) // 2
    # The first record starting after the middle of the file whose body is long enough to cut.
    for i in range(middle, len(records)):
        if records[i][1][2] >= 64:
            middle = i
            break
    off, hdr, _ = records[middle]
    write(outdir, "truncated-body.pcap", data[:off + 16 + hdr[2] // 2])
    write(outdir, "truncated-header.pcap", data[:off + 7])
    last_sec, last_frac = records[middle - 1][1][:2]
    return {
        "complete_packets": middle,
        "last_complete_ts": last_sec + last_frac / 1e6,
        "cut_record_ts": hdr[0] + hdr[1] / 1e6,
    }


def huge_caplen(outdir):
    """Good packets, then a record whose caplen is far beyond any snaplen."""
    ts = 1_500_000_000_000_000
    good = ETH_V4 + ipv4(17, udp(b"\x12\x34\x01\x00\x00\x01" + bytes(6)))
    data = pcap_header()
    for i in range(3):
        data += pcap_record(ts + i, good)
    data += struct.pack("<IIII", ts // 1_000_000, 10, 0x7FFFFFF0, 0x7FFFFFF0) + good
    write(outdir, "huge-caplen.pcap", data)


def caplen_over_len(outdir):
    """Records claiming more captured bytes than were on the wire."""
    ts = 1_500_000_000_000_000
    frame = ETH_V4 + ipv4(6, tcp(b"x" * 40))
    data = pcap_header()
    for i in range(4):
        data += pcap_record(ts + i, frame, length=20)
    write(outdir, "caplen-over-len.pcap", data)


def bogus_lengths(outdir):
    ts = 1_500_000_000_000_000
    data = pcap_header()
    for i, frame in enumerate(bogus_frames()):
        data += pcap_record(ts + i * 1000, frame)
    write(outdir, "bogus-lengths.pcap", data)
    return len(bogus_frames())


def small_snaplen(outdir, wannacry, snaplen=60):
    """wannacry.pcap as a sensor with a 60-byte snaplen would have captured it."""
    _, _, records = read_pcap(wannacry)
    data = pcap_header(snaplen=snaplen)
    for _, (sec, frac, caplen, length), body in records[:600]:
        data += pcap_record(sec * 1_000_000 + frac, body[:snaplen], length=length)
    write(outdir, "snaplen-60.pcap", data)


def pcapng_bad_block(outdir, mining):
    """mining.pcapng with the length of a block in the middle made impossible."""
    with open(mining, "rb") as f:
        data = bytearray(f.read())
    off, n = 0, 0
    cut_block = None
    while off + 12 <= len(data):
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            break
        if btype == 6:  # enhanced packet block
            n += 1
            if n == 20:
                cut_block = off
                break
        off += blen
    assert cut_block is not None, "mining.pcapng has fewer than 20 packets"
    broken = bytearray(data)
    struct.pack_into("<I", broken, cut_block + 4, 0xFFFFFFF0)  # far beyond the file
    write(outdir, "bad-block-length.pcapng", bytes(broken))
    odd = bytearray(data)
    struct.pack_into("<I", odd, cut_block + 4, 13)  # not a multiple of 4, shorter than a EPB
    write(outdir, "odd-block-length.pcapng", bytes(odd))


def far_future_timestamps(outdir, mining):
    """mining.pcapng with two packets stamped near 2^64 microseconds (pcapng allows it)."""
    with open(mining, "rb") as f:
        data = bytearray(f.read())
    off, n = 0, 0
    while off + 12 <= len(data) and n < 4:
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12:
            break
        if btype == 6:
            n += 1
            if n in (3, 4):  # timestamp high and low words follow the interface id
                struct.pack_into("<II", data, off + 12, 0xFFFFFFFF, 0xFFFFFFF0)
        off += blen
    write(outdir, "far-future-timestamps.pcapng", bytes(data))


def main():
    outdir, pcapdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    wannacry = os.path.join(pcapdir, "wannacry.pcap")
    facts = {"truncation": truncated(outdir, wannacry)}
    rng = random.Random(20170512)
    write(outdir, "garbage.bin", bytes(rng.getrandbits(8) for _ in range(4096)))
    # Garbage behind a valid pcap magic: the header claims a capture, the records are noise.
    write(outdir, "garbage-records.pcap",
          pcap_header() + bytes(rng.getrandbits(8) for _ in range(8192)))
    huge_caplen(outdir)
    caplen_over_len(outdir)
    facts["bogus_frames"] = bogus_lengths(outdir)
    small_snaplen(outdir, wannacry)
    pcapng_bad_block(outdir, os.path.join(pcapdir, "mining.pcapng"))
    far_future_timestamps(outdir, os.path.join(pcapdir, "mining.pcapng"))
    write(outdir, "empty.pcap", pcap_header())
    write(outdir, "zero-length.pcap", b"")
    os.makedirs(os.path.join(outdir, "a-directory.pcap"), exist_ok=True)
    with open(os.path.join(outdir, "facts.json"), "w") as f:
        json.dump(facts, f, indent=1)


if __name__ == "__main__":
    main()
