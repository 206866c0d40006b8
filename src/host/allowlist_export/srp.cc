// Software Restriction Policies (Windows XP and editions without AppLocker) as a .reg file for
// regedit: the policy's registry form under HKLM\SOFTWARE\Policies\Microsoft\Windows\Safer
// CodeIdentifiers — DefaultLevel, and Unrestricted (262144) rules under 262144\Paths\{guid}
// (ItemData: the path) and 262144\Hashes\{guid} (ItemData: the file's MD5, HashAlg 0x8003 =
// CALG_MD5, ItemSize: its length).
//
// The file is UTF-16LE with a byte-order mark, as regedit writes "Version 5.00" files: then a
// hex(2) (REG_EXPAND_SZ) value is UTF-16 on every reader (Wine's regedit reads hex(2) in a file
// without the mark as ANSI bytes: "%\0H\0..." became "%") and any path is written as it is.
//
// SRP has no audit mode: without --enforce the default level stays Unrestricted, so the rules
// are staged and nothing changes. Its hash rules need the file's MD5 and size, which the
// allowlist does not keep (options' file facts); certificate rules need the certificate itself.
// What cannot be written exactly is widened to a path rule, with a comment.
#include <string>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::srp {
namespace {

using export_internal::BaseName;
using export_internal::CheckValue;
using export_internal::KindName;
using export_internal::StableGuid;

constexpr std::string_view kName = "srp";
constexpr std::string_view kEol = "\r\n";  // regedit's own files end lines with CRLF
constexpr std::string_view kRoot =
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers";

void Comment(std::string& out, std::string_view text) {
  out += export_internal::CommentLines(text, "; ", kEol);
}

std::string Hex2(uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 0xf];
  return out;
}

std::string HexBytes(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) out += (i ? "," : "") + Hex2(bytes[i], 2);
  return out;
}

// UTF-8 to UTF-16LE bytes (the input is checked to be UTF-8).
std::vector<uint8_t> Utf16Le(std::string_view text) {
  std::vector<uint8_t> out;
  auto unit = [&](uint32_t u) {
    out.push_back(static_cast<uint8_t>(u & 0xff));
    out.push_back(static_cast<uint8_t>(u >> 8));
  };
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
    uint32_t cp = extra == 0 ? c : c & (0x7f >> (extra + 1));
    for (size_t k = 1; k <= extra && i + k < text.size(); ++k) {
      cp = cp << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xd800 | (cp >> 10));
      unit(0xdc00 | (cp & 0x3ff));
    } else {
      unit(cp);
    }
    i += extra + 1;
  }
  return out;
}

// A string value: "..." (REG_SZ), or hex(2) (REG_EXPAND_SZ, UTF-16LE with its NUL) when it
// holds a %VARIABLE% to expand.
std::string StringValue(std::string_view name, std::string_view value) {
  std::string out = "\"" + std::string(name) + "\"=";
  if (value.find('%') != std::string_view::npos) {
    std::vector<uint8_t> bytes = Utf16Le(value);
    bytes.insert(bytes.end(), {0, 0});
    return out + "hex(2):" + HexBytes(bytes) + std::string(kEol);
  }
  out += "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"" + std::string(kEol);
}

std::string Dword(std::string_view name, uint32_t value) {
  return "\"" + std::string(name) + "\"=dword:" + Hex2(value, 8) + std::string(kEol);
}

Status PathEntry(const ProcessRule& rule, std::string_view path, std::string& out) {
  OTGUARD_ASSIGN_OR_RETURN(std::string guid, StableGuid("srp/" + rule.id + "/path"));
  out += "[" + std::string(kRoot) + "\\262144\\Paths\\{" + guid + "}]" + std::string(kEol);
  out += StringValue("Description", "otguard " + rule.id + ": " + rule.comment);
  out += Dword("SaferFlags", 0);
  out += StringValue("ItemData", path);
  out += kEol;
  return Status::Ok();
}

Status HashEntry(const ProcessRule& rule, const std::string& sha256, const ExportFileFacts& facts,
                 std::string& out) {
  OTGUARD_ASSIGN_OR_RETURN(std::string guid, StableGuid("srp/" + rule.id + "/hash/" + sha256));
  std::vector<uint8_t> md5;
  for (size_t i = 0; i + 1 < facts.md5.size(); i += 2) {
    md5.push_back(static_cast<uint8_t>(std::stoul(facts.md5.substr(i, 2), nullptr, 16)));
  }
  std::vector<uint8_t> size;
  for (int i = 0; i < 8; ++i) size.push_back(static_cast<uint8_t>(facts.size >> (8 * i)));
  std::string name = facts.file_name.empty() ? std::string(BaseName(rule.path)) : facts.file_name;
  out += "[" + std::string(kRoot) + "\\262144\\Hashes\\{" + guid + "}]" + std::string(kEol);
  out += StringValue("Description", "otguard " + rule.id + ": sha256 " + sha256);
  out += StringValue("FriendlyName", name);
  out += Dword("HashAlg", 0x8003);  // CALG_MD5
  out += "\"ItemData\"=hex:" + HexBytes(md5) + std::string(kEol);
  out += "\"ItemSize\"=hex(b):" + HexBytes(size) + std::string(kEol);
  out += Dword("SaferFlags", 0);
  out += kEol;
  return Status::Ok();
}

bool IsMd5(std::string_view hex) {
  if (hex.size() != 32) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Status HashRule(const ProcessRule& rule, const ExportOptions& options, std::string& out) {
  std::string unknown;
  for (const std::string& sha256 : rule.sha256) {
    auto it = options.files.find(sha256);
    if (it != options.files.end() && IsMd5(it->second.md5)) {
      OTGUARD_RETURN_IF_ERROR(CheckValue(it->second.file_name, "", rule.id, "file name", kName));
      OTGUARD_RETURN_IF_ERROR(HashEntry(rule, sha256, it->second, out));
    } else {
      unknown += (unknown.empty() ? "" : ", ") + sha256;
    }
  }
  if (unknown.empty()) return Status::Ok();
  if (rule.path.empty()) {
    Comment(out, "NOT EXPORTED " + rule.id + ": no MD5 known for SHA-256 " + unknown +
                     " and no path to fall back to");
    return Status::Ok();
  }
  Comment(out, "WIDENED " + rule.id + ": no MD5 known for SHA-256 " + unknown +
                   "; any content at this path is allowed");
  return PathEntry(rule, rule.path, out);
}

Status RuleEntries(const ProcessRule& rule, const ExportOptions& options, std::string& out) {
  for (std::string_view value : {std::string_view(rule.path), std::string_view(rule.signer),
                                 std::string_view(rule.comment)}) {
    OTGUARD_RETURN_IF_ERROR(CheckValue(value, "", rule.id, "a value", kName));
  }
  Comment(out, rule.id + " " + std::string(KindName(rule.kind)) +
                   (rule.comment.empty() ? "" : ": " + rule.comment));
  switch (rule.kind) {
    case ProcessRuleKind::kHash:
      return HashRule(rule, options, out);
    case ProcessRuleKind::kPath:
      return PathEntry(rule, rule.path, out);
    case ProcessRuleKind::kPathSigner:
      Comment(out, "WIDENED: SRP certificate rules need the certificate itself; the signer '" +
                       rule.signer + "' is not checked");
      return PathEntry(rule, rule.path, out);
    case ProcessRuleKind::kPublisherPath:
      Comment(out, "WIDENED: the signer '" + rule.signer +
                       "' is not checked; any file under the folder is allowed");
      return PathEntry(rule, rule.path, out);
    case ProcessRuleKind::kPackage:
      Comment(out, "NOT EXPORTED: package rules are for Linux hosts");
      out += kEol;
      return Status::Ok();
  }
  return Status::Ok();
}

Status DefaultEntries(std::string& out) {
  // The two path rules the Software Restriction Policies snap-in creates: the Windows folder
  // and Program Files, named through the registry values that hold them.
  Comment(out, "SRP's default rules (--windows-defaults): the Windows folder and Program Files.");
  static constexpr std::pair<const char*, const char*> kDefaults[] = {
      {"default SystemRoot",
       "%HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SystemRoot%"},
      {"default ProgramFilesDir",
       "%HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\ProgramFilesDir%"},
  };
  for (const auto& [id, path] : kDefaults) {
    ProcessRule rule;
    rule.id = id;
    rule.comment = "default rule";
    OTGUARD_RETURN_IF_ERROR(PathEntry(rule, path, out));
  }
  return Status::Ok();
}

class Srp final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  bool uses_file_facts() const override { return true; }
  std::string_view description() const override {
    return "Software Restriction Policies .reg file (Windows XP, editions without AppLocker)";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    if (options.enforce && !options.windows_defaults) {
      return Unexpected(InvalidArgument(
          "srp: a Disallowed default level without the Windows and Program Files rules blocks "
          "Windows itself and stops the station; add --windows-defaults"));
    }
    std::string out =
        "Windows Registry Editor Version 5.00" + std::string(kEol) + std::string(kEol);
    out += export_internal::Header(
        allowlist, kName,
        options.enforce ? "ENFORCING: DefaultLevel Disallowed; only these rules may run programs."
                        : "STAGED: SRP has no audit mode. DefaultLevel stays Unrestricted, so "
                          "nothing is blocked; export with --enforce (and --windows-defaults) to "
                          "block what the rules do not allow.",
        "; ", kEol);
    Comment(out,
            "Load: regedit /s FILE (as an administrator), then gpupdate /force or a restart. It "
            "adds rules and sets the default level; rules it wrote before keep their keys.\n"
            "Network rules are not part of SRP: export them with --format xp-firewall.");
    out += kEol;
    out += "[" + std::string(kRoot) + "]" + std::string(kEol);
    out += Dword("DefaultLevel", options.enforce ? 0 : 0x40000);
    out += Dword("TransparentEnabled", 1);  // programs, not every DLL
    out += Dword("PolicyScope", 0);         // administrators too
    out += Dword("AuthenticodeEnabled", 0);
    out += kEol;
    if (options.windows_defaults) OTGUARD_RETURN_IF_ERROR(DefaultEntries(out));
    for (const ProcessRule& rule : allowlist.processes) {
      OTGUARD_RETURN_IF_ERROR(RuleEntries(rule, options, out));
    }
    OTGUARD_RETURN_IF_ERROR(CheckValue(allowlist.host, "", "host", "the host name", kName));
    std::vector<uint8_t> utf16 = Utf16Le(out);
    std::string file = "\xff\xfe";  // the byte-order mark
    file.append(utf16.begin(), utf16.end());
    return file;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const Srp target;
  return target;
}

}  // namespace otguard::host::allowlist_export::srp
