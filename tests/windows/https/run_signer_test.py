"""CTest driver of platform_signer_test: signs an executable with a self-signed certificate made
now (openssl + osslsigncode), makes a tampered copy, builds a security catalog (.cat) listing a
plain file and a copy of the unsigned executable, and runs the test with their paths.

Everything it makes stays in --workdir (under the build tree).
"""
import argparse
import datetime
import glob
import hashlib
import os
import shutil
import struct
import subprocess
import sys

from wine_run import run_under_wine

SIGNER_CN = "otguard test signer"
# The rest of the subject, as AppLocker's publisher name shows it (O, L, S, C; upper-cased).
SIGNER_REST = "/O=Otguard Test Works/L=Musashino-shi/ST=Tokyo/C=JP"
SIGNER_PUBLISHER = "O=OTGUARD TEST WORKS, L=MUSASHINO-SHI, S=TOKYO, C=JP"
IMAGE_SCN_CNT_CODE = 0x20


def tool(*args):
    subprocess.run(args, check=True, timeout=60, stdout=subprocess.DEVNULL)


def first_code_byte_offset(pe):
    """File offset of a byte inside the first code section (a change there breaks the digest)."""
    e_lfanew = struct.unpack_from("<I", pe, 0x3C)[0]
    sections = struct.unpack_from("<H", pe, e_lfanew + 6)[0]
    optional_size = struct.unpack_from("<H", pe, e_lfanew + 20)[0]
    table = e_lfanew + 24 + optional_size
    for i in range(sections):
        entry = table + 40 * i
        raw_size, raw_offset = struct.unpack_from("<II", pe, entry + 16)
        flags = struct.unpack_from("<I", pe, entry + 36)[0]
        if flags & IMAGE_SCN_CNT_CODE and raw_size > 64:
            return raw_offset + 32
    raise SystemExit("no code section in the signed file")


# ---- A security catalog, built by hand (Debian has no makecat) ----
# A catalog is a PKCS#7 SignedData whose content is a certificate trust list (CTL): one entry
# per file, holding the file's hash (Authenticode digest for a PE) in an SPC_INDIRECT_DATA
# attribute, and the subject interface package of the file in a CAT_MEMBERINFO attribute.
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_CTL = "1.3.6.1.4.1.311.10.1"
OID_CATALOG_LIST = "1.3.6.1.4.1.311.12.1.1"
OID_CATALOG_LIST_MEMBER = "1.3.6.1.4.1.311.12.1.2"
OID_CAT_MEMBERINFO = "1.3.6.1.4.1.311.12.2.2"
OID_SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4"
OID_SPC_PE_IMAGE_DATA = "1.3.6.1.4.1.311.2.1.15"
OID_SPC_CAB_DATA = "1.3.6.1.4.1.311.2.1.25"  # what catalogs name a flat file's data with
OID_SHA1 = "1.3.14.3.2.26"
OID_RSA = "1.2.840.113549.1.1.1"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
SIP_PE = "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}"
SIP_FLAT = "{DE351A42-8E59-11D0-8C47-00C04FC295EE}"


def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def seq(*items):
    return der(0x30, b"".join(items))


def set_of(*items):
    return der(0x31, b"".join(sorted(items)))  # DER orders a SET OF by encoding


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        while p > 0x7F:
            p >>= 7
            chunk.insert(0, 0x80 | (p & 0x7F))
        body += bytes(chunk)
    return der(0x06, body)


def integer(n):
    return der(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def utc_now():
    return der(0x17, datetime.datetime.now(datetime.timezone.utc).strftime("%y%m%d%H%M%SZ").encode())


def read_tlv(data, pos):
    """(tag, start of the value, end of the value) of the element at pos."""
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        n = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return tag, pos, pos + n


def issuer_and_serial(cert_der):
    """The IssuerAndSerialNumber that names this certificate in a SignerInfo."""
    _, tbs, _ = read_tlv(cert_der, read_tlv(cert_der, 0)[1])
    tag, start, end = read_tlv(cert_der, tbs)
    if tag == 0xA0:  # [0] version
        tbs = end
    _, start, serial_end = read_tlv(cert_der, tbs)
    _, _, algorithm_end = read_tlv(cert_der, serial_end)
    _, _, issuer_end = read_tlv(cert_der, algorithm_end)
    return seq(cert_der[algorithm_end:issuer_end], cert_der[tbs:serial_end])


def pe_catalog_digest(pe, algorithm):
    """Authenticode digest of an unsigned PE: all but the checksum and the security entry."""
    e_lfanew = struct.unpack_from("<I", pe, 0x3C)[0]
    optional = e_lfanew + 24
    magic = struct.unpack_from("<H", pe, optional)[0]
    checksum = optional + 64
    security_entry = optional + (96 if magic == 0x10B else 112) + 4 * 8
    if struct.unpack_from("<I", pe, security_entry)[0]:
        raise SystemExit("the catalog member must be unsigned")
    h = hashlib.new(algorithm)
    h.update(pe[:checksum])
    h.update(pe[checksum + 4:security_entry])
    h.update(pe[security_entry + 8:])
    h.update(bytes(-len(pe) % 8))  # Windows and Wine pad an unsigned image to 8 bytes
    return h.digest()


def catalog_entry(digest, is_pe):
    tag = digest.hex().upper().encode("utf-16-le") + b"\0\0"
    obsolete = der(0x80, "<<<Obsolete>>>".encode("utf-16-be"))  # SpcString, unicode
    if is_pe:  # SpcPeImageData { flags, file SpcLink }
        data = seq(oid(OID_SPC_PE_IMAGE_DATA), seq(der(0x03, b"\0"), der(0xA0, der(0xA2, obsolete))))
    else:  # SpcLink, file
        data = seq(oid(OID_SPC_CAB_DATA), der(0xA2, obsolete))
    indirect = seq(data, seq(seq(oid(OID_SHA1), b"\x05\0"), der(0x04, digest)))
    member_info = seq(der(0x1E, (SIP_PE if is_pe else SIP_FLAT).encode("utf-16-be")), integer(512))
    return seq(der(0x04, tag),
               set_of(seq(oid(OID_CAT_MEMBERINFO), set_of(member_info)),
                      seq(oid(OID_SPC_INDIRECT_DATA), set_of(indirect))))


def make_catalog(path, members, cert_pem, key_pem, workdir):
    """Writes a catalog listing `members` ((digest, is_pe) pairs), signed by cert/key."""
    ctl = seq(seq(oid(OID_CATALOG_LIST)), der(0x04, os.urandom(16)), utc_now(),
              seq(oid(OID_CATALOG_LIST_MEMBER), b"\x05\0"),
              seq(*[catalog_entry(d, pe) for d, pe in members]))
    # PKCS#7 (not CMS): the content is embedded as is, and its digest covers the content octets
    # of the CTL, without its own tag and length, as for Authenticode. SHA-1, as catalogs of
    # Windows 7 and before: Wine 8 hashes a catalog's signature with the base provider, which
    # has no SHA-256, and then crashes in CryptCATAdminEnumCatalogFromHash.
    content_octets = ctl[read_tlv(ctl, 0)[1]:]
    attributes = [seq(oid(OID_CONTENT_TYPE), set_of(oid(OID_CTL))),
                  seq(oid(OID_SIGNING_TIME), set_of(utc_now())),
                  seq(oid(OID_MESSAGE_DIGEST),
                      set_of(der(0x04, hashlib.sha1(content_octets).digest())))]
    signed_attributes = set_of(*attributes)
    to_sign = os.path.join(workdir, "catalog_attributes.der")
    open(to_sign, "wb").write(signed_attributes)
    signature = subprocess.run(["openssl", "dgst", "-sha1", "-sign", key_pem, to_sign],
                               check=True, timeout=60, capture_output=True).stdout
    cert_der = subprocess.run(["openssl", "x509", "-in", cert_pem, "-outform", "DER"],
                              check=True, timeout=60, capture_output=True).stdout
    signer = seq(integer(1), issuer_and_serial(cert_der), seq(oid(OID_SHA1), b"\x05\0"),
                 der(0xA0, signed_attributes[read_tlv(signed_attributes, 0)[1]:]),
                 seq(oid(OID_RSA), b"\x05\0"), der(0x04, signature))
    signed_data = seq(integer(1), set_of(seq(oid(OID_SHA1), b"\x05\0")),
                      seq(oid(OID_CTL), der(0xA0, ctl)), der(0xA0, cert_der), set_of(signer))
    open(path, "wb").write(seq(oid(OID_SIGNED_DATA), der(0xA0, signed_data)))


def main():
    p = argparse.ArgumentParser()
    for name in ("--wine", "--prefix", "--exe", "--unsigned", "--workdir"):
        p.add_argument(name, required=True)
    a = p.parse_args()

    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    key, cert = os.path.join(a.workdir, "key.pem"), os.path.join(a.workdir, "cert.pem")
    signed = os.path.join(a.workdir, "signed.exe")
    tampered = os.path.join(a.workdir, "tampered.exe")
    tool("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "7", "-subj", "/CN=" + SIGNER_CN + SIGNER_REST,
         "-addext", "extendedKeyUsage=codeSigning")
    tool("osslsigncode", "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in", a.unsigned,
         "-out", signed)
    fingerprint = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint",
                                  "-sha1"], check=True, timeout=60, capture_output=True, text=True)
    sha1 = fingerprint.stdout.strip().split("=", 1)[1].replace(":", "").lower()

    data = bytearray(open(signed, "rb").read())
    data[first_code_byte_offset(data)] ^= 0xFF
    open(tampered, "wb").write(data)

    # Catalog members: a plain file and a copy of the unsigned executable; plus a file the
    # catalog does not list (the plain one, one byte changed).
    listed_flat = os.path.join(a.workdir, "listed.txt")
    listed_pe = os.path.join(a.workdir, "listed.exe")
    unlisted = os.path.join(a.workdir, "unlisted.txt")
    flat = b"a file a catalog vouches for\n" * 100
    open(listed_flat, "wb").write(flat)
    open(unlisted, "wb").write(flat[:-2] + b"!\n")
    shutil.copyfile(a.unsigned, listed_pe)
    catalog = os.path.join(a.workdir, "otguard_test.cat")
    pe = open(listed_pe, "rb").read()
    # The executable under its Authenticode digest, as Windows hashes a PE for catalogs, and
    # under its plain SHA-1, as Wine 8 does (later Wine hashes like Windows).
    make_catalog(catalog, [(hashlib.sha1(flat).digest(), False),
                           (pe_catalog_digest(pe, "sha1"), True),
                           (hashlib.sha1(pe).digest(), True)],
                 cert, key, a.workdir)

    env = {"OTGUARD_SIGNED_EXE": signed, "OTGUARD_TAMPERED_EXE": tampered,
           "OTGUARD_SIGNER_CN": SIGNER_CN,
           "OTGUARD_SIGNER_PUBLISHER": SIGNER_PUBLISHER, "OTGUARD_SIGNER_SHA1": sha1,
           "OTGUARD_CATALOG": catalog, "OTGUARD_CATALOG_FLAT": listed_flat,
           "OTGUARD_CATALOG_PE": listed_pe, "OTGUARD_CATALOG_UNLISTED": unlisted}
    try:
        return run_under_wine(a.wine, a.prefix, a.exe, env, os.path.join(a.workdir, "test.log"),
                              300)
    finally:
        # The test removes the catalog it installs, unless it crashed first: a catalog left in
        # the prefix's database would be examined by every later catalog lookup there.
        catroot = os.path.join(a.prefix, "drive_c", "windows", "system32", "catroot")
        for left in glob.glob(os.path.join(catroot, "*", "otguard_test_*.cat")):
            os.remove(left)


if __name__ == "__main__":
    sys.exit(main())
