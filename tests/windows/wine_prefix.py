#!/usr/bin/python3
"""Makes the Wine prefix a Windows build's tests run in, once, and says what Windows it is.

  wine_prefix.py --wine LOADER --prefix DIR [--arch win32|win64] [--windows winxp|win7]
                 [--wow64] [--persist]

--arch win32 makes a 32-bit prefix (only when the prefix is new: Wine fixes a prefix's
architecture when it creates it). --windows sets the Windows version the prefix reports
(`winecfg -v`), and the check below fails unless programs then see that version: for winxp,
"Windows XP (5.1, build 2600, Service Pack 3)". --wow64: the 64-bit prefix must have its 32-bit
half (SysWOW64 with a 32-bit kernel32.dll, from wine32), or 32-bit programs cannot run in it.
--persist leaves the prefix's wineserver running until `wineserver -k` (the CTest fixture's
cleanup): Wine otherwise shuts a prefix down, system processes and server, a moment after its
last program ends, and a test starting in that moment can die before its first line (seen once
in CI: a test failed in 0.07 s with no output). A persistent server also keeps the system
processes up (booted here), so each test starts faster.

A prefix already made with the right version is left as it is: the check takes about a second,
making a prefix ten or more. Also importable: make_prefix() serves tests that need a prefix
of their own (hunt_e2e.py)."""
import argparse
import os
import sys

from wine import Wine, is_i386

# What Wine writes below HKLM\Software\Microsoft\Windows NT\CurrentVersion per version.
EXPECTED = {
    "winxp": {"CurrentVersion": "5.1", "CurrentBuildNumber": "2600",
              "CSDVersion": "Service Pack 3"},
    "win7": {"CurrentVersion": "6.1", "CurrentBuildNumber": "7601",
             "CSDVersion": "Service Pack 1"},
}
CURRENT_VERSION_KEY = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion"
TIMEOUT = 300  # seconds: a new prefix takes 10 to 30 under load


def in_prefix(wine, prefix, arch=None):
    """A Wine runner for `prefix`, in the caller's locale, with WINEARCH set to `arch` only
    while the prefix is yet to be made (Wine refuses WINEARCH=win32 on an existing 64-bit
    prefix) and unset otherwise."""
    new = arch and not os.path.exists(os.path.join(prefix, "system.reg"))
    return Wine(wine, prefix, deadline=TIMEOUT, locale=None,
                env={"WINEARCH": arch if new else None})


def registry_version(wine, prefix):
    """The CurrentVersion values programs read, as Wine's reg.exe shows them."""
    rc, out, _ = in_prefix(wine, prefix).run("reg", "query", CURRENT_VERSION_KEY)
    if rc != 0:
        raise SystemExit(f"reg query {CURRENT_VERSION_KEY} failed ({rc}) in {prefix}")
    values = {}
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].startswith("REG_"):
            values[parts[0]] = parts[2].strip()
    return values


def has_wow64(prefix):
    """A 64-bit prefix with its 32-bit half: SysWOW64 holds a 32-bit (i386) kernel32.dll."""
    dll = os.path.join(prefix, "drive_c", "windows", "syswow64", "kernel32.dll")
    return os.path.exists(dll) and is_i386(dll)


def is_win32(prefix):
    return not os.path.isdir(os.path.join(prefix, "drive_c", "windows", "syswow64"))


def make_prefix(wine, prefix, arch=None, windows=None, wow64=False):
    """Creates or updates `prefix` and checks it; returns a one-line description."""
    if windows:
        values = registry_version(wine, prefix) if os.path.exists(
            os.path.join(prefix, "system.reg")) else {}
        if any(values.get(k) != v for k, v in EXPECTED[windows].items()):
            rc, out, _ = in_prefix(wine, prefix, arch).run("winecfg", "-v", windows)
            if rc != 0:
                raise SystemExit(f"winecfg -v {windows} failed ({rc}) in {prefix}: {out}")
    else:
        rc, out, _ = in_prefix(wine, prefix, arch).run("wineboot", "--init")
        if rc != 0:
            raise SystemExit(f"wineboot --init failed ({rc}) in {prefix}: {out}")
    # wineboot and winecfg return before the prefix's wineserver has written the registry.
    in_prefix(wine, prefix).wineserver("-w", timeout=TIMEOUT)
    if arch == "win32" and not is_win32(prefix):
        raise SystemExit(f"{prefix} is a 64-bit prefix, not win32: delete it to remake it")
    if wow64 and not has_wow64(prefix):
        raise SystemExit(f"{prefix} has no 32-bit half (syswow64): is wine32 installed? "
                         "(scripts/install-deps.sh); then delete the prefix to remake it")
    values = registry_version(wine, prefix)
    if windows:
        wrong = {k: values.get(k) for k, v in EXPECTED[windows].items() if values.get(k) != v}
        if wrong:
            raise SystemExit(f"{prefix} does not report {windows}: {wrong}")
    return (f"{prefix}: {values.get('ProductName', 'Windows')} ({values.get('CurrentVersion')}, "
            f"build {values.get('CurrentBuildNumber')}, {values.get('CSDVersion') or 'no SP'}), "
            f"{'win32' if is_win32(prefix) else 'win64 with WOW64' if has_wow64(prefix) else 'win64'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wine", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--arch", choices=("win32", "win64"))
    parser.add_argument("--windows", choices=sorted(EXPECTED))
    parser.add_argument("--wow64", action="store_true")
    parser.add_argument("--persist", action="store_true")
    args = parser.parse_args()
    print(make_prefix(args.wine, args.prefix, args.arch, args.windows, args.wow64))
    if args.persist:
        wine = in_prefix(args.wine, args.prefix)
        wine.wineserver("-w", timeout=TIMEOUT)  # the server registry_version() started
        # -p: never exit on its own; the server detaches itself (its output goes nowhere).
        rc = wine.wineserver("-p", timeout=TIMEOUT)
        if rc != 0:
            raise SystemExit(f"wineserver -p failed ({rc}) for {args.prefix}")
        # Boot the prefix now, so its system processes (services.exe, winedevice.exe) start
        # here: started by a test's first program they would inherit its output pipe, and
        # CTest would wait for them to close it.
        rc, _, err = wine.run("wineboot")
        if rc != 0:
            raise SystemExit(f"wineboot failed ({rc}) in {args.prefix}: {err}")
        print("wineserver kept running for the tests (ended by wine_prefix_down)")


if __name__ == "__main__":
    sys.exit(main())
