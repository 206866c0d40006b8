#!/usr/bin/python3
"""Checks what otguard.exe imports from Windows against a reviewed list.

Every DLL!function the exe imports must be in EXPECTED (tests/windows/imports-<arch>.txt), a
list reviewed against the oldest Windows the build targets: XP SP3 for i686, 7 for x86_64. A new
import fails the test until a person checks it is available there (or loads it at run time
instead) and adds it. For i686, functions known to be missing on XP fail with that reason.

Usage: check_imports.py --objdump OBJDUMP --exe otguard.exe --expected FILE [--update]"""
import argparse
import re
import subprocess
import sys

# Functions that Windows XP SP3 lacks (MSDN "minimum supported client" Vista or later) and that
# a C++ runtime or a careless change is likely to import. Such a function must be loaded with
# GetProcAddress and given a fallback (src/platform/windows/win_util.h, docs/windows.md).
NOT_ON_XP = {
    "GetTickCount64", "InitializeSRWLock", "AcquireSRWLockExclusive", "AcquireSRWLockShared",
    "ReleaseSRWLockExclusive", "ReleaseSRWLockShared", "TryAcquireSRWLockExclusive",
    "InitializeConditionVariable", "SleepConditionVariableCS", "SleepConditionVariableSRW",
    "WakeConditionVariable", "WakeAllConditionVariable", "InitOnceExecuteOnce",
    "InitOnceBeginInitialize", "InitOnceComplete", "FlsAlloc", "FlsFree", "FlsGetValue",
    "FlsSetValue", "QueryFullProcessImageNameW", "QueryFullProcessImageNameA",
    "GetFinalPathNameByHandleW", "CreateSymbolicLinkW", "GetFileInformationByHandleEx",
    "SetFileInformationByHandle", "CancelIoEx", "GetProductInfo", "GetErrorMode",
    "SetThreadErrorMode", "CreateEventExW", "CreateMutexExW", "CreateSemaphoreExW",
    "GetSystemTimePreciseAsFileTime", "GetCurrentProcessorNumber", "GetLocaleInfoEx",
    "LCMapStringEx", "CompareStringEx", "GetUserDefaultLocaleName", "inet_ntop", "inet_pton",
    "InetNtopW", "InetPtonW", "WSAPoll", "RegDeleteTreeW", "RegGetValueW", "RegSetKeyValueW",
    "RegLoadMUIStringW", "GetTcp6Table", "GetTcp6Table2", "GetIfTable2", "if_nametoindex",
    "ConvertInterfaceLuidToNameW", "K32GetModuleFileNameExW", "K32GetProcessImageFileNameW",
    "K32EnumProcesses", "EventRegister", "EventWrite", "WerRegisterFile", "GetThreadId",
    "GetProcessIdOfThread", "Wow64DisableWow64FsRedirection_", "BCryptOpenAlgorithmProvider",
    "BCryptCreateHash", "BCryptHashData", "BCryptFinishHash", "WaitOnAddress",
    "GetActiveProcessorCount", "GetLogicalProcessorInformationEx", "CreateRemoteThreadEx",
    "InitializeProcThreadAttributeList", "RtlIpv6AddressToStringW", "RtlIpv4AddressToStringW",
}


def imports(objdump, exe):
    text = subprocess.run([objdump, "-p", exe], stdout=subprocess.PIPE, check=True,
                          text=True).stdout
    found, dll = set(), None
    for line in text.splitlines():
        m = re.match(r"\s*DLL Name: (\S+)", line)
        if m:
            dll = m.group(1).lower()
            continue
        m = re.match(r"\s+[0-9a-f]+\s+\d+\s+(\S+)$", line)
        if m and dll:
            found.add(f"{dll}!{m.group(1)}")
        elif not line.strip():
            pass
    return found


def subsystem_version(objdump, exe):
    """The (major, minor) subsystem version in the PE header: a loader refuses an exe that asks
    for a newer Windows than itself (XP is 5.1), whatever it imports."""
    text = subprocess.run([objdump, "-p", exe], stdout=subprocess.PIPE, check=True,
                          text=True).stdout
    fields = dict(re.findall(r"^(M\w+SubsystemVersion)\s+(\d+)", text, re.M))
    return int(fields.get("MajorSubsystemVersion", 99)), int(fields.get("MinorSubsystemVersion", 0))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--objdump", required=True)
    p.add_argument("--exe", required=True)
    p.add_argument("--expected", required=True)
    p.add_argument("--xp", action="store_true", help="the build must load on Windows XP SP3")
    p.add_argument("--update", action="store_true")
    a = p.parse_args()
    found = imports(a.objdump, a.exe)
    if not found:
        print("no imports found: objdump output not understood")
        return 1
    if a.update:
        with open(a.expected, "w") as f:
            f.write("".join(f"{name}\n" for name in sorted(found)))
        print(f"wrote {len(found)} imports to {a.expected}: review them before committing")
        return 0
    with open(a.expected) as f:
        expected = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    bad = sorted(n for n in found if a.xp and n.split("!")[1] in NOT_ON_XP)
    new = sorted(found - expected)
    for name in bad:
        print(f"NOT ON XP: {name}: load it at run time with a fallback")
    for name in new:
        print(f"NEW IMPORT (not reviewed): {name}")
    gone = sorted(expected - found)
    for name in gone:
        print(f"no longer imported (drop it from the list): {name}")
    version = subsystem_version(a.objdump, a.exe)
    too_new = a.xp and version > (5, 1)
    if too_new:
        print(f"SUBSYSTEM VERSION {version[0]}.{version[1]}: XP (5.1) would refuse to load it")
    dlls = sorted({n.split("!")[0] for n in found})
    print(f"{len(found)} imports from {len(dlls)} DLLs: {', '.join(dlls)}; "
          f"subsystem version {version[0]}.{version[1]}")
    return 1 if bad or new or gone or too_new else 0


if __name__ == "__main__":
    sys.exit(main())
