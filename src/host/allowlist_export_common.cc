#include "host/allowlist_export_common.h"

#include <algorithm>
#include <array>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/platform/crypto.h"

namespace otguard::host {

Result<const ExportTarget*> FindExportTarget(std::string_view name) {
  std::string known;
  for (const ExportTarget* target : ExportTargets()) {
    if (target->name() == name) return target;
    known += known.empty() ? "" : ", ";
    known += target->name();
  }
  return Unexpected(
      InvalidArgument("unknown export format '" + std::string(name) + "' (known: " + known + ")"));
}

namespace export_internal {

std::string_view KindName(ProcessRuleKind kind) {
  switch (kind) {
    case ProcessRuleKind::kHash:
      return "hash";
    case ProcessRuleKind::kPath:
      return "path";
    case ProcessRuleKind::kPathSigner:
      return "path-signer";
    case ProcessRuleKind::kPublisherPath:
      return "publisher-path";
    case ProcessRuleKind::kPackage:
      return "package";
  }
  return "unknown";
}

std::string_view DirectionText(Direction direction) {
  switch (direction) {
    case Direction::kListen:
      return "listen";
    case Direction::kOutbound:
      return "outbound";
    case Direction::kInbound:
      return "inbound";
  }
  return "unknown";
}

Result<std::string> StableGuid(std::string_view name) {
  // otguard's own namespace for name-based UUIDs (a random version 4 UUID, fixed forever:
  // changing it would change every exported rule's Id).
  static constexpr std::array<uint8_t, 16> kNamespace = {0x6f, 0x2b, 0x8c, 0x1e, 0x54, 0x0d,
                                                         0x4a, 0x9f, 0xb3, 0x17, 0xe2, 0x58,
                                                         0xc4, 0x71, 0x0a, 0x93};
  std::vector<uint8_t> input(kNamespace.begin(), kNamespace.end());
  input.insert(input.end(), name.begin(), name.end());
  OTGUARD_ASSIGN_OR_RETURN(auto digest, platform::Sha1(input));
  std::array<uint8_t, 16> uuid;
  std::copy_n(digest.begin(), 16, uuid.begin());
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x50);  // version 5
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = HexEncode(uuid);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

namespace {

// Well-formed UTF-8 (no overlong forms, no surrogates): every target writes text files that
// other tools parse, and an XML parser refuses a document with a stray byte.
bool IsUtf8(std::string_view text) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};  // no overlong forms
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = c < 0x80             ? 0
                   : (c & 0xe0) == 0xc0 ? 1
                   : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3
                                        : 4;
    if (extra == 4 || text.size() - i <= extra) return false;
    uint32_t cp = c & (0x7f >> (extra + 1));
    for (size_t k = 1; k <= extra; ++k) {
      auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3f);
    }
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

Status CheckValue(std::string_view value, std::string_view forbidden, std::string_view rule_id,
                  std::string_view what, std::string_view target) {
  if (!IsUtf8(value)) {
    return InvalidArgument(std::string(rule_id) + ": " + std::string(what) + " is not valid UTF-8");
  }
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgument(std::string(rule_id) + ": " + std::string(what) +
                             " holds a control character, which " + std::string(target) +
                             " cannot take");
    }
    if (forbidden.find(c) != std::string_view::npos) {
      return InvalidArgument(std::string(rule_id) + ": " + std::string(what) + " '" +
                             std::string(value) + "' holds '" + std::string(1, c) +
                             "', which cannot be written in " + std::string(target));
    }
  }
  return Status::Ok();
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of("\\/");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string CommentLines(std::string_view text, std::string_view prefix, std::string_view eol) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    out.append(prefix);
    // A comment line never carries a control character into the file (a CR would end a
    // Windows comment line early).
    for (char c : line) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    out.append(eol);
    start = end + 1;
  }
  return out;
}

std::string RemLines(std::string_view text) {
  std::string safe;
  for (char c : text) {
    if (c == '%')
      safe += "%%";
    else if (c != '^')
      safe += c;
  }
  return CommentLines(safe, "rem ", "\r\n");
}

std::string CmdQuotable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c == '"' ? '\'' : c == '%' ? ' ' : c;
  }
  return out;
}

std::string Header(const Allowlist& allowlist, std::string_view target, std::string_view mode,
                   std::string_view prefix, std::string_view eol) {
  std::string text = "Generated by otguard allowlist export --format " + std::string(target) +
                     " from the allowlist of '" + allowlist.host + "', version " +
                     std::to_string(allowlist.version) + " (" +
                     std::to_string(allowlist.processes.size()) + " process rules, " +
                     std::to_string(allowlist.network.size()) + " network rules).\n" +
                     std::string(mode) +
                     "\nRegenerate it from the allowlist rather than editing it by hand "
                     "(docs/allowlist-export.md).";
  return CommentLines(text, prefix, eol);
}

Result<std::vector<ParsedNetworkRule>> ParseNetworkRules(const Allowlist& allowlist,
                                                         std::string_view target) {
  std::vector<ParsedNetworkRule> out;
  for (const NetworkRule& rule : allowlist.network) {
    if (rule.protocol != "tcp" && rule.protocol != "udp") {
      return Unexpected(InvalidArgument(rule.id + ": protocol '" + rule.protocol +
                                        "' is not tcp or udp; " + std::string(target) +
                                        " export needs one of them"));
    }
    ParsedNetworkRule parsed;
    parsed.rule = &rule;
    if (rule.remote != "any" && !rule.remote.empty()) {
      std::optional<IpPrefix> prefix = ParseIpPrefix(rule.remote);
      if (!prefix) {
        return Unexpected(InvalidArgument(rule.id + ": remote '" + rule.remote +
                                          "' is not an address, a CIDR prefix or 'any'"));
      }
      if (IpPrefixHasHostBits(*prefix)) {
        return Unexpected(InvalidArgument(rule.id + ": remote '" + rule.remote +
                                          "' has bits set beyond its prefix length"));
      }
      parsed.any_remote = false;
      parsed.remote = *prefix;
    }
    out.push_back(parsed);
  }
  return out;
}

}  // namespace export_internal
}  // namespace otguard::host
