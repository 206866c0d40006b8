#!/usr/bin/python3
"""Checks `otguard inventory --json` output against the inventory part of the event schema
(docs/event-schema.md): the fields every record of each dataset must carry, with their types.
The same check runs on the Linux output and on the Windows output (under Wine), so both emit
one schema.

Usage: inventory_check.py FILE            (JSON Lines)
       inventory_check.py --run CMD ARGS...  (runs the command and checks its standard output)
Exit 0 when every record conforms."""
import json
import subprocess
import sys

STR, INT, LIST, OBJ, BOOL = str, int, list, dict, bool

COMMON = {
    "@timestamp": STR, "event.kind": STR, "event.module": STR, "event.dataset": STR,
    "host.name": STR, "otguard.schema_version": INT,
}
# Required fields per dataset, and optional ones that must have the right type when present.
DATASETS = {
    "otguard.inventory.host": (
        {"otguard.collectors": LIST},
        {"host.os.family": STR, "host.os.name": STR, "host.os.version": STR,
         "host.os.kernel": STR, "host.architecture": STR, "otguard.os.build": STR,
         "otguard.os.service_pack": STR}),
    "otguard.inventory.process": (
        {"process.pid": INT, "process.parent.pid": INT, "process.name": STR},
        {"process.executable": STR, "process.command_line": STR, "process.user.name": STR,
         "process.start": STR}),
    "otguard.inventory.service": (
        {"service.name": STR, "service.state": STR, "service.type": STR,
         "otguard.service.start_type": STR},
        {"otguard.service.display_name": STR, "otguard.service.description": STR,
         "otguard.service.binary_path": STR, "otguard.service.dll": STR,
         "otguard.service.account": STR, "process.pid": INT}),
    "otguard.inventory.socket": (
        {"network.transport": STR, "network.type": STR, "source.ip": STR, "source.port": INT,
         "otguard.socket.listening": BOOL},
        {"destination.ip": STR, "destination.port": INT, "process.pid": INT,
         "otguard.socket.state": STR}),
    "otguard.inventory.hotfix": (
        {"package.name": STR, "package.type": STR, "otguard.hotfix.source": STR},
        {"package.description": STR, "package.installed": STR}),
}
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
    if kind is INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def check_record(n, record, problems):
    for field, kind in COMMON.items():
        if not typed(get(record, field), kind):
            problems.append(f"record {n}: {field} missing or not {kind}")
    dataset = get(record, "event.dataset")
    if dataset not in DATASETS:
        problems.append(f"record {n}: unknown dataset {dataset!r}")
        return dataset
    if record["event"]["kind"] != "state" or record["event"]["module"] != "inventory":
        problems.append(f"record {n}: event.kind/module are not state/inventory")
    required, optional = DATASETS[dataset]
    for field, kind in required.items():
        if not typed(get(record, field), kind):
            problems.append(f"record {n} ({dataset}): {field} missing or not {kind}")
    for field, kind in optional.items():
        value = get(record, field)
        if value is not None and not typed(value, kind):
            problems.append(f"record {n} ({dataset}): {field} is not {kind}")
    if dataset == "otguard.inventory.host":
        for c in record["otguard"]["collectors"]:
            for field, kind in COLLECTOR.items():
                if not isinstance(c.get(field), kind):
                    problems.append(f"record {n}: collector {c} lacks {field}")
            if c.get("status") not in STATUSES:
                problems.append(f"record {n}: collector status {c.get('status')!r}")
    return dataset


def read_lines():
    if sys.argv[1] == "--run":
        out = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, timeout=300, check=True).stdout
        return [line for line in out.decode("utf-8").splitlines() if line.strip()]
    with open(sys.argv[1], encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def main():
    lines = read_lines()
    problems, seen = [], {}
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as e:
            problems.append(f"record {n}: not JSON: {e}")
            continue
        dataset = check_record(n, record, problems)
        seen[dataset] = seen.get(dataset, 0) + 1
    if not lines or json.loads(lines[0])["event"]["dataset"] != "otguard.inventory.host":
        problems.append("the first record is not the host record")
    for p in problems[:50]:
        print("SCHEMA:", p)
    print("records per dataset:", json.dumps(seen, sort_keys=True))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
