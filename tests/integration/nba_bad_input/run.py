#!/usr/bin/env python3
"""End-to-end checks of `otguard nba analyze` on damaged and hostile captures.

Usage: run.py OTGUARD PCAPDIR

Every run must end by itself within 60 s with exit code 0 (no alerts) or 1 (alerts), or 2 with
one clear line on stderr for a file that is not a readable capture; never a signal, a hang or a
sanitizer report. What a damaged file still holds must be analysed and its damage counted in the
summary (--summary-json).
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_bad_captures  # noqa: E402

SANITIZER_MARKS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "LeakSanitizer",
                   "runtime error:", "ThreadSanitizer")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")
        return ok


class Run:
    """One `otguard nba analyze` run: exit code, alerts (stdout lines), stderr and summary."""

    def __init__(self, otguard, work, name, files, extra=()):
        self.name = name
        summary_path = os.path.join(work, name + ".summary.json")
        if os.path.exists(summary_path):
            os.remove(summary_path)
        cmd = ["timeout", "60", otguard, "nba", "analyze", "--json", "--summary-json",
               summary_path, *extra, *files]
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        self.rc = p.returncode
        self.stdout = p.stdout
        self.stderr = p.stderr
        self.alerts = []
        self.bad_lines = []
        for line in p.stdout.splitlines():
            if not line.strip():
                continue
            try:
                self.alerts.append(json.loads(line))
            except json.JSONDecodeError:
                self.bad_lines.append(line)
        self.summary = None
        if os.path.exists(summary_path):
            with open(summary_path) as f:
                try:
                    self.summary = json.load(f)
                except json.JSONDecodeError as e:
                    self.summary_error = str(e)

    def describe(self):
        return (f"exit {self.rc}; stderr: {self.stderr.strip()[-600:]!r}; "
                f"summary: {json.dumps(self.summary)[:600] if self.summary else None}")

    def anomaly(self, name):
        return (self.summary or {}).get("anomalies", {}).get(name, 0)

    def capture(self, name):
        return (self.summary or {}).get("capture", {}).get(name, 0)


def check_sane(c, r):
    """What every run must satisfy, whatever its input."""
    ok = c.check(f"{r.name}: ended by itself", r.rc != 124, "timed out after 60 s")
    ok &= c.check(f"{r.name}: no signal", 0 <= r.rc < 124, f"exit code {r.rc}: " + r.describe())
    ok &= c.check(f"{r.name}: no sanitizer report",
                  not any(m in r.stderr for m in SANITIZER_MARKS), r.stderr[-2000:])
    ok &= c.check(f"{r.name}: exit code 0, 1 or 2", r.rc in (0, 1, 2), r.describe())
    return ok


def check_analysed(c, r, min_packets=0):
    """A run that read a (maybe damaged) capture: exit 0/1, JSON alerts and a summary."""
    if not check_sane(c, r):
        return False
    ok = c.check(f"{r.name}: exit 0 or 1", r.rc in (0, 1), r.describe())
    ok &= c.check(f"{r.name}: alerts are JSON lines", not r.bad_lines, repr(r.bad_lines[:3]))
    ok &= c.check(f"{r.name}: exit code says whether there were alerts",
                  r.rc == (1 if r.alerts else 0), f"{len(r.alerts)} alerts, exit {r.rc}")
    if not c.check(f"{r.name}: summary written", isinstance(r.summary, dict), r.describe()):
        return False
    s = r.summary
    for key in ("packets", "flows", "alerts", "anomalies", "capture"):
        ok &= c.check(f"{r.name}: summary has {key}", key in s, json.dumps(s)[:400])
    ok &= c.check(f"{r.name}: summary counts the alerts printed",
                  s.get("alerts") == len(r.alerts), f"{s.get('alerts')} vs {len(r.alerts)}")
    ok &= c.check(f"{r.name}: at least {min_packets} packets analysed",
                  s.get("packets", 0) >= min_packets, r.describe())
    return ok


def check_rejected(c, r, path):
    """A file that is no capture at all: exit 2 with one line naming it."""
    if not check_sane(c, r):
        return
    c.check(f"{r.name}: exit 2", r.rc == 2, r.describe())
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    c.check(f"{r.name}: one error line", len(lines) == 1, repr(r.stderr[:600]))
    c.check(f"{r.name}: the error names the file",
            os.path.basename(path) in r.stderr, repr(r.stderr[:600]))
    c.check(f"{r.name}: no alerts", not r.alerts, r.stdout[:400])


# --- reading alerts without depending on every detail of their format ---------------------------

def find_key(obj, names):
    """The first value under one of `names` anywhere in a JSON object (breadth first)."""
    queue = [obj]
    while queue:
        o = queue.pop(0)
        if isinstance(o, dict):
            for n in names:
                if n in o and not isinstance(o[n], (dict, list)):
                    return o[n]
            queue.extend(v for v in o.values() if isinstance(v, (dict, list)))
        elif isinstance(o, list):
            queue.extend(o)
    return None


def alert_time(a):
    t = find_key(a, ("timestamp", "@timestamp", "ts", "time"))
    if isinstance(t, (int, float)):
        return t / 1e6 if t > 1e11 else t
    if isinstance(t, str):
        return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
    return None


def alert_identity(a):
    """What makes two alerts the same detection: rule and the two ends (ECS: rule.name,
    source.ip, destination.ip; other layouts by their usual key names)."""
    rule = a.get("rule")
    rule = rule.get("name") if isinstance(rule, dict) else rule
    if rule is None:
        rule = find_key(a, ("rule_id", "signature", "name"))
    ends = []
    for side, flat in (("source", ("src_ip", "client_ip")), ("destination", ("dest_ip", "dst_ip"))):
        v = a.get(side)
        ends.append(v.get("ip") if isinstance(v, dict) else find_key(a, flat))
    return (rule, *ends)


# --- the cases ----------------------------------------------------------------------------------

def truncation_cases(c, otguard, work, bad, pcapdir, facts):
    intact = Run(otguard, work, "intact-wannacry", [os.path.join(pcapdir, "wannacry.pcap")])
    check_analysed(c, intact, 4000)
    cut = facts["truncation"]
    seen = {}
    for name in ("truncated-body", "truncated-header"):
        r = Run(otguard, work, name, [os.path.join(bad, name + ".pcap")])
        if not check_analysed(c, r):
            continue
        c.check(f"{name}: every packet before the cut analysed",
                r.summary.get("packets") == cut["complete_packets"],
                f"{r.summary.get('packets')} vs {cut['complete_packets']}")
        c.check(f"{name}: truncation counted", r.capture("truncated_files") == 1, r.describe())
        c.check(f"{name}: truncation explained", len(r.capture("errors") or []) >= 1,
                r.describe())
        c.check(f"{name}: explained on stderr", "truncat" in r.stderr.lower(), r.stderr[-600:])
        # The engine is deterministic: what the intact capture alerted on before the cut
        # must be alerted on in the cut capture too.
        before = {alert_identity(a) for a in intact.alerts
                  if (alert_time(a) or 1e18) < cut["cut_record_ts"]}
        got = seen[name] = {alert_identity(a) for a in r.alerts}
        c.check(f"{name}: the first half has exploit alerts", len(before) > 0,
                f"intact alerts: {[alert_identity(a) for a in intact.alerts][:5]}")
        c.check(f"{name}: alerts before the cut survive it", before <= got,
                f"missing: {sorted(map(str, before - got))[:5]}")
    # The same cut file split over shards: the same packets and detections.
    sharded = Run(otguard, work, "truncated-threads", [os.path.join(bad, "truncated-body.pcap")],
                  ["--threads", "2"])
    if check_analysed(c, sharded):
        c.check("truncated-threads: every packet before the cut analysed",
                sharded.summary.get("packets") == cut["complete_packets"], sharded.describe())
        c.check("truncated-threads: the same alerts as one thread",
                {alert_identity(a) for a in sharded.alerts} == seen.get("truncated-body"),
                f"{sorted(map(str, {alert_identity(a) for a in sharded.alerts}))[:5]}")
    # A damaged file among good ones: the others are still read in full.
    both = Run(otguard, work, "truncated-plus-good",
               [os.path.join(bad, "truncated-body.pcap"),
                os.path.join(pcapdir, "smb-445-slow-scan.pcap")])
    if check_analysed(c, both):
        c.check("truncated-plus-good: both files analysed",
                both.summary.get("packets") == cut["complete_packets"] + 21, both.describe())
        c.check("truncated-plus-good: one truncated file", both.capture("truncated_files") == 1,
                both.describe())


def damaged_record_cases(c, otguard, work, bad):
    for name, packets in (("huge-caplen.pcap", 3), ("garbage-records.pcap", 0),
                          ("bad-block-length.pcapng", 19), ("odd-block-length.pcapng", 19)):
        r = Run(otguard, work, name, [os.path.join(bad, name)])
        if not check_analysed(c, r):
            continue
        c.check(f"{name}: packets before the damage analysed",
                r.summary.get("packets") == packets, r.describe())
        errors = r.capture("read_errors") + r.capture("truncated_files")
        c.check(f"{name}: read error counted", errors >= 1, r.describe())
        c.check(f"{name}: read error explained", len(r.capture("errors") or []) >= 1,
                r.describe())


def bogus_header_cases(c, otguard, work, bad, facts):
    r = Run(otguard, work, "bogus-lengths", [os.path.join(bad, "bogus-lengths.pcap")])
    if check_analysed(c, r):
        c.check("bogus-lengths: every frame read",
                r.summary.get("packets") == facts["bogus_frames"], r.describe())
        for anomaly in ("bad_ip_header", "truncated_ip", "bad_tcp_offset", "bad_udp_length",
                        "truncated_transport", "too_many_headers", "truncated_link", "not_ip",
                        "ip_fragment"):
            c.check(f"bogus-lengths: {anomaly} counted", r.anomaly(anomaly) > 0, r.describe())
        total = sum((r.summary.get("anomalies") or {}).values())
        c.check("bogus-lengths: nearly every frame is an anomaly",
                total >= facts["bogus_frames"] - 2, r.describe())
    r = Run(otguard, work, "caplen-over-len", [os.path.join(bad, "caplen-over-len.pcap")])
    if check_analysed(c, r):
        c.check("caplen-over-len: counted", r.anomaly("bad_capture_length") > 0 or
                r.capture("read_errors") > 0, r.describe())
    # Timestamps near 2^64 microseconds: read and analysed like any other (no overflow).
    r = Run(otguard, work, "far-future", [os.path.join(bad, "far-future-timestamps.pcapng")])
    if check_analysed(c, r):
        c.check("far-future: every packet analysed", r.summary.get("packets") == 673,
                r.describe())
    r = Run(otguard, work, "snaplen-60", [os.path.join(bad, "snaplen-60.pcap")])
    if check_analysed(c, r, 600):
        cut = r.anomaly("snaplen_cut") + r.anomaly("truncated_transport")
        c.check("snaplen-60: cut packets counted", cut > 100, r.describe())
        c.check("snaplen-60: flows still tracked", r.summary.get("flows", 0) > 0, r.describe())


def not_a_capture_cases(c, otguard, work, bad):
    for name in ("garbage.bin", "zero-length.pcap", "a-directory.pcap", "does-not-exist.pcap"):
        path = os.path.join(bad, name)
        check_rejected(c, Run(otguard, work, name, [path]), path)
    r = Run(otguard, work, "empty", [os.path.join(bad, "empty.pcap")])
    if check_analysed(c, r):
        c.check("empty: nothing to analyse", r.rc == 0 and r.summary.get("packets") == 0 and
                r.summary.get("flows") == 0, r.describe())


def main():
    otguard, pcapdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="nba_bad_input.") as work:
        bad = os.path.join(work, "captures")
        sys.argv = ["make_bad_captures.py", bad, pcapdir]
        make_bad_captures.main()
        with open(os.path.join(bad, "facts.json")) as f:
            facts = json.load(f)
        truncation_cases(c, otguard, work, bad, pcapdir, facts)
        damaged_record_cases(c, otguard, work, bad)
        bogus_header_cases(c, otguard, work, bad, facts)
        not_a_capture_cases(c, otguard, work, bad)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
