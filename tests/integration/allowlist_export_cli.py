#!/usr/bin/env python3
"""`otguard allowlist export` end to end: an approved allowlist file in, each target's file out,
checked as allowlist_export.py checks them (nft -c, the fapolicyd grammar, AppLocker's schema
structure, the .reg layout); and bad input: an unknown format, a broken allowlist file, an
enforced AppLocker policy without the default rules — each exit 2 with a message naming what is
wrong, and no output file.

    allowlist_export_cli.py --otguard BIN --work DIR
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allowlist_export as checks  # noqa: E402

ALLOWLIST = r"""[allowlist]
format = 1
version = 2
host = "ops-station-03"

[[process]]
id = "p-0a1b2c3d4e5f"
kind = "hash"
path = "/usr/bin/opcua-gw"
sha256 = ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
comment = "seen 14 days"

[[process]]
id = "p-1a1b2c3d4e5f"
kind = "publisher-path"
path = 'C:\Program Files\Yokogawa\'
signer = "Yokogawa Electric Corporation"

[[process]]
id = "p-3a1b2c3d4e5f"
kind = "package"
package = "openssh-server"

[[network]]
id = "n-0a1b2c3d4e5f"
process = "/usr/bin/opcua-gw"
protocol = "tcp"
direction = "outbound"
remote = "10.1.2.0/24"
port = 502

[[network]]
id = "n-1a1b2c3d4e5f"
process = "/usr/sbin/sshd"
protocol = "tcp"
direction = "listen"
remote = "any"
port = 22
"""

problems = []


def run(otguard, *args):
    return subprocess.run([otguard, "allowlist", "export", *args], capture_output=True,
                          text=True, timeout=60)


def expect(cond, what):
    print(("ok  " if cond else "FAIL: ") + what)
    if not cond:
        problems.append(what)


def station_facts(otguard, work):
    """Exported on the station, a hash rule gets AppLocker's Authenticode hash from the file
    itself: a real PE, signed here with a throw-away certificate so that osslsigncode, an
    independent implementation, states the digest. --no-host-facts widens it to a path rule."""
    source = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/notepad.exe"
    if not os.path.exists(source):
        expect(False, f"{source} (wine64) is missing: run scripts/install-deps.sh")
        return
    key, cert = os.path.join(work, "key.pem"), os.path.join(work, "cert.pem")
    program = os.path.join(work, "opc.exe")
    for argv in (["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                  "-keyout", key, "-out", cert, "-subj", "/CN=otguard test"],
                 ["osslsigncode", "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in",
                  source, "-out", program]):
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
    verify = subprocess.run(["osslsigncode", "verify", "-in", program], capture_output=True,
                            text=True, timeout=60)
    digest = re.search(r"Calculated message digest *: *([0-9A-Fa-f]{64})", verify.stdout)
    expect(digest is not None, f"osslsigncode states the digest: {verify.stdout[-300:]}")
    if digest is None:
        return
    data = open(program, "rb").read()
    allowlist = checks.write(os.path.join(work, "station.toml"), f"""[allowlist]
format = 1
version = 1
host = "es-01"

[[process]]
id = "p-5a1b2c3d4e5f"
kind = "hash"
path = "{program}"
sha256 = ["{hashlib.sha256(data).hexdigest()}"]
""")
    r = run(otguard, "--format", "applocker", "--allowlist", allowlist)
    want = (f'<FileHash Type="SHA256" Data="0x{digest.group(1).upper()}" '
            f'SourceFileName="opc.exe" SourceFileLength="{len(data)}" />')
    expect(r.returncode == 0 and want in r.stdout and "1 Authenticode hashes" in r.stderr,
           f"on the station: a hash rule with the Authenticode digest ({r.stderr.strip()})")
    r = run(otguard, "--format", "applocker", "--allowlist", allowlist, "--no-host-facts")
    expect(r.returncode == 0 and "FileHashRule" not in r.stdout and "WIDENED" in r.stdout and
           f'<FilePathCondition Path="{program}" />' in r.stdout,
           "--no-host-facts: widened to a path rule, saying so")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--otguard", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    work = os.path.join(args.work, "cli")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    allowlist = checks.write(os.path.join(work, "allowlist.toml"), ALLOWLIST)

    for fmt, enforce in (("nftables", []), ("nftables", ["--enforce"]), ("fapolicyd", []),
                         ("applocker", []), ("srp", []), ("windows-firewall", []),
                         ("xp-firewall", [])):
        out = os.path.join(work, f"{fmt}{'-enforce' if enforce else ''}.out")
        r = run(args.otguard, "--format", fmt, "--allowlist", allowlist, "--out", out, *enforce)
        expect(r.returncode == 0 and os.path.exists(out), f"export --format {fmt} {enforce}: "
               f"rc {r.returncode} {r.stderr.strip()}")
        if r.returncode != 0:
            continue
        data = open(out, "rb").read()
        if fmt == "nftables" and os.geteuid() == 0:
            rc, err = checks.nft_check(out)
            expect(rc == 0, f"nft -c -f {out}: {err.strip()}")
        elif fmt == "fapolicyd":
            found = checks.check_rules_text(data.decode())
            expect(not found and b"path=/usr/bin/opcua-gw sha256hash=aaaa" in data,
                   f"fapolicyd grammar {found}")
        elif fmt == "applocker":
            found = checks.check_applocker_text(data.decode())
            expect(not found and b"AuditOnly" in data, f"AppLocker structure {found}")
        elif fmt == "srp":
            found = checks.check_reg_text(data)
            expect(not found, f".reg layout {found}")
        elif fmt == "windows-firewall":
            expect(b'program="/usr/bin/opcua-gw" protocol=TCP remoteport=502 '
                   b'remoteip=10.1.2.0/24' in data, "netsh rule bound to its program")

    # Standard output without --out.
    r = run(args.otguard, "--format", "nftables", "--allowlist", allowlist)
    expect(r.returncode == 0 and "table inet otguard {" in r.stdout, "export to standard output")
    # The publisher subject option makes a publisher rule.
    r = run(args.otguard, "--format", "applocker", "--allowlist", allowlist, "--publisher",
            "Yokogawa Electric Corporation=O=YOKOGAWA ELECTRIC CORPORATION, L=MUSASHINO-SHI, "
            "S=TOKYO, C=JP")
    expect(r.returncode == 0 and 'PublisherName="O=YOKOGAWA ELECTRIC CORPORATION, '
           'L=MUSASHINO-SHI, S=TOKYO, C=JP"' in r.stdout, "--publisher gives a publisher rule")

    station_facts(args.otguard, work)

    # Bad input: exit 2, a message naming what is wrong, no file.
    bad = checks.write(os.path.join(work, "bad.toml"), ALLOWLIST.replace('kind = "hash"',
                                                                         'kind = "hsh"'))
    cases = [
        (["--format", "iptables", "--allowlist", allowlist], "unknown export format 'iptables'"),
        (["--format", "nftables", "--allowlist", bad], "bad.toml"),
        (["--format", "nftables", "--allowlist", os.path.join(work, "missing.toml")],
         "missing.toml"),
        (["--format", "applocker", "--allowlist", allowlist, "--enforce"], "--windows-defaults"),
        (["--format", "applocker", "--allowlist", allowlist, "--publisher", "no-subject"],
         "--publisher 'no-subject'"),
    ]
    for i, (argv, needle) in enumerate(cases):
        out = os.path.join(work, f"bad-{i}.out")
        r = run(args.otguard, *argv, "--out", out)
        expect(r.returncode == 2 and needle in r.stderr and not os.path.exists(out),
               f"{' '.join(argv[:2])} ...: exit 2 naming {needle!r} (got rc {r.returncode}: "
               f"{r.stderr.strip()})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
