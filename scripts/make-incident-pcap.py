#!/usr/bin/python3
"""Builds the MsraMiner incident capture from real ones, onto the plant layout of
tests/integration/nba_incident_layout.json.

  /usr/bin/python3 scripts/make-incident-pcap.py --out OUT.pcap

What goes in (all of it deterministic: fixed timestamps, sequence numbers and contents):
  * wannacry.pcap (the real worm outbreak) with every IPv4 address and MAC address rewritten onto
    the plant LAN: IP headers, ARP, NetBIOS datagram source fields, and the addresses written as
    text in SMB tree paths (same length, so no length or sequence number changes);
  * modbus-scada-mb2.pcap (a real SCADA network) moved onto the control network and in time so
    that it runs while the worm spreads: the worm among normal traffic;
  * traffic the worm's family (MsraMiner v2.1) makes after a victim
    is exploited, with full TCP sessions: the victim fetches MsraReportDataCache32.tlb from the
    patient zero's web server on 26931, looks up a pool name that CNAMEs to
    xmr.pool.minergate.com, and mines over Stratum on 45560.

Checksums of rewritten packets are updated incrementally (RFC 1624), so a packet whose checksum
was right stays right and one that was wrong (offload, truncation) stays as it was. scapy builds
the added packets; the pcap is written by this script (classic pcap, Ethernet, microseconds).
"""
import argparse
import hashlib
import io
import ipaddress
import json
import os
import re
import struct
import sys
import zipfile

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, RawPcapReader, raw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = os.path.join(ROOT, "tests", "integration", "nba_incident_layout.json")
PCAPS = os.path.join(ROOT, "tests", "data", "pcaps")


def micros(text):
    """"sec.usec" (the layout's time format) as integer microseconds: no float rounding."""
    sec, _, frac = text.partition(".")
    return int(sec) * 1_000_000 + int((frac + "000000")[:6])


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def mac_text(b):
    return ":".join(f"{x:02x}" for x in b)


# ---- Internet checksum, incremental (RFC 1071 sums, RFC 1624 update) ---------------------------

def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def csum_update(checksum, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m and m' the sums of the old and new words.
    `old` and `new` are the same bytes range, starting at an even offset of the covered data."""
    total = (~checksum & 0xFFFF) + (~ones_sum(old) & 0xFFFF) + ones_sum(new)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# ---- address rewriting --------------------------------------------------------------------------

class Rewriter:
    """Maps addresses of one original capture onto the layout, in headers and in payloads."""

    def __init__(self, ip_map, mac_map, text_subs):
        self.ip_map = ip_map  # bytes(4) -> bytes(4)
        self.mac_map = mac_map  # bytes(6) -> bytes(6)
        self.text_subs = text_subs  # [(compiled regex, function)] over payload bytes
        self.unmapped = set()

    def ip(self, addr):
        new = self.ip_map.get(addr)
        if new is None:
            self.unmapped.add(str(ipaddress.IPv4Address(addr)))
            return addr
        return new

    def frame(self, data):
        buf = bytearray(data)
        if len(buf) < 14:
            return bytes(buf)
        for off in (0, 6):
            buf[off:off + 6] = self.mac_map.get(bytes(buf[off:off + 6]), buf[off:off + 6])
        ethertype = struct.unpack_from("!H", buf, 12)[0]
        if ethertype == 0x0800:
            self.ipv4(buf, 14, payloads=True)
        elif ethertype == 0x0806:
            self.arp(buf, 14)
        elif ethertype == 0x88CC:
            self.lldp(buf, 14)
        return bytes(buf)

    def lldp(self, buf, off):
        """A switch's Management Address TLV (IEEE 802.1AB 8.5.9) names it by IPv4 address."""
        while off + 2 <= len(buf):
            kind, length = buf[off] >> 1, ((buf[off] & 1) << 8) | buf[off + 1]
            if kind == 0:
                return
            value = off + 2
            if kind == 8 and length >= 6 and buf[value] == 5 and buf[value + 1] == 1:
                buf[value + 2:value + 6] = self.ip(bytes(buf[value + 2:value + 6]))
            off = value + length

    def arp(self, buf, off):
        if len(buf) < off + 28 or buf[off + 4] != 6 or buf[off + 5] != 4:
            return
        for mac_off, ip_off in ((off + 8, off + 14), (off + 18, off + 24)):
            mac = bytes(buf[mac_off:mac_off + 6])
            buf[mac_off:mac_off + 6] = self.mac_map.get(mac, mac)
            buf[ip_off:ip_off + 4] = self.ip(bytes(buf[ip_off:ip_off + 4]))

    def ipv4(self, buf, off, payloads):
        """Rewrites the IPv4 header at `off` and what it carries; returns nothing. `payloads`
        is False inside an ICMP quote (the quoted datagram is only the first bytes)."""
        if len(buf) < off + 20 or buf[off] >> 4 != 4:
            return
        ihl = (buf[off] & 0xF) * 4
        old_addrs = bytes(buf[off + 12:off + 20])
        new_addrs = self.ip(old_addrs[:4]) + self.ip(old_addrs[4:])
        buf[off + 12:off + 20] = new_addrs
        ip_ck = struct.unpack_from("!H", buf, off + 10)[0]
        struct.pack_into("!H", buf, off + 10, csum_update(ip_ck, old_addrs, new_addrs))
        frag_offset = struct.unpack_from("!H", buf, off + 6)[0] & 0x1FFF
        if frag_offset:
            return  # no transport header in a later fragment
        proto, l4 = buf[off + 9], off + ihl
        total_len = struct.unpack_from("!H", buf, off + 2)[0]
        end = min(len(buf), off + total_len) if total_len >= ihl else len(buf)
        if proto in (6, 17):
            self.transport(buf, proto, l4, end, old_addrs, new_addrs, payloads)
        elif proto == 1 and len(buf) >= l4 + 8:
            self.icmp(buf, l4, end)

    def transport(self, buf, proto, l4, end, old_addrs, new_addrs, payloads):
        ck_off = l4 + (16 if proto == 6 else 6)
        if len(buf) < ck_off + 2:
            return
        ck = struct.unpack_from("!H", buf, ck_off)[0]
        if proto == 17 and ck == 0:
            return  # UDP without a checksum stays without
        ck = csum_update(ck, old_addrs, new_addrs)  # the pseudo header
        if payloads:
            hdr = (buf[l4 + 12] >> 4) * 4 if proto == 6 and len(buf) > l4 + 12 else 8
            start = l4 + hdr
            if start < end:
                old = bytes(buf[start:end])
                new = self.payload(old, proto)
                if new != old:
                    buf[start:end] = new
                    # The changed range must start at an even offset of the segment.
                    aligned = l4 + ((start - l4) & ~1)
                    ck = csum_update(ck, bytes(buf[aligned:start]) + old, bytes(buf[aligned:end]))
        if proto == 17 and ck == 0:
            ck = 0xFFFF
        struct.pack_into("!H", buf, ck_off, ck)

    def icmp(self, buf, l4, end):
        """Errors quote the offending datagram's header: its addresses move too."""
        if buf[l4] not in (3, 4, 5, 11, 12) or len(buf) < l4 + 8 + 20:
            return
        old = bytes(buf[l4:end])
        self.ipv4(buf, l4 + 8, payloads=False)
        ck = struct.unpack_from("!H", buf, l4 + 2)[0]
        struct.pack_into("!H", buf, l4 + 2, csum_update(ck, old, bytes(buf[l4:end])))

    def payload(self, data, proto):
        for pattern, replace in self.text_subs:
            data = pattern.sub(replace, data)
        if proto == 17:
            # NetBIOS datagrams carry the sender's address in binary (RFC 1002 4.4.1) and
            # NETLOGON answers a DC's sockaddr; four fixed bytes of a private prefix do not
            # occur by chance in these small datagrams (in SMB over TCP they could).
            for old, new in self.ip_map.items():
                data = data.replace(old, new)
        return data


def text_sub(old_text, new_text, utf16=False):
    """A payload substitution of an address written as text; lengths must match, so lengths,
    sequence numbers and offsets after it stay valid."""
    if len(old_text) != len(new_text):
        raise ValueError(f"{old_text} -> {new_text}: lengths differ")
    enc = "utf-16-le" if utf16 else "ascii"
    old_b, new_b = old_text.encode(enc), new_text.encode(enc)
    digit = "(?:[0-9]\0)" if utf16 else "[0-9]"
    pattern = re.compile(re.escape(old_b) + f"(?!{digit})".encode(), re.S)
    return pattern, lambda m: new_b


def plant_rewriter(layout):
    ip_map, mac_map, subs = {}, {}, []
    for host in layout["hosts"]:
        orig = host.get("original_ip")
        if not orig or not ipaddress.IPv4Address(orig) in ipaddress.IPv4Network(
                layout["networks"][0]["original_cidr"]):
            continue
        ip_map[ipaddress.IPv4Address(orig).packed] = ipaddress.IPv4Address(host["ip"]).packed
        for utf16 in (False, True):
            subs.append(text_sub(orig, host["ip"], utf16))
        if host.get("original_mac"):
            mac_map[mac_bytes(host["original_mac"])] = mac_bytes(host["mac"])
    return Rewriter(ip_map, mac_map, subs)


def control_rewriter(layout):
    net = next(n for n in layout["networks"] if n["name"] == "control-network")
    old_net = ipaddress.IPv4Network(net["original_cidr"])
    new_net = ipaddress.IPv4Network(net["cidr"])
    ip_map = {(old_net.network_address + i).packed: (new_net.network_address + i).packed
              for i in range(old_net.num_addresses)}
    old_prefix = str(old_net.network_address).rsplit(".", 1)[0] + "."
    new_prefix = str(new_net.network_address).rsplit(".", 1)[0] + "."
    subs = []
    for utf16 in (False, True):  # SQL batches of the SCADA server name devices by address
        enc = "utf-16-le" if utf16 else "ascii"
        if len(old_prefix) != len(new_prefix):
            raise ValueError("control network prefixes differ in length")
        old_b, new_b = old_prefix.encode(enc), new_prefix.encode(enc)
        subs.append((re.compile(re.escape(old_b)), lambda m, n=new_b: n))
    return Rewriter(ip_map, {}, subs)


def read_capture(path):
    """(timestamp in microseconds, frame bytes) of a classic pcap, in file order."""
    frames = []
    for data, meta in RawPcapReader(path):
        ts = meta.sec * 1_000_000 + meta.usec
        frames.append((ts, data, meta.wirelen))
    return frames


# ---- added traffic ------------------------------------------------------------------------------

class Endpoint:
    def __init__(self, ip, mac, port, ttl):
        self.ip, self.mac, self.port, self.ttl = ip, mac, port, ttl


class TcpSession:
    """A TCP connection written packet by packet: handshake, data (segmented at the MSS, each
    flight acknowledged), FIN close. Sequence numbers follow RFC 9293."""

    MSS = 1460

    def __init__(self, out, client, server, isn_client, isn_server, ip_id):
        self.out, self.ends = out, (client, server)
        self.seq = [isn_client, isn_server]
        self.ip_id = [ip_id, ip_id + 0x2000]

    @staticmethod
    def _window(side, flags):
        # Unscaled in a SYN; after it both sides scale by 2^8 (the WScale option they send).
        if "S" in flags:
            return 64240 if side == 0 else 65535
        return 1026 if side == 0 else 513

    def _send(self, t, side, flags, data=b"", options=None):
        src, dst = self.ends[side], self.ends[1 - side]
        ack = self.seq[1 - side] if "A" in flags else 0
        tcp = TCP(sport=src.port, dport=dst.port, seq=self.seq[side], ack=ack, flags=flags,
                  window=self._window(side, flags), options=options or [])
        pkt = (Ether(src=src.mac, dst=dst.mac) /
               IP(src=src.ip, dst=dst.ip, ttl=src.ttl, id=self.ip_id[side], flags="DF") /
               tcp / data)
        self.ip_id[side] = (self.ip_id[side] + 1) & 0xFFFF
        self.out.append((t, raw(pkt)))
        self.seq[side] = (self.seq[side] + len(data) + ("S" in flags) + ("F" in flags)) & 0xFFFFFFFF

    def handshake(self, t, rtt):
        opts = [("MSS", self.MSS), ("NOP", None), ("WScale", 8), ("NOP", None), ("NOP", None),
                ("SAckOK", b"")]
        self._send(t, 0, "S", options=opts)
        self._send(t + rtt // 2, 1, "SA", options=opts)
        self._send(t + rtt, 0, "A")
        return t + rtt

    def data(self, t, side, payload, rtt, gap=120):
        """Sends payload from side at t; the other side acknowledges. Returns the last time."""
        chunks = [payload[i:i + self.MSS] for i in range(0, len(payload), self.MSS)]
        for i, chunk in enumerate(chunks):
            self._send(t, side, "PA" if i == len(chunks) - 1 else "A", chunk)
            t += gap
        self._send(t + rtt // 2, 1 - side, "A")
        return t + rtt // 2

    def close(self, t, side, rtt):
        self._send(t, side, "FA")
        self._send(t + rtt // 2, 1 - side, "FA")
        self._send(t + rtt, side, "A")
        return t + rtt


def worm_archive():
    """A real ZIP holding a harmless note: it stands for the worm's archive."""
    note = ("otguard test fixture. This archive stands for MsraReportDataCache32.tlb, the "
            "archive MsraMiner's worm web server hands to new victims. It holds only this text.\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("NOTICE.txt", date_time=(2017, 5, 18, 8, 0, 0))
        info.create_system = 0
        z.writestr(info, note * 16)  # ~3 KB: the body spans several segments
    return buf.getvalue()


def hexof(seed, nbytes):
    out = b""
    while len(out) < nbytes:
        out += hashlib.sha256(seed + len(out).to_bytes(4, "big")).digest()
    return out[:nbytes].hex()


def add_download(out, hosts, ev):
    client, server = hosts[ev["client"]], hosts[ev["server"]]
    c = Endpoint(client["ip"], client["mac"], 49322, 128)
    s = Endpoint(server["ip"], server["mac"], ev["port"], 128)
    tcp = TcpSession(out, c, s, 0x5C1A2B3D, 0x1F2E3D4C, 0x3A10)
    t = tcp.handshake(micros(ev["time"]), 400)
    body = worm_archive()
    request = (f"{ev['method']} {ev['path']} HTTP/1.1\r\n"
               f"Host: {server['ip']}:{ev['port']}\r\n"
               "Accept: */*\r\n"
               "User-Agent: Mozilla/4.0 (compatible; Win32; WinHttp.WinHttpRequest.5)\r\n"
               "Connection: Keep-Alive\r\n\r\n").encode()
    response = (f"HTTP/1.1 {ev['status']} OK\r\n"
                f"Content-Type: {ev['content_type']}\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode() + body
    t = tcp.data(t + 200, 0, request, 400)
    t = tcp.data(t + 900, 1, response, 400)
    tcp.close(t + 300, 1, 400)


def add_dns(out, hosts, ev):
    client, server = hosts[ev["client"]], hosts[ev["server"]]
    t = micros(ev["time"])
    query = DNS(id=0x7A31, rd=1, qd=DNSQR(qname=ev["query"], qtype="A"))
    answer = DNS(id=0x7A31, qr=1, rd=1, ra=1, qd=DNSQR(qname=ev["query"], qtype="A"),
                 an=DNSRR(rrname=ev["query"], type="CNAME", ttl=300, rdata=ev["cname"]) /
                 DNSRR(rrname=ev["cname"], type="A", ttl=60, rdata=ev["answer"]))
    for dt, src, dst, sport, dport, msg in ((0, client, server, 58731, 53, query),
                                            (18_400, server, client, 53, 58731, answer)):
        pkt = (Ether(src=src["mac"], dst=dst["mac"]) /
               IP(src=src["ip"], dst=dst["ip"], ttl=128, id=0x4C21 + dt % 7) /
               UDP(sport=sport, dport=dport) / msg)
        out.append((t + dt, raw(pkt)))


def add_stratum(out, hosts, gateway, ev):
    """XMRig's JSON-RPC dialect of Stratum: login, job, submits (one JSON object per line)."""
    client = hosts[ev["client"]]
    c = Endpoint(client["ip"], client["mac"], 49327, 128)
    s = Endpoint(ev["server"], gateway["mac"], ev["port"], 52)
    # Frames towards the pool go to the gateway's MAC, frames from it come from the gateway's.
    tcp = TcpSession(out, c, s, 0x2B7E1516, 0x6BC1BEE2, 0x3B40)
    rtt = 38_000
    t = tcp.handshake(micros(ev["time"]), rtt)
    session_id = hexof(b"session", 8)
    line = lambda obj: (json.dumps(obj, separators=(",", ":")) + "\n").encode()
    login = {"id": 1, "jsonrpc": "2.0", "method": "login",
             "params": {"login": ev["login"], "pass": "x", "agent": ev["agent"]}}
    t = tcp.data(t + 1_000, 0, line(login), rtt)

    def job(n):
        return {"blob": "0707" + hexof(b"blob%d" % n, 74), "job_id": hexof(b"job%d" % n, 6),
                "target": "b88d0600", "id": session_id}

    reply = {"id": 1, "jsonrpc": "2.0", "error": None,
             "result": {"id": session_id, "job": job(1), "status": "OK"}}
    t = tcp.data(t + 2_000, 1, line(reply), rtt)
    current = job(1)
    for n in range(ev["submits"]):
        if n:
            current = job(n + 1)
            notify = {"jsonrpc": "2.0", "method": "job", "params": current}
            t = tcp.data(t + 6_500_000, 1, line(notify), rtt)
        submit = {"id": n + 2, "jsonrpc": "2.0", "method": "submit",
                  "params": {"id": session_id, "job_id": current["job_id"],
                             "nonce": hexof(b"nonce%d" % n, 4), "result": hexof(b"res%d" % n, 32)}}
        t = tcp.data(t + 11_000_000, 0, line(submit), rtt)
        ok = {"id": n + 2, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}}
        t = tcp.data(t + 1_500, 1, line(ok), rtt)
    tcp.close(t + 9_000_000, 0, rtt)


# ---- output -------------------------------------------------------------------------------------

def write_pcap(path, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, data, wirelen in records:
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(data), wirelen))
            f.write(data)


def check_layout(layout):
    """The MACs in the layout follow its stated rule: OUI kept, last three bytes = the new IP's."""
    for host in layout["hosts"]:
        if host.get("original_mac"):
            want = host["original_mac"][:8] + ":" + mac_text(
                ipaddress.IPv4Address(host["ip"]).packed[1:])
            if host.get("mac") != want:
                raise ValueError(f"{host['name']}: mac should be {want}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pcaps", default=PCAPS, help="folder with the real captures "
                    "(default: the repository's tests/data/pcaps)")
    ap.add_argument("--out", required=True, help="capture to write (classic pcap)")
    ap.add_argument("--layout", default=LAYOUT)
    ap.add_argument("--no-control", action="store_true", help="leave out the normal plant traffic")
    ap.add_argument("--normal", help="also write the day before: the same normal control-network "
                    "traffic one day earlier, without the worm (what `otguard nba learn` learns)")
    args = ap.parse_args()

    layout = json.load(open(args.layout))
    check_layout(layout)
    hosts = {h["name"]: h for h in layout["hosts"]}
    gateway = next(h for h in layout["hosts"] if h["role"] == "gateway")
    records = []  # (ts, order, data, wirelen): order keeps the original order at equal times

    plant = plant_rewriter(layout)
    for ts, data, wirelen in read_capture(os.path.join(args.pcaps, "wannacry.pcap")):
        records.append((ts, len(records), plant.frame(data), wirelen))
    if plant.unmapped:
        sys.exit(f"wannacry.pcap: addresses missing from the layout: {sorted(plant.unmapped)}")

    if not args.no_control:
        control = control_rewriter(layout)
        net = next(n for n in layout["networks"] if n["name"] == "control-network")
        frames = read_capture(os.path.join(args.pcaps, net["source"]))
        shift = micros(net["starts_at"]) - frames[0][0]
        for ts, data, wirelen in frames:
            records.append((ts + shift, len(records), control.frame(data), wirelen))
        if args.normal:
            day = 86400 * 1000000
            write_pcap(args.normal, [(ts + shift - day, control.frame(data), wirelen)
                                     for ts, data, wirelen in frames])

    added = []
    ev = layout["events"]
    add_download(added, hosts, ev["download"])
    add_dns(added, hosts, ev["dns"])
    add_stratum(added, hosts, gateway, ev["stratum"])
    for ts, data in added:
        records.append((ts, len(records), data, len(data)))

    records.sort(key=lambda r: (r[0], r[1]))
    write_pcap(args.out, [(ts, data, wirelen) for ts, _, data, wirelen in records])
    print(f"{args.out}: {len(records)} packets ({len(added)} added)", file=sys.stderr)


if __name__ == "__main__":
    main()
