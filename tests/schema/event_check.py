#!/usr/bin/python3
"""Checks otguard's JSON Lines output against the event schema (docs/event-schema.md): the
fields every record of each kind must carry, with their types. The same check runs on the
Linux output and on the Windows output (under Wine), so both emit one schema.

Usage: event_check.py inventory|scan FILE              (JSON Lines)
       event_check.py inventory|scan --run CMD ARGS... (runs CMD, checks its standard output;
                                                        scan's exit codes 0, 1 and 2 are fine)
Exit 0 when every record conforms."""
import json
import subprocess
import sys

STR, INT, LIST, OBJ, BOOL = str, int, list, dict, bool

COMMON = {
    "@timestamp": STR, "event.kind": STR, "event.module": STR, "event.dataset": STR,
    "otguard.schema_version": INT,
}
# Per module, per (dataset, event.kind): required fields, and optional ones that must have the
# right type when present.
INVENTORY = {
    ("otguard.inventory.host", "state"): (
        {"otguard.collectors": LIST},
        {"host.os.family": STR, "host.os.name": STR, "host.os.version": STR,
         "host.os.kernel": STR, "host.architecture": STR, "otguard.os.build": STR,
         "otguard.os.service_pack": STR}),
    ("otguard.inventory.process", "state"): (
        {"process.pid": INT, "process.parent.pid": INT, "process.name": STR},
        {"process.executable": STR, "process.command_line": STR, "process.user.name": STR,
         "process.start": STR}),
    ("otguard.inventory.service", "state"): (
        {"service.name": STR, "service.state": STR, "service.type": STR,
         "otguard.service.start_type": STR},
        {"otguard.service.display_name": STR, "otguard.service.description": STR,
         "otguard.service.binary_path": STR, "otguard.service.dll": STR,
         "otguard.service.account": STR, "process.pid": INT}),
    ("otguard.inventory.socket", "state"): (
        {"network.transport": STR, "network.type": STR, "source.ip": STR, "source.port": INT,
         "otguard.socket.listening": BOOL},
        {"destination.ip": STR, "destination.port": INT, "process.pid": INT,
         "otguard.socket.state": STR}),
    ("otguard.inventory.hotfix", "state"): (
        {"package.name": STR, "package.type": STR, "otguard.hotfix.source": STR},
        {"package.description": STR, "package.installed": STR}),
}
SCAN = {
    ("otguard.scan", "alert"): (
        {"file.path": STR, "file.size": INT, "rule.name": STR, "rule.category": STR,
         "rule.ruleset": STR, "otguard.engine": STR, "event.category": LIST, "event.type": LIST,
         "event.action": STR},
        {"file.hash.md5": STR, "file.hash.sha1": STR, "file.hash.sha256": STR,
         "otguard.quarantine.id": STR}),
    ("otguard.scan", "event"): (
        {"file.path": STR, "error.type": STR, "error.message": STR, "event.category": LIST,
         "event.type": LIST, "event.outcome": STR},
        {}),
    ("otguard.scan.summary", "metric"): (
        {"otguard.scan.files": INT, "otguard.scan.bytes": INT, "otguard.scan.detections": INT,
         "otguard.scan.errors": INT, "otguard.scan.skipped": INT,
         "otguard.scan.seconds": (int, float), "otguard.scan.threads": INT},
        {}),
}
MODULES = {"inventory": INVENTORY, "scan": SCAN}
COLLECTOR = {"name": STR, "status": STR, "count": INT, "seconds": (int, float)}
STATUSES = {"ok", "unsupported", "denied", "error"}


def get(record, dotted):
    node = record
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def typed(value, kind):
    if isinstance(value, bool) and kind is not BOOL:
        return False  # JSON true is not a number
    return isinstance(value, kind)


def check_record(module, n, record, problems):
    for field, kind in COMMON.items():
        if not typed(get(record, field), kind):
            problems.append(f"record {n}: {field} missing or not {kind}")
    key = (get(record, "event.dataset"), get(record, "event.kind"))
    tables = MODULES[module]
    if key not in tables:
        problems.append(f"record {n}: unknown dataset/kind {key!r}")
        return key
    if get(record, "event.module") != module:
        problems.append(f"record {n}: event.module is not {module}")
    if module == "inventory" and not typed(get(record, "host.name"), STR):
        problems.append(f"record {n}: host.name missing")
    required, optional = tables[key]
    for field, kind in required.items():
        if not typed(get(record, field), kind):
            problems.append(f"record {n} ({key[0]}): {field} missing or not {kind}")
    for field, kind in optional.items():
        value = get(record, field)
        if value is not None and not typed(value, kind):
            problems.append(f"record {n} ({key[0]}): {field} is not {kind}")
    if key[0] == "otguard.inventory.host":
        for c in record["otguard"]["collectors"]:
            for field, kind in COLLECTOR.items():
                if not isinstance(c.get(field), kind):
                    problems.append(f"record {n}: collector {c} lacks {field}")
            if c.get("status") not in STATUSES:
                problems.append(f"record {n}: collector status {c.get('status')!r}")
    return key


def read_lines(args):
    if args[0] == "--run":
        run = subprocess.run(args[1:], stdout=subprocess.PIPE, timeout=300)
        if run.returncode not in (0, 1, 2):
            raise SystemExit(f"{args[1]} ended with exit code {run.returncode}")
        return [line for line in run.stdout.decode("utf-8").splitlines() if line.strip()]
    with open(args[0], encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def main():
    module = sys.argv[1]
    if module not in MODULES:
        raise SystemExit(f"unknown module {module!r}: inventory or scan")
    lines = read_lines(sys.argv[2:])
    problems, seen = [], {}
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as e:
            problems.append(f"record {n}: not JSON: {e}")
            continue
        key = check_record(module, n, record, problems)
        seen["/".join(map(str, key))] = seen.get("/".join(map(str, key)), 0) + 1
    first = json.loads(lines[0]) if lines else {}
    if module == "inventory" and get(first, "event.dataset") != "otguard.inventory.host":
        problems.append("the first record is not the host record")
    last = json.loads(lines[-1]) if lines else {}
    if module == "scan" and get(last, "event.dataset") != "otguard.scan.summary":
        problems.append("the last record is not the summary")
    for p in problems[:50]:
        print("SCHEMA:", p)
    print("records per dataset/kind:", json.dumps(seen, sort_keys=True))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
