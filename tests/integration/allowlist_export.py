#!/usr/bin/env python3
"""The allowlist exports checked by what reads them (docs/allowlist-export.md).

    allowlist_export.py {nftables|fapolicyd|applocker|srp} --samples TOOL --work DIR

TOOL (otguard_allowlist_export_samples) writes every target's output for the sample
allowlists; each check then runs over the files of its target, and over deliberately broken
copies of them, which it must reject: a check that cannot fail proves nothing.

- nftables: `nft -c -f FILE` (parses and checks against the kernel without loading; needs
  CAP_NET_ADMIN: exit 77, skipped, only when not root and the probe is refused).
- fapolicyd: fapolicyd 1.1.7 (Debian 12) has no rule checker: `fapolicyd-cli --check-config`
  reads fapolicyd.conf only, and `--list` prints the rules file without parsing it; the rule
  parser lives in the daemon, which must never run on a build machine (facts.md). So the rules
  are checked against the grammar of fapolicyd.rules(5) here (which also accepts every rule of
  the package's own sample rules), and `--check-config` is run with the rules installed in a
  private mount namespace (tmpfs over /etc/fapolicyd, under timeout): when a broken rule makes
  it fail, a newer fapolicyd checks rules and ours must pass it too.
- applocker: the structure of Microsoft's AppLocker policy schema (AppIdPolicy.xsd: element
  names, required attributes, GUID, SID, hash and version patterns, enforcement modes, unique
  rule Ids), with Python's XML parser.
- srp: the .reg file's syntax as regedit reads it, the Safer layout (Paths, Hashes), and an
  import with Wine's regedit into a new prefix, read back with `reg query` (when Wine is here).
Exit 0 when everything holds, 1 with the reasons otherwise.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
problems = []


def fail(what):
    problems.append(what)
    print("FAIL:", what)


def files_of(work, target):
    names = sorted(n for n in os.listdir(work) if n.startswith(target + "-"))
    if not names:
        fail(f"no {target} exports in {work}")
    return [os.path.join(work, n) for n in names]


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------------------------------------
# nftables


def nft_check(path):
    r = subprocess.run(["nft", "-c", "-f", path], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr


def check_nftables(work):
    probe = write(os.path.join(work, "probe.nft"), "table inet otguard_probe\n")
    rc, err = nft_check(probe)
    if rc != 0 and os.geteuid() != 0 and ("Operation not permitted" in err or "ermission" in err):
        print("SKIP: nft -c needs CAP_NET_ADMIN and this test does not run as root:", err.strip())
        return SKIP
    if rc != 0:
        fail(f"nft -c refuses even a one-line ruleset: {err.strip()}")
        return 1
    exports = files_of(work, "nftables")
    for path in exports:
        rc, err = nft_check(path)
        if rc != 0:
            fail(f"nft -c -f {path}: {err.strip()}")
        else:
            print("ok  nft -c -f", os.path.basename(path))
    # Broken copies: nft must refuse each (proves the check can fail).
    text = open(exports[0], encoding="utf-8").read()
    broken = {
        "misspelt policy": re.sub(r"policy (accept|drop);", "policy acept;", text, count=1),
        "a set element that is not an address": text.replace("10.1.2.9", "10.1.2.999", 1),
        "an unknown set": text.replace("@in_tcp_22_v4", "@in_tcp_23_v4", 1),
    }
    for what, body in broken.items():
        if body == text:
            fail(f"broken nftables sample '{what}' did not change the file")
            continue
        rc, _ = nft_check(write(os.path.join(work, "broken.nft"), body))
        if rc == 0:
            fail(f"nft -c accepted a broken ruleset ({what})")
        else:
            print("ok  nft -c refuses", what)
    return 0


# ---------------------------------------------------------------------------------------------
# fapolicyd

DECISIONS = {"allow", "deny", "allow_audit", "deny_audit", "allow_syslog", "deny_syslog",
             "allow_log", "deny_log"}
SUBJECT = {"auid", "uid", "gid", "sessionid", "pid", "ppid", "trust", "comm", "exe", "dir",
           "ftype", "device", "pattern"}
OBJECT = {"path", "dir", "device", "ftype", "trust", "sha256hash"}
PATTERNS = {"normal", "ld_so", "ld_preload", "static"}
DIR_KEYWORDS = {"execdirs", "systemdirs", "untrusted"}


def check_fields(fields, allowed, side, sets):
    if fields == ["all"]:
        return None
    if not fields:
        return f"no {side} fields"
    for field in fields:
        if field == "all":
            return f"'all' must be the only {side} field"
        name, eq, value = field.partition("=")
        if not eq:
            return f"{side} field '{field}' is not name=value"
        if name not in allowed:
            return f"unknown {side} attribute '{name}'"
        if value.startswith("%"):
            if value[1:] not in sets:
                return f"set '{value}' was not defined before"
            continue
        if name == "trust" and value not in ("0", "1"):
            return "trust can be set to 1 or 0"
        if name == "pattern" and value not in PATTERNS:
            return f"unknown pattern '{value}'"
        if name == "sha256hash" and not re.fullmatch(r"[0-9a-f]{64}", value):
            return f"sha256hash '{value}' is not 64 lower-case hex digits"
        if name in ("path", "exe") and value and value != "untrusted" and not value.startswith("/"):
            return f"{name} '{value}' is not an absolute path"
        if name == "dir" and value not in DIR_KEYWORDS and not value.startswith("/"):
            return f"dir '{value}' is not an absolute path"
        if name in ("uid", "gid", "pid", "ppid", "sessionid", "auid") and not value:
            return f"{name} has no value"
    return None


def check_rules_text(text):
    """Problems ("line N: what") by fapolicyd.rules(5); [] when every line is a rule."""
    found, sets = [], set()
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("%"):
            name, eq, values = stripped[1:].partition("=")
            if not eq or not re.fullmatch(r"[A-Za-z0-9_]+", name) or not values:
                found.append(f"line {number}: bad set definition")
            sets.add(name)
            continue
        subject, colon, obj = stripped.partition(" : ")
        if not colon:
            found.append(f"line {number}: no ' : ' between subject and object")
            continue
        words = subject.split()
        if not words or words[0] not in DECISIONS:
            found.append(f"line {number}: unknown decision '{words[0] if words else ''}'")
            continue
        words = words[1:]
        if words and words[0].startswith("perm="):
            if words[0] not in ("perm=open", "perm=execute", "perm=any"):
                found.append(f"line {number}: unknown {words[0]}")
                continue
            words = words[1:]
        for fields, allowed, side in ((words, SUBJECT, "subject"), (obj.split(), OBJECT, "object")):
            why = check_fields(fields, allowed, side, sets)
            if why:
                found.append(f"line {number}: {why}")
                break
    return found


def check_config_with(rules_text, scratch):
    """fapolicyd-cli --check-config with `rules_text` as the only rules, in a private mount
    namespace (nothing under the real /etc/fapolicyd changes). Returns (rc, output)."""
    conf = os.path.join(scratch, "etc")
    shutil.rmtree(conf, ignore_errors=True)
    os.makedirs(os.path.join(conf, "rules.d"))
    shutil.copy("/etc/fapolicyd/fapolicyd.conf", conf)
    write(os.path.join(conf, "rules.d", "60-otguard.rules"), rules_text)
    write(os.path.join(conf, "compiled.rules"), rules_text)
    script = ("mount --make-rprivate / && mount -t tmpfs tmpfs /etc/fapolicyd && "
              f"cp -a {conf}/. /etc/fapolicyd/ && exec fapolicyd-cli --check-config")
    r = subprocess.run(["timeout", "-s", "KILL", "30", "unshare", "-m", "sh", "-c", script],
                       capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def check_fapolicyd(work):
    # The grammar check accepts the rules fapolicyd itself ships...
    # (all of them in one file, in name order, as fagenrules compiles rules.d: 10-languages
    # defines a set the later files use)
    samples = "/usr/share/fapolicyd/sample-rules"
    if os.path.isdir(samples):
        names = sorted(n for n in os.listdir(samples) if n.endswith(".rules"))
        found = check_rules_text("\n".join(open(os.path.join(samples, n)).read() for n in names))
        if found or not names:
            fail(f"grammar check refuses fapolicyd's own sample rules: {found}")
        else:
            print(f"ok  grammar check accepts fapolicyd's {len(names)} sample rule files")
    # ...and every export,
    exports = files_of(work, "fapolicyd")
    for path in exports:
        found = check_rules_text(open(path, encoding="utf-8").read())
        if found:
            fail(f"{path}: {found}")
        else:
            print("ok  fapolicyd.rules(5) grammar:", os.path.basename(path))
    # ...and refuses broken copies.
    text = open(exports[0], encoding="utf-8").read()
    broken = {
        "a misspelt decision": text + "alow perm=execute all : all\n",
        "a misspelt permission": text + "allow perm=exec all : path=/x\n",
        "an object attribute on the subject side": text + "allow perm=execute sha256hash=" +
        "a" * 64 + " : all\n",
        "an upper-case hash": text.replace("sha256hash=2c26b4", "sha256hash=2C26B4", 1),
        "no colon": text + "allow perm=execute all path=/x\n",
    }
    for what, body in broken.items():
        if body == text or not check_rules_text(body):
            fail(f"grammar check accepts {what}")
        else:
            print("ok  grammar check refuses", what)
    # fapolicyd-cli: needs root for the mount namespace.
    if shutil.which("fapolicyd-cli") is None or os.geteuid() != 0:
        print("note: fapolicyd-cli --check-config not run (not installed or not root)")
        return 0
    scratch = tempfile.mkdtemp(dir=work)
    rc, out = check_config_with(text, scratch)
    if rc != 0:
        fail(f"fapolicyd-cli --check-config with the export installed: rc {rc}: {out}")
    else:
        print("ok  fapolicyd-cli --check-config with the export installed:", out)
    rc_broken, out_broken = check_config_with(broken["a misspelt decision"], scratch)
    if rc_broken == 0:
        print("note: fapolicyd-cli --check-config accepts a broken rule too: it checks "
              "fapolicyd.conf only (" + out_broken + "); the grammar check above is the rules "
              "check")
    else:
        print("ok  fapolicyd-cli --check-config refuses a broken rule:", out_broken)
    return 0


# ---------------------------------------------------------------------------------------------
# AppLocker (structure of AppIdPolicy.xsd)

GUID = re.compile(r"[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")
SID = re.compile(r"S-1(-[0-9a-fA-F]+)+")
VERSION = re.compile(r"([0-9]{1,5}\.){3}[0-9]{1,5}|\*")
HASH_DATA = {"SHA256": re.compile(r"0x[0-9A-Fa-f]{64}"),
             "SHA256Flat": re.compile(r"0x[0-9A-Fa-f]{64}"),
             "SHA1": re.compile(r"0x[0-9A-Fa-f]{40}")}
RULE_ATTRS = {"Id", "Name", "Description", "UserOrGroupSid", "Action"}
CONDITION = {"FilePathRule": "FilePathCondition", "FileHashRule": "FileHashCondition",
             "FilePublisherRule": "FilePublisherCondition"}


def attrs_exactly(e, required, optional=()):
    missing = set(required) - set(e.attrib)
    extra = set(e.attrib) - set(required) - set(optional)
    if missing:
        return f"<{e.tag}> lacks {sorted(missing)}"
    if extra:
        return f"<{e.tag}> has unknown attributes {sorted(extra)}"
    return None


def check_condition(c):
    if c.tag == "FilePathCondition":
        why = attrs_exactly(c, {"Path"})
        if why:
            return why
        if not 1 <= len(c.get("Path")) <= 32767 or len(c):
            return "bad FilePathCondition"
    elif c.tag == "FileHashCondition":
        if c.attrib or not len(c):
            return "FileHashCondition needs FileHash children and no attributes"
        for h in c:
            if h.tag != "FileHash":
                return f"<{h.tag}> in FileHashCondition"
            why = attrs_exactly(h, {"Type", "Data"}, {"SourceFileName", "SourceFileLength"})
            if why:
                return why
            pattern = HASH_DATA.get(h.get("Type"))
            if not pattern or not pattern.fullmatch(h.get("Data")):
                return f"FileHash Type {h.get('Type')!r} Data {h.get('Data')!r}"
            if "SourceFileLength" in h.attrib and not re.fullmatch(r"-?[0-9]+",
                                                                    h.get("SourceFileLength")):
                return "SourceFileLength is not an integer"
    elif c.tag == "FilePublisherCondition":
        why = attrs_exactly(c, {"PublisherName", "ProductName", "BinaryName"})
        if why:
            return why
        if not c.get("PublisherName"):
            return "empty PublisherName"
        if len(c) != 1 or c[0].tag != "BinaryVersionRange":
            return "FilePublisherCondition needs one BinaryVersionRange"
        why = attrs_exactly(c[0], {"LowSection", "HighSection"})
        if why:
            return why
        for a in ("LowSection", "HighSection"):
            if not VERSION.fullmatch(c[0].get(a)):
                return f"{a} {c[0].get(a)!r} is not a version or *"
    else:
        return f"unknown condition <{c.tag}>"
    return None


def check_rule(rule):
    why = attrs_exactly(rule, RULE_ATTRS)
    if why:
        return why
    if not GUID.fullmatch(rule.get("Id")):
        return f"Id {rule.get('Id')!r} is not a GUID"
    if not 1 <= len(rule.get("Name")) <= 1024 or len(rule.get("Description")) > 1024:
        return "Name or Description length"
    sid = rule.get("UserOrGroupSid")
    if len(sid) < 7 or not SID.fullmatch(sid):
        return f"UserOrGroupSid {sid!r}"
    if rule.get("Action") not in ("Allow", "Deny"):
        return f"Action {rule.get('Action')!r}"
    children = [c.tag for c in rule]
    if children.count("Conditions") != 1 or set(children) - {"Conditions", "Exceptions"}:
        return f"<{rule.tag}> children {children}"
    if rule.tag == "FileHashRule" and "Exceptions" in children:
        return "a FileHashRule has no Exceptions"
    conditions = rule.find("Conditions")
    if len(conditions) != 1 or conditions[0].tag != CONDITION[rule.tag]:
        return f"<{rule.tag}> needs exactly one {CONDITION[rule.tag]}"
    return check_condition(conditions[0])


def check_applocker_text(text):
    """Problems by AppLocker's schema; [] for a valid policy."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        return [f"not well-formed XML: {e}"]
    if root.tag != "AppLockerPolicy":
        return [f"root <{root.tag}>"]
    found = []
    why = attrs_exactly(root, {"Version"})
    if why or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", root.get("Version", "")):
        found.append(why or "Version is not a decimal")
    types, ids = set(), set()
    for collection in root:
        if collection.tag == "PolicyExtensions":
            continue
        if collection.tag != "RuleCollection":
            found.append(f"<{collection.tag}> under AppLockerPolicy")
            continue
        why = attrs_exactly(collection, {"Type"}, {"EnforcementMode"})
        if why:
            found.append(why)
            continue
        if collection.get("Type") in types:
            found.append(f"two RuleCollections of Type {collection.get('Type')}")
        types.add(collection.get("Type"))
        if collection.get("EnforcementMode", "NotConfigured") not in ("NotConfigured", "Enabled",
                                                                      "AuditOnly"):
            found.append(f"EnforcementMode {collection.get('EnforcementMode')!r}")
        for rule in collection:
            if rule.tag == "RuleCollectionExtensions":
                continue
            if rule.tag not in CONDITION:
                found.append(f"<{rule.tag}> in a RuleCollection")
                continue
            why = check_rule(rule)
            if why:
                found.append(f"rule {rule.get('Id')}: {why}")
            if rule.get("Id") in ids:
                found.append(f"rule Id {rule.get('Id')} used twice")
            ids.add(rule.get("Id"))
    return found


def check_applocker(work):
    exports = files_of(work, "applocker")
    for path in exports:
        text = open(path, encoding="utf-8").read()
        found = check_applocker_text(text)
        if found:
            fail(f"{path}: {found}")
        else:
            print("ok  AppLocker schema structure:", os.path.basename(path))
    text = open(next(p for p in exports if "windows-enforce" in p), encoding="utf-8").read()
    first_id = re.search(r'Id="([^"]+)"', text).group(1)
    broken = {
        "an Id that is not a GUID": text.replace(f'Id="{first_id}"', 'Id="p-0a1b2c3d4e5f"', 1),
        "a missing Action": text.replace(' Action="Allow"', "", 1),
        "an unknown enforcement mode": text.replace('EnforcementMode="Enabled"',
                                                    'EnforcementMode="Audit"', 1),
        "a flat hash of the wrong length": re.sub(r'Data="0x[0-9A-F]{64}"',
                                                  'Data="0x' + "A" * 63 + '"', text, count=1),
        "an unknown element": text.replace("<Conditions>", "<Conditions><FileCondition/>", 1),
        "a duplicate rule Id": text.replace(
            re.findall(r'Id="([^"]+)"', text)[1], first_id),
        "a bad version range": text.replace('LowSection="*"', 'LowSection="1.2"', 1),
        "not well-formed XML": text.replace("&amp;", "&", 1),
    }
    for what, body in broken.items():
        if body == text or not check_applocker_text(body):
            fail(f"AppLocker check accepts {what}")
        else:
            print("ok  AppLocker check refuses", what)
    return 0


# ---------------------------------------------------------------------------------------------
# SRP (.reg)

SAFER = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\Safer\CodeIdentifiers"
REG_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"=(dword:[0-9a-f]{8}|hex(?:\((?:2|7|b)\))?:'
                       r'(?:[0-9a-f]{2}(?:,[0-9a-f]{2})*)?|"(?:[^"\\]|\\.)*")')
WINE = "/usr/lib/wine/wine64"
GUID_KEY = re.compile(r"\{" + GUID.pattern + r"\}")


def check_reg_text(data):
    """Problems of a regedit 5 file (UTF-16LE with its byte-order mark, as regedit writes it: a
    hex(2) value is then UTF-16 for every reader); [] for a valid one."""
    if not data.startswith(b"\xff\xfe"):
        return ["no UTF-16LE byte-order mark"]
    try:
        text = data[2:].decode("utf-16-le")
    except UnicodeDecodeError:
        return ["not UTF-16LE"]
    if "\n" in text.replace("\r\n", ""):
        return ["a line ends without CR"]
    lines = text.split("\r\n")
    if lines[0] != "Windows Registry Editor Version 5.00":
        return ["first line is not the regedit 5 header"]
    found, key, values = [], None, {}

    def close():
        if key is None or key == SAFER:
            return
        if "\\Hashes\\" in key:
            if values.get("HashAlg") != "dword:00008003":
                found.append(f"{key}: HashAlg is not CALG_MD5")
            if not re.fullmatch(r"hex:([0-9a-f]{2},){15}[0-9a-f]{2}", values.get("ItemData", "")):
                found.append(f"{key}: ItemData is not 16 bytes")
            if not re.fullmatch(r"hex\(b\):([0-9a-f]{2},){7}[0-9a-f]{2}",
                                values.get("ItemSize", "")):
                found.append(f"{key}: ItemSize is not a QWORD")
        elif "ItemData" not in values:
            found.append(f"{key}: no ItemData")
        if values.get("SaferFlags") != "dword:00000000":
            found.append(f"{key}: SaferFlags")

    for number, line in enumerate(lines[1:], 2):
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            close()
            if not line.endswith("]"):
                found.append(f"line {number}: unterminated key")
                continue
            key, values = line[1:-1], {}
            rest = key[len(SAFER):]
            if not key.startswith(SAFER) or not (
                    rest == "" or re.fullmatch(r"\\262144\\(Paths|Hashes)\\" + GUID_KEY.pattern, rest)):
                found.append(f"line {number}: key {key} is not a Safer rule key")
            continue
        m = REG_VALUE.fullmatch(line)
        if not m or key is None:
            found.append(f"line {number}: not a value line: {line}")
            continue
        values[m.group(1)] = m.group(2)
    close()
    return found


def reg_bytes(text):
    return b"\xff\xfe" + text.encode("utf-16-le")


def wine_import(path, work):
    """Imports `path` with Wine's regedit into a new prefix and returns `reg query /s` of the
    Safer key (text), or None when Wine is not there."""
    if not os.path.exists(WINE):
        return None
    env = dict(os.environ, WINEPREFIX=os.path.join(work, "wineprefix"), WINEDEBUG="-all")
    try:
        subprocess.run([WINE, "regedit", "/s", path], env=env, timeout=180, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = os.path.join(work, "query.txt")
        with open(out, "w") as f:  # a file, not a pipe: Wine's children keep pipes open
            subprocess.run([WINE, "reg", "query", SAFER.replace("HKEY_LOCAL_MACHINE", "HKLM"),
                            "/s"], env=env, timeout=120, stdout=f, stderr=subprocess.DEVNULL)
        return open(out, errors="replace").read()
    finally:
        subprocess.run([os.path.join(os.path.dirname(WINE), "wineserver"), "-k"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_srp(work):
    exports = files_of(work, "srp")
    for path in exports:
        found = check_reg_text(open(path, "rb").read())
        if found:
            fail(f"{path}: {found}")
        else:
            print("ok  .reg syntax and Safer layout:", os.path.basename(path))
    data = open(next(p for p in exports if "windows-monitor" in p), "rb").read()
    text = data[2:].decode("utf-16-le")
    broken = {
        "a file without its byte-order mark": text.encode("ascii", "replace"),
        "a bare LF": reg_bytes(text.replace("\r\n", "\n", 3)),
        "an unescaped quote": reg_bytes(text.replace('"SaferFlags"', '"Safer"Flags"', 1)),
        "a short MD5": reg_bytes(re.sub(r'"ItemData"=hex:([0-9a-f]{2},)', '"ItemData"=hex:',
                                        text, count=1)),
        "a key outside Safer": reg_bytes(text.replace("\\262144\\", "\\131072\\", 1)),
    }
    for what, body in broken.items():
        if body == data or not check_reg_text(body):
            fail(f".reg check accepts {what}")
        else:
            print("ok  .reg check refuses", what)
    # A real reader: Wine's regedit imports the enforcing file; the registry then holds the
    # values as SRP reads them.
    enforce = next(p for p in exports if "windows-enforce" in p)
    query = wine_import(enforce, work)
    if query is None:
        print("note: no Wine; the .reg file was not imported")
        return 0
    expected = [
        r"DefaultLevel    REG_DWORD    0x0",
        r"HashAlg    REG_DWORD    0x8003",
        r"ItemData    REG_BINARY    0123456789ABCDEF0123456789ABCDEF",
        r"ItemData    REG_EXPAND_SZ    %HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT"
        r"\CurrentVersion\SystemRoot%",
        r"ItemData    REG_SZ    C:\Tools\R&D <test>\trend.exe",
    ]
    for line in expected:
        if line not in query:
            fail(f"Wine's regedit import lacks '{line}':\n{query}")
        else:
            print("ok  Wine regedit imported:", line)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["nftables", "fapolicyd", "applocker", "srp"])
    parser.add_argument("--samples", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    work = os.path.join(args.work, args.target)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run([args.samples, work], check=True)
    rc = {"nftables": check_nftables, "fapolicyd": check_fapolicyd,
          "applocker": check_applocker, "srp": check_srp}[args.target](work)
    if rc == SKIP:
        return SKIP
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
