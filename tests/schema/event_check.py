#!/usr/bin/python3
"""Checks otguard's JSON Lines output against the event schema (docs/event-schema.md): the
fields every record of each kind must carry, with their types. The same check runs on the
Linux output and on the Windows output (under Wine), so both emit one schema.

Usage: event_check.py MODULE [OPTIONS] FILE              (JSON Lines)
       event_check.py MODULE [OPTIONS] --run CMD ARGS... (runs CMD, checks its standard output;
                                               exit codes 0, 1 and 2 are fine)
MODULE: inventory, scan, hunt, audit, allowlist or nba (the command whose output it is).
OPTIONS: --expect DATASET:FIELD=VALUE[&FIELD=VALUE...] also requires a record of DATASET with these
values (as text; true/false for booleans; a list field must contain VALUE); --absent requires
that there is none.
Every record is checked strictly: the envelope (schema_version 2, @timestamp, event.kind/module/
dataset, host.name on host records), a field not in the tables below is a failure (nba's
free-form otguard.details.* aside), digests must be lower-case hex of their length, kinds and
states from their vocabulary; every alert has a severity (event.severity 1-5 and otguard.severity
naming the same level); a rule.ruleset names a database, never a path (no / or \, no drive).
Exit 0 when every record conforms."""
import re
import json
import subprocess
import sys

STR, INT, LIST, OBJ, BOOL = str, int, list, dict, bool

SCHEMA_VERSION = 2
COMMON = {
    "@timestamp": STR, "event.kind": STR, "event.module": STR, "event.dataset": STR,
    "otguard.schema_version": INT,
}
# The records about a host carry host.name; a network sensor's alerts are about the hosts in
# its traffic and have none.
HOST_MODULES = ("inventory", "scan", "hunt", "audit", "allowlist")
# The envelope's severity (docs/event-schema.md): every alert has both, naming one level.
SEVERITY_FIELDS = {"event.severity": INT, "otguard.severity": STR}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# Per module, per (dataset, event.kind): required fields, and optional ones that must have the
# right type when present. Inventory records may carry no other field (the tables are the
# schema; a field added to the code but not here and to docs/event-schema.md fails).
SEVERITIES = ("info", "low", "medium", "high", "critical")
HASHES = {"md5": STR, "sha1": STR, "sha256": STR}
SIGNATURE = {"exists": BOOL, "status": STR, "trusted": BOOL, "valid": BOOL, "subject_name": STR}


def fields(prefix, table):
    return {f"{prefix}.{k}": v for k, v in table.items()}


INVENTORY = {
    ("otguard.inventory.host", "state"): (
        {"otguard.collectors": LIST},
        {"host.os.family": STR, "host.os.name": STR, "host.os.version": STR,
         "host.os.kernel": STR, "host.architecture": STR, "otguard.os.build": STR,
         "otguard.os.service_pack": STR}),
    ("otguard.inventory.process", "state"): (
        {"process.pid": INT, "process.parent.pid": INT, "process.name": STR},
        {"process.executable": STR, "process.command_line": STR, "process.user.name": STR,
         "process.start": STR, **fields("process.hash", HASHES),
         **fields("process.code_signature", SIGNATURE), "package.name": STR}),
    ("otguard.inventory.service", "state"): (
        {"service.name": STR, "service.state": STR, "service.type": STR,
         "otguard.service.start_type": STR},
        {"otguard.service.display_name": STR, "otguard.service.description": STR,
         "otguard.service.binary_path": STR, "otguard.service.dll": STR,
         "otguard.service.account": STR, "otguard.service.config_path": STR,
         "otguard.service.image": STR, "otguard.service.image_sha256": STR,
         "otguard.service.dll_sha256": STR, "process.pid": INT}),
    ("otguard.inventory.socket", "state"): (
        {"network.transport": STR, "network.type": STR, "source.ip": STR, "source.port": INT,
         "otguard.socket.listening": BOOL},
        {"destination.ip": STR, "destination.port": INT, "process.pid": INT,
         "otguard.socket.state": STR}),
    ("otguard.inventory.hotfix", "state"): (
        {"package.name": STR, "package.type": STR, "otguard.hotfix.source": STR},
        {"package.description": STR, "package.installed": STR}),
    ("otguard.inventory.interface", "state"): (
        {"otguard.interface.name": STR, "otguard.interface.mtu": INT,
         "otguard.interface.up": BOOL, "otguard.interface.loopback": BOOL,
         "otguard.interface.addresses": LIST},
        {"otguard.interface.description": STR, "otguard.interface.mac": STR}),
    ("otguard.inventory.package", "state"): (
        {"package.name": STR, "package.type": STR},
        {"package.version": STR, "package.architecture": STR, "package.installed": STR,
         "otguard.package.publisher": STR}),
    ("otguard.inventory.autorun", "state"): (
        {"otguard.autorun.kind": STR, "otguard.autorun.location": STR,
         "otguard.autorun.name": STR, "otguard.autorun.command": STR,
         "otguard.autorun.enabled": BOOL},
        {"otguard.autorun.image": STR, "otguard.autorun.user": STR,
         "otguard.autorun.schedule": STR, "file.hash.sha256": STR}),
    ("otguard.inventory.image", "state"): (
        {"file.path": STR, "file.size": INT},
        {**fields("file.hash", HASHES), **fields("file.code_signature", SIGNATURE),
         "otguard.code_signature.issuer": STR, "otguard.code_signature.thumbprint_sha1": STR,
         "otguard.code_signature.catalog": BOOL, "otguard.code_signature.catalog_path": STR,
         "package.name": STR, "error.message": STR}),
}
# Fields whose values have a fixed form: lower-case hex digests of their length, and small
# vocabularies.
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "thumbprint_sha1": 40, "image_sha256": 64,
               "dll_sha256": 64}
VOCABULARY = {
    "otguard.autorun.kind": {"run-key", "winlogon", "startup-folder", "scheduled-task",
                             "service", "cron", "systemd-timer", "rc-script"},
    "file.code_signature.status": {"unsigned", "trusted", "untrusted", "invalid"},
    "process.code_signature.status": {"unsigned", "trusted", "untrusted", "invalid"},
    "service.type": {"service", "driver"},
    "network.transport": {"tcp", "udp", "icmp", "ipv6-icmp"},
    "network.type": {"ipv4", "ipv6"},
    "otguard.severity": set(SEVERITIES),
    "otguard.hunt.indicator_kind": {"file", "process", "service", "registry", "listening-port",
                                    "remote-endpoint", "scheduled-task", "autorun"},
    "otguard.hunt.object_type": {"process", "service", "file", "directory", "registry-key",
                                 "registry-value", "socket", "autorun", "scheduled-task",
                                 "hosts-entry"},
    "otguard.step.action": {"block-traffic", "disable-task", "disable-service", "stop-service",
                            "end-process", "delete-service", "delete-file", "delete-directory",
                            "delete-registry-value", "delete-registry-key", "delete-task",
                            "remove-autorun", "remove-hosts-entry", "prevent", "verify"},
    "event.outcome": {"success", "failure", "unknown"},
    "otguard.allowlist.mode": {"monitor", "enforce", "replay"},
    "otguard.allowlist.direction": {"listen", "outbound", "inbound"},
    "otguard.allowlist.mismatch": {"no-rule", "content-changed", "signer-changed",
                                   "signer-not-allowed", "unmatchable-path", "unknown-service",
                                   "unknown-peer"},
    "network.direction": {"inbound", "outbound"},
    "event.kind": {"alert", "event", "metric", "state"},
    "otguard.audit.status": {"fail", "unknown", "pass"},
    "rule.category": {"malware", "exploit", "lateral-movement", "scan", "download", "mining",
                      "c2", "ics-write", "new-talker", "new-service", "policy", "ioc",
                      "hardening"},
}
# Vocabularies of one dataset's field.
DATASET_VOCABULARY = {
    ("otguard.allowlist", "rule.name"): {"allowlist.process.unknown",
                                         "allowlist.program.modified",
                                         "allowlist.network.unknown"},
}
# List fields that hold something other than strings.
NON_STRING_LISTS = {"otguard.collectors", "otguard.step.after", "otguard.hunt.packs"}
SCAN = {
    ("otguard.scan", "alert"): (
        {"file.path": STR, "file.size": INT, "rule.name": STR, "rule.category": STR,
         "rule.ruleset": STR, "otguard.engine": STR, "event.category": LIST, "event.type": LIST,
         "event.action": STR, **SEVERITY_FIELDS},
        {"file.hash.md5": STR, "file.hash.sha1": STR, "file.hash.sha256": STR,
         "otguard.quarantine.id": STR, "rule.id": STR, "rule.version": STR}),
    ("otguard.scan.quarantine", "state"): (
        {"file.path": STR, "file.size": INT, "event.action": STR, "otguard.quarantine.id": STR,
         "otguard.quarantine.rules": LIST, "otguard.quarantine.at": STR},
        {"file.hash.md5": STR, "file.hash.sha1": STR, "file.hash.sha256": STR, "user.name": STR}),
    ("otguard.scan", "event"): (
        {"file.path": STR, "error.type": STR, "error.message": STR, "event.category": LIST,
         "event.type": LIST, "event.outcome": STR},
        {}),
    ("otguard.scan.summary", "metric"): (
        {"otguard.scan.files": INT, "otguard.scan.bytes": INT, "otguard.scan.detections": INT,
         "otguard.scan.errors": INT, "otguard.scan.skipped": INT,
         "otguard.scan.seconds": (int, float), "otguard.scan.threads": INT},
        {"otguard.scan.yara_files_rejected": INT}),
}
HUNT = {
    ("otguard.hunt.finding", "alert"): (
        {**SEVERITY_FIELDS, "rule.id": STR, "rule.name": STR, "rule.ruleset": STR,
         "rule.version": STR, "otguard.hunt.indicator_kind": STR,
         "otguard.hunt.object_type": STR, "otguard.hunt.object": STR,
         "otguard.hunt.evidence": LIST},
        {"rule.reference": STR, "threat.framework": STR, "threat.technique.id": LIST,
         "threat.technique.name": LIST, "process.pid": INT, "process.name": STR,
         "process.executable": STR, "process.command_line": STR, "process.parent.pid": INT,
         "process.parent.name": STR, "process.parent.executable": STR, "service.name": STR,
         "service.state": STR, **fields("otguard.service", {
             "binary_path": STR, "dll": STR, "display_name": STR, "config_path": STR}),
         "file.path": STR, "file.type": STR, "file.hash.sha256": STR, "file.hash.md5": STR,
         "registry.key": STR, "registry.value": STR, "registry.hive": STR,
         "registry.path": STR, "registry.data.strings": LIST, "network.transport": STR,
         "source.ip": STR, "source.port": INT, "destination.ip": STR, "destination.port": INT,
         **fields("otguard.autorun", {k: STR for k in (
             "kind", "location", "name", "command", "image", "user")}),
         "otguard.hosts_entry.line": INT, "otguard.hosts_entry.text": STR,
         "otguard.script.used_by": STR}),
    ("otguard.hunt.step", "state"): (
        {**fields("otguard.step", {"number": INT, "action": STR, "target": STR, "what": STR,
                                   "why": STR, "check_first": LIST, "notes": LIST,
                                   "command": STR, "after": LIST})},
        {}),
    ("otguard.hunt.summary", "state"): (
        {"event.outcome": STR, **fields("otguard.hunt", {
            "findings": INT, "steps": INT, "packs": LIST, "incomplete": LIST,
            "seconds": (int, float)})},
        {"otguard.hunt.by_severity": OBJ,
         **{f"otguard.hunt.by_severity.{s}": INT for s in SEVERITIES}}),
}
AUDIT_COMMON = {"host.os.family": STR, "host.os.name": STR, "host.os.version": STR,
                "otguard.audit.root": STR}
AUDIT = {
    ("otguard.audit", "state"): (
        {**SEVERITY_FIELDS, "event.category": LIST, "event.type": LIST, "event.outcome": STR,
         "rule.id": STR, "rule.name": STR, "rule.category": STR, "rule.ruleset": STR,
         "rule.version": STR, "otguard.audit.status": STR, "otguard.audit.evidence": STR},
        {**AUDIT_COMMON, "rule.reference": STR, "otguard.audit.fix": STR,
         "otguard.audit.references": LIST}),
    ("otguard.audit.summary", "metric"): (
        {**fields("otguard.audit", {"checks": INT, "failing": INT, "unknown": INT,
                                    "passing": INT}),
         **{f"otguard.audit.failing_by_severity.{s}": INT for s in SEVERITIES}},
        AUDIT_COMMON),
}
NBA = {
    ("otguard.nba", "alert"): (
        {**SEVERITY_FIELDS, "event.category": LIST, "event.type": LIST, "event.action": STR,
         "rule.name": STR, "rule.category": STR, "rule.description": STR, "rule.ruleset": STR,
         "rule.version": STR, "source.ip": STR, "destination.ip": STR,
         "network.transport": STR, "otguard.evidence.packet_index": INT,
         "otguard.evidence.packet_time": STR},
        {"threat.framework": STR, "threat.technique.id": LIST, "threat.technique.name": LIST,
         "source.port": INT, "destination.port": INT, "destination.domain": STR,
         "network.protocol": STR, "network.community_id": STR,
         "otguard.evidence.flow_id": INT, "otguard.evidence.flow_start": STR,
         "otguard.evidence.packet_times": LIST, "otguard.operation": STR,
         **{f"otguard.assets.{side}.{k}": STR for side in ("source", "destination")
            for k in ("name", "role")}}),
}
ALLOWLIST = {
    ("otguard.allowlist", "alert"): (
        {**SEVERITY_FIELDS, "event.category": LIST, "event.type": LIST, "event.action": STR,
         "rule.name": STR, "rule.category": STR, "rule.ruleset": STR, "process.pid": INT,
         "otguard.allowlist.mode": STR, "otguard.allowlist.mismatch": STR,
         "otguard.allowlist.reason": STR},
        {"rule.id": STR, "threat.framework": STR, "threat.technique.id": LIST,
         "threat.technique.name": LIST, "process.name": STR, "process.executable": STR,
         "process.command_line": STR, "process.hash.sha256": STR,
         "process.code_signature.subject_name": STR, "process.parent.pid": INT,
         "process.parent.executable": STR, "user.name": STR, "package.name": STR,
         "source.ip": STR, "source.port": INT, "destination.ip": STR, "destination.port": INT,
         "network.transport": STR, "network.direction": STR,
         "otguard.allowlist.direction": STR}),
}
# Fields whose content is the analyser's own (docs/event-schema.md: otguard.details.<protocol>).
FREE_FORM = ("otguard.details.",)
MODULES = {"inventory": INVENTORY, "scan": SCAN, "hunt": HUNT, "audit": AUDIT, "nba": NBA,
           "allowlist": ALLOWLIST}
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
    check_envelope(module, n, key, record, problems)
    required, optional = tables[key]
    for field, kind in required.items():
        if not typed(get(record, field), kind):
            problems.append(f"record {n} ({key[0]}): {field} missing or not {kind}")
    for field, kind in optional.items():
        value = get(record, field)
        if value is not None and not typed(value, kind):
            problems.append(f"record {n} ({key[0]}): {field} is not {kind}")
    check_inventory_values(n, key[0], record, {**COMMON, "host.name": STR, **required,
                                               **optional}, problems)
    if key[0] == "otguard.inventory.host":
        for c in record["otguard"]["collectors"]:
            for field, kind in COLLECTOR.items():
                if not isinstance(c.get(field), kind):
                    problems.append(f"record {n}: collector {c} lacks {field}")
            if c.get("status") not in STATUSES:
                problems.append(f"record {n}: collector status {c.get('status')!r}")
    return key


def check_envelope(module, n, key, record, problems):
    """What every record shares (otguard/base/event.h): the version, the time, the host, the
    severity of alerts and a ruleset that is a name, not a path."""
    if get(record, "otguard.schema_version") != SCHEMA_VERSION:
        problems.append(f"record {n}: otguard.schema_version is not {SCHEMA_VERSION}")
    if not TIMESTAMP.match(str(get(record, "@timestamp"))):
        problems.append(f"record {n}: @timestamp {get(record, '@timestamp')!r} is not RFC 3339 "
                        "UTC with milliseconds")
    host = get(record, "host.name")
    if module in HOST_MODULES and not (typed(host, STR) and host):
        problems.append(f"record {n}: host.name missing")
    if module not in HOST_MODULES and host is not None:
        problems.append(f"record {n}: host.name on a {module} record")
    number, name = get(record, "event.severity"), get(record, "otguard.severity")
    if key[1] == "alert" and (number is None or name is None):
        problems.append(f"record {n}: an alert without event.severity and otguard.severity")
    if (number is None) != (name is None) or (
            number is not None and (not typed(number, INT) or not 1 <= number <= 5 or
                                    SEVERITIES[number - 1] != name)):
        problems.append(f"record {n}: event.severity {number!r} and otguard.severity {name!r} "
                        "do not name one level of 1 info ... 5 critical")
    ruleset = get(record, "rule.ruleset")
    if ruleset is not None and (not typed(ruleset, STR) or not ruleset or
                                re.search(r"[/\\]|^[A-Za-z]:", ruleset)):
        problems.append(f"record {n}: rule.ruleset {ruleset!r} is not a database name "
                        "(a path of the machine it ran on?)")


def leaves(node, prefix=""):
    """The dotted names and values of a record's fields (lists are values)."""
    for name, value in node.items():
        dotted = prefix + name
        if isinstance(value, dict) and value:
            yield from leaves(value, dotted + ".")
        else:
            yield dotted, value


def check_inventory_values(n, dataset, record, known, problems):
    for field, value in leaves(record):
        if field.startswith(FREE_FORM):
            continue
        if field not in known:
            problems.append(f"record {n} ({dataset}): {field} is not in the schema")
            continue
        last = field.rsplit(".", 1)[-1]
        if last in HEX_LENGTHS and isinstance(value, str) and (
                len(value) != HEX_LENGTHS[last] or value.strip("0123456789abcdef")):
            problems.append(f"record {n} ({dataset}): {field} is not lower-case hex of "
                            f"{HEX_LENGTHS[last]} digits: {value!r}")
        if field in VOCABULARY and value not in VOCABULARY[field]:
            problems.append(f"record {n} ({dataset}): {field} is {value!r}")
        words = DATASET_VOCABULARY.get((dataset, field))
        if words is not None and value not in words:
            problems.append(f"record {n} ({dataset}): {field} is {value!r}")
        if isinstance(value, list) and not all(isinstance(v, STR) for v in value) and \
                field not in NON_STRING_LISTS:
            problems.append(f"record {n} ({dataset}): {field} is not a list of strings")


def as_text(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def check_expectations(records, expectations, problems):
    """--expect / --absent DATASET:FIELD=VALUE[&FIELD=VALUE...]: some record (no record) of
    DATASET has every FIELD equal to its VALUE (compared as text, booleans as true/false; a list
    field matches when it contains VALUE)."""
    for wanted, expectation in expectations:
        dataset, _, rest = expectation.partition(":")
        conditions = [c.partition("=")[::2] for c in rest.split("&")]

        def matches(r):
            for field, value in conditions:
                got = get(r, field)
                if isinstance(got, list):
                    if value not in [as_text(v) for v in got]:
                        return False
                elif got is None or as_text(got) != value:
                    return False
            return True
        found = any(get(r, "event.dataset") == dataset and matches(r) for r in records)
        if found != wanted:
            problems.append(f"{'no' if wanted else 'a'} {dataset} record has {rest!r}")


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
        raise SystemExit(f"unknown module {module!r}: {', '.join(MODULES)}")
    args, expectations = sys.argv[2:], []
    while len(args) >= 2 and args[0] in ("--expect", "--absent"):
        expectations.append((args[0] == "--expect", args[1]))
        args = args[2:]
    lines = read_lines(args)
    problems, seen, records = [], {}, []
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as e:
            problems.append(f"record {n}: not JSON: {e}")
            continue
        records.append(record)
        key = check_record(module, n, record, problems)
        seen["/".join(map(str, key))] = seen.get("/".join(map(str, key)), 0) + 1
    first = json.loads(lines[0]) if lines else {}
    if module == "inventory" and get(first, "event.dataset") != "otguard.inventory.host":
        problems.append("the first record is not the host record")
    last = json.loads(lines[-1]) if lines else {}
    summary_last = module in ("scan", "hunt", "audit") and get(first, "event.dataset") not in (
        "otguard.scan.quarantine",)
    if summary_last and get(last, "event.dataset") != f"otguard.{module}.summary":
        problems.append("the last record is not the summary")
    check_expectations(records, expectations, problems)
    for p in problems[:50]:
        print("SCHEMA:", p)
    print("records per dataset/kind:", json.dumps(seen, sort_keys=True))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
