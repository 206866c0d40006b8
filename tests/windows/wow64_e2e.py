#!/usr/bin/python3
"""The i686 otguard.exe on 64-bit Windows (WOW64) sees what the x86_64 one sees, under Wine.

  wow64_e2e.py --wine WINE64 --prefix DIR --otguard32 EXE --otguard64 EXE --child EXE --work DIR

In a 64-bit prefix, a 32-bit process that asks for System32 gets SysWOW64, and one that opens
HKLM\\SOFTWARE gets Wow6432Node, unless it asks for the native ones (Sysnative,
KEY_WOW64_64KEY). Planted where only the native views show them:
  - a program, an EICAR file and a task XML in the native System32 (not in SysWOW64);
  - a Run value in the 64-bit HKLM view naming that program, and one in Wow6432Node;
  - an automatic service whose binary is that program;
  - MsraMiner's archive NrsDataCache.tlb in the native System32, and its NetTraceDiagnostics.ini
    in SysWOW64 (the built-in hunt pack names both folders for both).
Then, on the same prefix, both exes must give the same `inventory` (host OS and architecture,
services, hotfixes, packages, autoruns, interfaces), `scan` of that System32 folder, `hunt`
and `audit`; and the plants must be in it, under their System32 names, with the program's
hash (read from the native file). Everything planted is removed afterwards."""
import argparse
import hashlib
import json
import os
import shutil

from windows_e2e import EICAR
from wine import Wine, check, json_lines

DEADLINE = 180  # seconds for one otguard.exe run under Wine
RUN_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"
RUN_KEY_32 = r"HKLM\Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Run"
SERVICE = "OtguardWow64Test"
TASK = "OtguardWow64Task"
FOLDER = "otguard-wow64"
HUNT_NATIVE = "NrsDataCache.tlb"  # planted in System32
HUNT_WOW = "NetTraceDiagnostics.ini"  # planted in SysWOW64
# Values that differ between two runs of the same exe: times, durations, process ids.
VOLATILE = {"@timestamp", "created", "ingested", "seconds", "duration", "start", "end", "pid",
            "uptime", "elapsed"}
# Inventory datasets that describe the machine, not the moment (processes, sockets and the
# images they run change between two runs: otguard itself is one of the processes).
STABLE = ("otguard.inventory.host", "otguard.inventory.service", "otguard.inventory.hotfix",
          "otguard.inventory.package", "otguard.inventory.autorun",
          "otguard.inventory.interface")
TASK_XML = """<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId></Principal></Principals>
  <Settings><Enabled>true</Enabled></Settings>
  <Actions Context="Author">
    <Exec><Command>%SystemRoot%\\System32\\otguard-wow64\\agent.exe</Command>
          <Arguments>--task</Arguments></Exec>
  </Actions>
</Task>
"""


def native(wine, *parts):
    """A path in the prefix's native (64-bit) System32, from Linux."""
    return wine.drive_c("windows", "system32", *parts)


def wow(wine, *parts):
    """A path in SysWOW64, the System32 of 32-bit programs."""
    return wine.drive_c("windows", "syswow64", *parts)


def stable(value):
    """`value` without its VOLATILE keys, as canonical JSON."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in VOLATILE}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return json.dumps(strip(value), sort_keys=True)


def content(record):
    """A record without its envelope (time, event ids, the agent that wrote it), and without
    the counts of the collectors of the moment (processes, sockets and their images)."""
    out = {k: v for k, v in record.items() if k not in ("event", "agent", "observer", "ecs")}
    collectors = out.get("otguard", {}).get("collectors")
    if collectors is not None:
        out["otguard"] = dict(out["otguard"], collectors=[
            {k: v for k, v in c.items()
             if k != "count" or c["name"] not in ("processes", "sockets", "images")}
            for c in collectors])
    return out


def same(what, records32, records64):
    a = sorted(stable(content(r)) for r in records32)
    b = sorted(stable(content(r)) for r in records64)
    only32 = [x for x in a if x not in b]
    only64 = [x for x in b if x not in a]
    check(not only32 and not only64, f"{what}: the same {len(a)} records from both exes"
          + (f"; only the i686 exe: {only32[:3]}; only the x86_64 exe: {only64[:3]}"
             if only32 or only64 else ""))


def plant(wine, args):
    os.makedirs(native(wine, FOLDER), exist_ok=True)
    shutil.copyfile(args.child, native(wine, FOLDER, "agent.exe"))
    with open(native(wine, FOLDER, "eicar.com"), "wb") as f:
        f.write(EICAR)
    os.makedirs(native(wine, "Tasks"), exist_ok=True)
    with open(native(wine, "Tasks", TASK), "wb") as f:
        f.write(b"\xff\xfe" + TASK_XML.encode("utf-16-le"))
    check(not os.path.exists(wow(wine, FOLDER)), "the plants are in the native System32 only")
    for path in (native(wine, HUNT_NATIVE), wow(wine, HUNT_WOW)):
        with open(path, "wb") as f:
            f.write(b"stand-in for the WOW64 hunt test\n")
    program = "C:\\windows\\system32\\" + FOLDER + "\\agent.exe"
    for key, value in ((RUN_KEY, "OtguardWow64Native"), (RUN_KEY_32, "OtguardWow64Wow")):
        rc, _, err = wine.run("reg", "add", key, "/v", value, "/d", program + " --run", "/f",
                              name="reg-add-" + value)
        check(rc == 0, f"Run value {value} written ({err.strip()})")
    rc, _, err = wine.run("sc", "create", SERVICE, "binPath=", program + " --service",
                          "start=", "auto", name="sc-create")
    check(rc == 0, f"service {SERVICE} created ({err.strip()})")


def remove(wine):
    wine.run("sc", "delete", SERVICE, name="sc-delete")
    for key, value in ((RUN_KEY, "OtguardWow64Native"), (RUN_KEY_32, "OtguardWow64Wow")):
        wine.run("reg", "delete", key, "/v", value, "/f", name="reg-delete-" + value)
    shutil.rmtree(native(wine, FOLDER), ignore_errors=True)
    for path in (native(wine, HUNT_NATIVE), wow(wine, HUNT_WOW)):
        if os.path.exists(path):
            os.remove(path)
    if os.path.exists(native(wine, "Tasks", TASK)):
        os.remove(native(wine, "Tasks", TASK))


def inventory(wine, exe, name):
    rc, out, err = wine.run(exe, "inventory", "--json", name=name)
    check(rc == 0, f"{name}: exit code 0 ({err.strip()[:300]})")
    by_dataset = {}
    for r in json_lines(out):
        by_dataset.setdefault(r["event"]["dataset"], []).append(r)
    return by_dataset


def check_plants_seen(inv, child_sha256, which):
    host = inv["otguard.inventory.host"][0]
    check(host["host"].get("architecture") == "x86_64",
          f"{which}: the machine's architecture is x86_64 ({host['host'].get('architecture')})")
    autoruns = [r for r in inv.get("otguard.inventory.autorun", [])]
    program = f"\\system32\\{FOLDER}\\agent.exe"

    def find(predicate, what):
        hits = [r for r in autoruns if predicate(r["otguard"]["autorun"])]
        check(len(hits) == 1, f"{which}: {what} ({len(hits)})")
        return hits[0]

    native = find(lambda a: a["name"] == "OtguardWow64Native" and
                  "wow6432node" not in a["location"].lower(),
                  "the Run value of the 64-bit view, under its own key")
    wow = find(lambda a: a["name"] == "OtguardWow64Wow" and
               "wow6432node" in a["location"].lower(), "the Run value of Wow6432Node")
    task = find(lambda a: a["kind"] == "scheduled-task" and a["name"].endswith(TASK),
                "the task in the native System32\\Tasks")
    service = find(lambda a: a["kind"] == "service" and a["name"] == SERVICE,
                   "the automatic service")
    for r, what in ((native, "Run"), (wow, "Wow6432Node Run"), (task, "task"),
                    (service, "service")):
        image = r["otguard"]["autorun"].get("image", "")
        check(image.lower().endswith(program),
              f"{which}: the {what} entry's image is the program in System32 ({image})")
        check(r.get("file", {}).get("hash", {}).get("sha256") == child_sha256,
              f"{which}: and its hash is the native file's")
    images = [r for r in inv.get("otguard.inventory.image", [])
              if r["file"]["path"].lower().endswith(program)]
    signature = images[0]["file"].get("code_signature", {}) if len(images) == 1 else None
    check(signature == {"exists": False, "status": "unsigned"},
          f"{which}: its image record has the native file's signature state: unsigned "
          f"({signature})")


def scan(wine, exe, name):
    rc, out, err = wine.run(exe, "scan", "C:\\windows\\system32\\" + FOLDER, name=name)
    check(rc == 1 and "eicar.com" in out.lower(),
          f"{name}: EICAR found in the native System32 (rc {rc}: {out.strip()[:300]} "
          f"{err.strip()[:300]})")
    return sorted(line for line in out.splitlines() if "eicar" in line.lower())


def main():
    parser = argparse.ArgumentParser()
    for option in ("--wine", "--prefix", "--otguard32", "--otguard64", "--child", "--work"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    check(os.path.exists(args.otguard64), f"the x86_64 exe to compare with: {args.otguard64}")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    wine = Wine(args.wine, args.prefix, args.work, deadline=DEADLINE)
    with open(args.child, "rb") as f:
        child_sha256 = hashlib.sha256(f.read()).hexdigest()
    try:
        plant(wine, args)
        inv32 = inventory(wine, args.otguard32, "inventory-i686")
        inv64 = inventory(wine, args.otguard64, "inventory-x86_64")
        check_plants_seen(inv32, child_sha256, "i686")
        check_plants_seen(inv64, child_sha256, "x86_64")
        for dataset in STABLE:
            same(dataset, inv32.get(dataset, []), inv64.get(dataset, []))

        check(scan(wine, args.otguard32, "scan-i686") == scan(wine, args.otguard64, "scan-x86_64"),
              "scan: the same detection lines from both exes")

        for command in ("hunt", "audit"):
            results = []
            for exe, arch in ((args.otguard32, "i686"), (args.otguard64, "x86_64")):
                rc, out, err = wine.run(exe, command, "--json", name=f"{command}-{arch}")
                check(rc in (0, 1), f"{command} ({arch}): exit code {rc} {err.strip()[:300]}")
                results.append((rc, json_lines(out)))
            check(results[0][0] == results[1][0], f"{command}: the same exit code from both")
            same(command, results[0][1], results[1][1])
            if command == "hunt":
                paths = {r.get("file", {}).get("path", "").lower() for r in results[0][1]}
                for want in ("\\system32\\" + HUNT_NATIVE, "\\syswow64\\" + HUNT_WOW):
                    check(any(p.endswith(want.lower()) for p in paths),
                          f"hunt (i686) finds {want}: {sorted(p for p in paths if p)}")
    finally:
        remove(wine)
    print("PASS wow64")


if __name__ == "__main__":
    main()
