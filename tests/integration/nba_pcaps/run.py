#!/usr/bin/env python3
"""Replays the real captures (and the incident capture built from them) through `otguard nba`
and compares the alerts with reviewed baselines in expected/ (one line per distinct alert:
rule, category, source address, destination address and port), plus the facts a responder
relies on: the propagation graph and patient zero, the learned baseline silencing normal
traffic, the protocols recognised in the statistics, EVE output, and 1 vs 2 threads.

  run.py --otguard BIN --pcaps DIR --work DIR            # check
  run.py --otguard BIN --pcaps DIR --work DIR --update   # rewrite expected/ (then review the diff!)
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EXPECTED = os.path.join(HERE, "expected")
LAYOUT = os.path.join(ROOT, "tests", "integration", "nba_incident_layout.json")
SCHEMA_CHECK = os.path.join(ROOT, "tests", "schema", "event_check.py")

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what, flush=True)


def run(cmd, ok=(0, 1)):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode not in ok:
        print("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
        sys.exit(1)
    return p


def analyze(args, files, extra=()):
    p = run([args.otguard, "nba", "analyze", "--json", *extra, *files])
    alerts = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    if alerts:
        conforms(args, p.stdout, os.path.basename(files[0]))
    return alerts, p


def conforms(args, output, what):
    """The alerts conform to the event schema, as every command's JSON does."""
    path = os.path.join(args.work, "alerts.json")
    with open(path, "w") as f:
        f.write(output)
    r = subprocess.run([sys.executable, SCHEMA_CHECK, "nba", path], capture_output=True,
                       text=True)
    check(r.returncode == 0, "%s: the alerts conform to the event schema\n%s" % (what, r.stdout))


def identity(a):
    dst = a["destination"]["ip"]
    if "port" in a["destination"]:
        dst += ":%d" % a["destination"]["port"]
    return "%s %s %s -> %s" % (a["rule"]["name"], a["rule"]["category"], a["source"]["ip"], dst)


def compare(args, name, alerts):
    got = sorted(set(identity(a) for a in alerts))
    path = os.path.join(EXPECTED, name + ".alerts")
    if args.update:
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in got))
        print("updated %s (%d lines): review the diff before committing" % (path, len(got)))
        return
    try:
        with open(path) as f:
            want = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        want = []
        check(False, "%s: no baseline %s" % (name, path))
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    for m in missing:
        print("  missing: " + m)
    for e in extra:
        print("  unexpected: " + e)
    check(not missing and not extra, "%s: alerts differ from %s" % (name, path))


def graph(args, files):
    out = os.path.join(args.work, "graph.json")
    run([args.otguard, "nba", "graph", "--json", out, *files], ok=(0,))
    with open(out) as f:
        return json.load(f)


def edges(g, kind):
    return [(e["from"], e["to"]) for e in g["edges"] if e["kind"] == kind]


def check_wannacry(args, pcaps):
    f = [os.path.join(pcaps, "wannacry.pcap")]
    alerts, _ = analyze(args, f)
    compare(args, "wannacry", alerts)
    exploit_pairs = {(a["source"]["ip"], a["destination"]["ip"]) for a in alerts
                     if a["rule"]["category"] == "exploit"}
    p = "192.168.116."
    for victim in ("138", "143", "150", "172"):
        check((p + "149", p + victim) in exploit_pairs, "wannacry: exploit alert .149 -> ." + victim)
    check(any(s == p + "138" and d != p + "149" for s, d in exploit_pairs),
          "wannacry: the infected .138 attacks its own targets")
    for a in alerts:
        check(a["otguard"]["schema_version"] == 2 and "evidence" in a["otguard"],
              "wannacry: alert carries schema version and evidence")
        break
    g = graph(args, f)
    check(g["patient_zero"][:1] == [p + "149"], "wannacry: patient zero is .149: %s" % g["patient_zero"])
    first_wave = [to for fr, to in edges(g, "exploit") if fr == p + "149"][:4]
    check(sorted(first_wave) == sorted(p + v for v in ("138", "143", "150", "172")),
          "wannacry: first wave .149 -> .138/.143/.150/.172 in time order: %s" % first_wave)
    times = [e["first"] for e in g["edges"]]
    check(times == sorted(times), "wannacry: graph edges in time order")
    infected = {n["ip"] for n in g["nodes"] if n["infected"]}
    check(p + "138" in infected, "wannacry: .138 marked infected")
    # EVE output: one Suricata-style alert per line, same count.
    eve = os.path.join(args.work, "eve.json")
    _, _ = analyze(args, f, ["--eve", eve])
    with open(eve) as fh:
        eve_alerts = [json.loads(l) for l in fh if l.strip()]
    check(len(eve_alerts) == len(alerts) and all(e["event_type"] == "alert" for e in eve_alerts),
          "wannacry: EVE file has one alert record per alert")
    # Two engine threads: the same alerts, byte for byte.
    two, _ = analyze(args, f, ["--threads", "2"])
    check(two == alerts, "wannacry: --threads 2 gives the same alerts as one thread")


def check_simple(args, pcaps, name, pcap):
    alerts, _ = analyze(args, [os.path.join(pcaps, pcap)])
    compare(args, name, alerts)
    return alerts


def check_baseline(args, pcaps):
    f = os.path.join(pcaps, "modbus-scada-mb2.pcap")
    bl = os.path.join(args.work, "mb2.baseline")
    run([args.otguard, "nba", "learn", "--out", bl, f], ok=(0,))
    alerts, p = analyze(args, [f], ["--baseline", bl])
    check(p.returncode == 0 and alerts == [],
          "mb2 analysed against its own baseline: zero alerts (got %d)" % len(alerts))
    stats = json.loads(run([args.otguard, "nba", "stats", "--json", f], ok=(0,)).stdout)
    for proto in ("modbus", "s7comm", "enip"):
        check(stats["protocols"].get(proto, {}).get("flows", 0) > 0,
              "mb2 statistics recognise %s" % proto)
    hosts = {h["ip"]: h for h in stats["hosts"]}
    scada = hosts.get("141.81.0.10", {})
    check(scada.get("peers", 0) > 30 and "tcp/502" in scada.get("sessions_by_destination_port", {}),
          "mb2 statistics: the SCADA server's peers and Modbus sessions")
    # Without the baseline the controller writes are ICS-write alerts.
    plain, _ = analyze(args, [f])
    compare(args, "mb2-no-baseline", plain)


def check_incident(args, pcaps):
    pcap = os.path.join(args.work, "incident.pcap")
    normal = os.path.join(args.work, "day-before.pcap")
    run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "make-incident-pcap.py"),
         "--pcaps", pcaps, "--out", pcap, "--normal", normal], ok=(0,))
    with open(LAYOUT) as fh:
        layout = json.load(fh)
    ip = {h["name"]: h["ip"] for h in layout["hosts"]}
    alerts, _ = analyze(args, [pcap])
    compare(args, "incident", alerts)
    cats = {a["rule"]["category"] for a in alerts}
    for c in ("exploit", "lateral-movement", "download", "mining"):
        check(c in cats, "incident: %s alerts present" % c)
    downloads = [a for a in alerts if a["rule"]["category"] == "download"]
    # The serving side is the actor: source ES-01:26931, destination OS-01.
    check(any(a["source"]["ip"] == ip["ES-01"] and a["source"]["port"] == 26931
              and a["destination"]["ip"] == ip["OS-01"] and a["event"]["severity"] >= 4
              for a in downloads),
          "incident: OS-01 fetched the worm from ES-01 on 26931 (high)")
    mining = [a for a in alerts if a["rule"]["category"] == "mining"]
    check(any(a["destination"].get("port") == 45560 and
              "minergate" in a["destination"].get("domain", "") for a in mining),
          "incident: Stratum on 45560 named after the pool through the DNS CNAME")
    check(any(a["rule"]["name"].startswith("dns.") for a in mining),
          "incident: the pool lookup (CNAME to the pool) is flagged")
    g = graph(args, [pcap])
    check(g["patient_zero"][:1] == [ip["ES-01"]],
          "incident: patient zero is ES-01: %s" % g["patient_zero"])
    infected = {n["ip"] for n in g["nodes"] if n["infected"]}
    check(ip["OS-01"] in infected, "incident: OS-01 infected")
    check((ip["ES-01"], ip["OS-01"]) in edges(g, "download"), "incident: download edge ES-01 -> OS-01")
    # With the plant's names: alerts and graph speak of ES-01 and OS-01.
    named, _ = analyze(args, [pcap], ["--assets", LAYOUT])
    check(any(a["rule"]["category"] == "exploit" and
              a["otguard"].get("assets", {}).get("source", {}).get("name") == "ES-01"
              for a in named), "incident with --assets: exploit alerts name ES-01")
    gn = os.path.join(args.work, "graph-named.json")
    run([args.otguard, "nba", "graph", "--assets", LAYOUT, "--json", gn, pcap], ok=(0,))
    with open(gn) as fh:
        named_graph = json.load(fh)
    pz = [n for n in named_graph["nodes"] if n["ip"] == ip["ES-01"]]
    check(pz and pz[0].get("asset", {}).get("role") == "engineering-station",
          "incident graph with --assets: patient zero is the engineering station")
    miners = [n for n in g["nodes"] if "miner" in n["notes"]]
    check(any(n["ip"] == ip["OS-01"] for n in miners), "incident: OS-01 noted as a miner")
    # Against the day before: the control network's writes are known, the worm is new.
    bl = os.path.join(args.work, "plant.baseline")
    run([args.otguard, "nba", "learn", "--out", bl, normal], ok=(0,))
    against, _ = analyze(args, [pcap], ["--baseline", bl])
    compare(args, "incident-baseline", against)
    check(not any(a["rule"]["category"] == "ics-write" for a in against),
          "incident with baseline: the control network's usual writes are not alerts")
    first_smb = {(a["source"]["ip"], a["destination"]["ip"]) for a in against
                 if a["rule"]["name"] == "nba.first_smb"}
    check((ip["ES-01"], ip["OS-01"]) in first_smb, "incident with baseline: first SMB ES-01 -> OS-01")
    check(any(a["rule"]["name"] == "nba.new_service" and a["destination"]["port"] == 26931
              for a in against), "incident with baseline: the worm's web server is a new service")


PACK = """format = 1
id = "wire"
name = "Wire test"
version = "2026.12.04"

[[indicator]]
id = "url"
kind = "remote-endpoint"
title = "Listed URL"
severity = "critical"
urls = ["%s"]
"""


def check_iocs(args, pcaps):
    """IOC packs on the command line: a URL alerts on the captured request and never on the
    host's other URLs; a pack with nothing the wire can show is refused; --no-builtin-iocs
    takes the built-in pack's matches away."""
    f = [os.path.join(pcaps, "gopacket", "test_ethernet.pcap")]

    def with_url(url):
        path = os.path.join(args.work, "wire.toml")
        with open(path, "w") as fh:
            fh.write(PACK % url)
        return analyze(args, f, ["--no-builtin-iocs", "--pack", path])

    alerts, p = with_url("http://10.1.1.1/")
    check(p.returncode == 1 and [a["rule"]["name"] for a in alerts] == ["ioc.wire.url"],
          "iocs: the captured request for http://10.1.1.1/ is one alert (%s)" % p.stderr)
    if alerts:
        a = alerts[0]
        check(a["rule"]["ruleset"] == "wire" and a["rule"]["version"] == "2026.12.04" and
              a["event"]["severity"] == 5 and
              a["otguard"]["details"]["ioc"]["seen"] == "http request",
              "iocs: the alert names the pack, its version, the severity and where")
    alerts, p = with_url("http://10.1.1.1/login.asp")
    check(p.returncode == 0 and alerts == [],
          "iocs: another URL on the same host (the redirect target) is no alert")
    hashes = os.path.join(args.work, "hashes.toml")
    with open(hashes, "w") as fh:
        fh.write(PACK.replace('kind = "remote-endpoint"', 'kind = "file"').replace(
            'urls = ["%s"]', 'sha256 = ["' + "a" * 64 + '"]'))
    p = run([args.otguard, "nba", "analyze", "--pack", hashes, *f], ok=(2,))
    check("no indicator that traffic can show" in p.stderr,
          "iocs: a pack without wire indicators is refused: %s" % p.stderr.strip())
    incident = os.path.join(args.work, "incident.pcap")
    plain, _ = analyze(args, [incident], ["--no-builtin-iocs"])
    check(not any(a["rule"]["category"] == "ioc" for a in plain),
          "iocs: --no-builtin-iocs leaves the built-in pack out")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--otguard", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    check_wannacry(args, args.pcaps)
    check_simple(args, args.pcaps, "metasploit", "ms17-010-metasploit-win7x64.pcap")
    neg = check_simple(args, args.pcaps, "patched", "eternalblue-failed-patched-win7.pcap")
    check(not any(a["rule"]["category"] == "exploit" for a in neg), "patched host: no exploit alert")
    check_simple(args, args.pcaps, "slow-scan", "smb-445-slow-scan.pcap")
    mining = check_simple(args, args.pcaps, "mining", "mining.pcapng")
    stratum = [a for a in mining if a["rule"]["name"] == "stratum.session"]
    check(len({a["destination"]["port"] for a in stratum}) == 3,
          "mining: each of the three Stratum sessions flagged")
    for a in stratum:
        s = a["otguard"]["details"]["stratum"]
        check(s.get("variant") and "agent" in s, "mining: variant and agent on %s" % identity(a))
    check_baseline(args, args.pcaps)
    check_incident(args, args.pcaps)
    check_iocs(args, args.pcaps)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
