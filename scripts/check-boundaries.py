#!/usr/bin/env python3
"""Fails, listing file:line: what, where code crosses a library boundary.

Two rules (STYLE.md, "Layout"):
  1. OS knowledge lives in src/platform/ only: no OS or Win32 headers, no libpcap, no OpenSSL,
     no _WIN32 and no "/proc" or "/sys" paths anywhere else in src/, include/, apps/ or fuzz/
     (tests included: they use platform or std::filesystem).
  2. A library's private headers (src/<lib>/...) are its own: another library, apps/ and the
     public headers include only include/otguard/...; shared test helpers (src/testing and
     src/<lib>/**/testing) are for tests and fuzzers, never for library code.
The build enforces rule 2 too (cmake/OtguardHelpers.cmake); this check names the line.
Run from anywhere; it reads the files of the repository it lives in and nothing else.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCANNED = ("src", "include", "apps", "fuzz")
PLATFORM = os.path.join("src", "platform") + os.sep

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
WIN32_HEADER = re.compile(
    r"^(windows|winsock2?|ws2\w*|win\w+|iphlpapi|tlhelp32|psapi|shlobj|shellapi|shlwapi|bcrypt"
    r"|ncrypt|sddl|aclapi|accctrl|lm\w*|ntsecapi|softpub|mscat|wbemidl|evntrace|evntcons|tdh"
    r"|netfw|objbase|combaseapi|comdef|oleauto|userenv|wtsapi32|taskschd|mstask|versionhelpers"
    r"|mswsock|sysinfoapi|processthreadsapi|direct|io)\.h$",
    re.IGNORECASE)
POSIX_HEADER = re.compile(
    r"^(unistd|poll|fcntl|dirent|pwd|grp|netdb|ifaddrs|dlfcn|pthread|termios|syslog|utmpx?"
    r"|spawn|sched|mntent|shadow)\.h$|^(sys|arpa|netinet|net|linux)/")
PCAP_HEADER = re.compile(r"^pcap(/|\.h$)")
OPENSSL_HEADER = re.compile(r"^openssl/")
OS_PATH = re.compile(r'"/(proc|sys)(/|")')
WIN32_MACRO = re.compile(r"\b_WIN32\b")


def source_files():
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d != "corpus"]
            for name in filenames:
                if name.endswith((".cc", ".h", ".c", ".inc")):
                    yield os.path.relpath(os.path.join(dirpath, name), ROOT)


def libraries():
    src = os.path.join(ROOT, "src")
    return {d for d in os.listdir(src)
            if os.path.isfile(os.path.join(src, d, "CMakeLists.txt"))}


def fuzzer_libraries():
    """fuzz/<name>.cc -> the library whose private headers its .fuzz.cmake declares."""
    result = {}
    fuzz = os.path.join(ROOT, "fuzz")
    for name in os.listdir(fuzz):
        if name.endswith(".fuzz.cmake"):
            with open(os.path.join(fuzz, name), encoding="utf-8") as f:
                match = re.search(r"\bLIBRARY\s+(\w+)", f.read())
            if match:
                result[name[: -len(".fuzz.cmake")] + ".cc"] = match.group(1)
    return result


def is_test_code(path):
    parts = path.split(os.sep)
    base = parts[-1]
    return (parts[0] == "fuzz" or "testing" in parts[:-1] or base.endswith("_test.cc")
            or base == "test_util.h")


def code_part(line):
    """The line without a // comment (string literals kept), enough for a macro name."""
    in_string = False
    for i, c in enumerate(line):
        if c == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif not in_string and line.startswith("//", i):
            return line[:i]
    return line


def os_findings(line):
    match = INCLUDE.match(line)
    if match and match.group(1) == "<":
        header = match.group(2)
        if WIN32_HEADER.match(header):
            return ["Win32 header <%s>" % header]
        if POSIX_HEADER.search(header):
            return ["OS header <%s>" % header]
        if PCAP_HEADER.match(header):
            return ["libpcap header <%s>" % header]
        if OPENSSL_HEADER.match(header):
            return ["OpenSSL header <%s>" % header]
        return []
    code = code_part(line)
    found = []
    if WIN32_MACRO.search(code):
        found.append("_WIN32")
    for m in OS_PATH.finditer(code):
        found.append('OS path "/%s' % m.group(1))
    return found


def owner(path, fuzzers):
    """The library whose private headers `path` may include, or None."""
    parts = path.split(os.sep)
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[0] == "fuzz":
        return fuzzers.get(parts[-1])
    return None


def include_findings(path, line, libs, fuzzers):
    match = INCLUDE.match(line)
    if not match or match.group(1) != '"':
        return []
    header = match.group(2)
    parts = header.split("/")
    test_code = is_test_code(path)
    if parts[0] == "testing" and len(parts) > 1:
        return [] if test_code else ['test helper "%s" in library code' % header]
    if parts[0] not in libs:
        return []
    if "testing" in parts[1:-1] and not test_code:
        return ['test helper "%s" in library code' % header]
    mine = owner(path, fuzzers)
    if parts[0] != mine:
        return ['private header "%s" of %s' % (header, parts[0])]
    return []


def main():
    libs = libraries()
    fuzzers = fuzzer_libraries()
    findings = []
    for path in sorted(source_files()):
        in_platform = path.startswith(PLATFORM)
        with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                what = [] if in_platform else os_findings(line)
                what += include_findings(path, line, libs, fuzzers)
                findings += ["%s:%d: %s" % (path, number, w) for w in what]
    for finding in findings:
        print(finding)
    if findings:
        print("boundaries: %d findings (rules: scripts/check-boundaries.py)" % len(findings))
        return 1
    print("boundaries: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
