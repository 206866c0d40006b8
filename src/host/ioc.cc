// The IOC model's names, the ATT&CK for ICS technique table, the checks and normal forms of
// indicator values (ioc_values.h) and the packs compiled into otguard. The TOML loader and
// writer are in ioc_toml.cc.
#include "otguard/host/ioc.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "host/ioc_values.h"
#include "otguard/base/ip_text.h"
#include "otguard/base/log.h"

// The built-in packs: cmake/OtguardEmbed.cmake generates this header from data/ioc/*.toml.
// Without it (a build tree whose CMakeLists does not embed them) otguard has no built-in pack.
#if __has_include("otguard_embedded/builtin_packs.inc")
#include "otguard_embedded/builtin_packs.inc"
#define OTGUARD_HAVE_BUILTIN_PACKS 1
#endif

namespace otguard::host {
namespace {

constexpr std::array<const char*, 8> kKindNames = {
    "file",           "process",         "service",        "registry",
    "listening-port", "remote-endpoint", "scheduled-task", "autorun"};

struct Technique {
  std::string_view id;
  std::string_view name;
};

// MITRE ATT&CK for ICS techniques, https://attack.mitre.org/techniques/ics/ (public MITRE data,
// names as published; deprecated ids are kept so that older packs still load). Sorted by id.
constexpr Technique kIcsTechniques[] = {
    {"T0800", "Activate Firmware Update Mode"},
    {"T0801", "Monitor Process State"},
    {"T0802", "Automated Collection"},
    {"T0803", "Block Command Message"},
    {"T0804", "Block Reporting Message"},
    {"T0805", "Block Serial COM"},
    {"T0806", "Brute Force I/O"},
    {"T0807", "Command-Line Interface"},
    {"T0808", "Control Device Identification"},  // deprecated
    {"T0809", "Data Destruction"},
    {"T0810", "Data Historian Compromise"},  // deprecated
    {"T0811", "Data from Information Repositories"},
    {"T0812", "Default Credentials"},
    {"T0813", "Denial of Control"},
    {"T0814", "Denial of Service"},
    {"T0815", "Denial of View"},
    {"T0816", "Device Restart/Shutdown"},
    {"T0817", "Drive-by Compromise"},
    {"T0818", "Engineering Workstation Compromise"},  // deprecated
    {"T0819", "Exploit Public-Facing Application"},
    {"T0820", "Exploitation for Evasion"},
    {"T0821", "Modify Controller Tasking"},
    {"T0822", "External Remote Services"},
    {"T0823", "Graphical User Interface"},
    {"T0824", "I/O Module Discovery"},     // deprecated
    {"T0825", "Location Identification"},  // deprecated
    {"T0826", "Loss of Availability"},
    {"T0827", "Loss of Control"},
    {"T0828", "Loss of Productivity and Revenue"},
    {"T0829", "Loss of View"},
    {"T0830", "Adversary-in-the-Middle"},
    {"T0831", "Manipulation of Control"},
    {"T0832", "Manipulation of View"},
    {"T0833", "Modify Control Logic"},  // deprecated
    {"T0834", "Native API"},
    {"T0835", "Manipulate I/O Image"},
    {"T0836", "Modify Parameter"},
    {"T0837", "Loss of Protection"},
    {"T0838", "Modify Alarm Settings"},
    {"T0839", "Module Firmware"},
    {"T0840", "Network Connection Enumeration"},
    {"T0841", "Network Service Scanning"},  // deprecated
    {"T0842", "Network Sniffing"},
    {"T0843", "Program Download"},
    {"T0844", "Program Organization Units"},  // deprecated
    {"T0845", "Program Upload"},
    {"T0846", "Remote System Discovery"},
    {"T0847", "Replication Through Removable Media"},
    {"T0848", "Rogue Master"},
    {"T0849", "Masquerading"},
    {"T0850", "Role Identification"},  // deprecated
    {"T0851", "Rootkit"},
    {"T0852", "Screen Capture"},
    {"T0853", "Scripting"},
    {"T0854", "Serial Connection Enumeration"},  // deprecated
    {"T0855", "Unauthorized Command Message"},
    {"T0856", "Spoof Reporting Message"},
    {"T0857", "System Firmware"},
    {"T0858", "Change Operating Mode"},
    {"T0859", "Valid Accounts"},
    {"T0860", "Wireless Compromise"},
    {"T0861", "Point & Tag Identification"},
    {"T0862", "Supply Chain Compromise"},
    {"T0863", "User Execution"},
    {"T0864", "Transient Cyber Asset"},
    {"T0865", "Spearphishing Attachment"},
    {"T0866", "Exploitation of Remote Services"},
    {"T0867", "Lateral Tool Transfer"},
    {"T0868", "Detect Operating Mode"},
    {"T0869", "Standard Application Layer Protocol"},
    {"T0870", "Detect Program State"},  // deprecated
    {"T0871", "Execution through API"},
    {"T0872", "Indicator Removal on Host"},
    {"T0873", "Project File Infection"},
    {"T0874", "Hooking"},
    {"T0875", "Change Program State"},  // deprecated
    {"T0877", "I/O Image"},
    {"T0878", "Alarm Suppression"},
    {"T0879", "Damage to Property"},
    {"T0880", "Loss of Safety"},
    {"T0881", "Service Stop"},
    {"T0882", "Theft of Operational Information"},
    {"T0883", "Internet Accessible Device"},
    {"T0884", "Connection Proxy"},
    {"T0885", "Commonly Used Port"},
    {"T0886", "Remote Services"},
    {"T0887", "Wireless Sniffing"},
    {"T0888", "Remote System Information Discovery"},
    {"T0889", "Modify Program"},
    {"T0890", "Exploitation for Privilege Escalation"},
    {"T0891", "Hardcoded Credentials"},
    {"T0892", "Change Credential"},
    {"T0893", "Data from Local System"},
    {"T0894", "System Binary Proxy Execution"},
    {"T0895", "Autorun Image"},
};

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal number without sign or leading zeros, at most `max`.
bool ParseDecimal(std::string_view s, uint32_t max, uint32_t* out) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

const char* IndicatorKindName(IndicatorKind kind) {
  return kKindNames.at(static_cast<size_t>(kind));
}

Result<IndicatorKind> ParseIndicatorKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (name == kKindNames[i]) return static_cast<IndicatorKind>(i);
  }
  std::string all;
  for (const char* k : kKindNames) all += (all.empty() ? "" : ", ") + std::string(k);
  return Unexpected(InvalidArgument("unknown kind '" + std::string(name) + "' (" + all + ")"));
}

std::string_view IcsTechniqueName(std::string_view id) {
  auto it = std::lower_bound(std::begin(kIcsTechniques), std::end(kIcsTechniques), id,
                             [](const Technique& t, std::string_view v) { return t.id < v; });
  return it != std::end(kIcsTechniques) && it->id == id ? it->name : std::string_view();
}

std::vector<Pack> BuiltinPacks() {
  // Parsed once; a pack is a few hundred indicators, so callers get their own copy.
  static const std::vector<Pack>* packs = [] {
    auto* out = new std::vector<Pack>();
#ifdef OTGUARD_HAVE_BUILTIN_PACKS
    struct Embedded {
      const char* name;
      const unsigned char* data;
      size_t size;
    };
    static constexpr Embedded kFiles[] = {OTGUARD_EMBEDDED_BUILTIN_PACKS};
    for (const Embedded& f : kFiles) {
      std::string_view text(reinterpret_cast<const char*>(f.data), f.size);
      auto pack = ParsePack(text, std::string("built-in:") + f.name);
      // A test parses every data/ioc file, so this only fails for a build from edited data.
      if (!pack) {
        OTGUARD_LOG_ERROR("built-in IOC pack {}: {}", f.name, pack.error().ToString());
        continue;
      }
      pack->origin = "built-in";
      out->push_back(std::move(*pack));
    }
#endif
    return out;
  }();
  return *packs;
}

namespace ioc_internal {

Result<std::string> NormalizeHash(std::string_view hex, size_t digits) {
  if (hex.size() != digits) {
    return Unexpected(InvalidArgument("hash '" + std::string(hex.substr(0, 80)) + "' has " +
                                      std::to_string(hex.size()) + " characters, not " +
                                      std::to_string(digits) + " hex digits"));
  }
  std::string out(hex);
  for (char& c : out) {
    if (!IsHexDigit(c)) {
      return Unexpected(InvalidArgument("hash '" + std::string(hex) + "' is not hexadecimal"));
    }
    c = ToLower(c);
  }
  return out;
}

Result<std::string> NormalizeAddress(std::string_view text) {
  std::string_view addr = text;
  std::string_view prefix;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    prefix = text.substr(slash + 1);
  }
  std::optional<IpPrefix> ip = !addr.empty() ? ParseIpPrefix(addr) : std::nullopt;
  if (!ip) {
    return Unexpected(InvalidArgument("'" + std::string(text.substr(0, 80)) +
                                      "' is not an IPv4 or IPv6 address (or address/prefix)"));
  }
  std::string out = IpPrefixText(*ip);
  if (slash == std::string_view::npos) return out;
  const bool v6 = ip->family == 6;
  uint32_t bits = 0;
  if (!ParseDecimal(prefix, v6 ? 128 : 32, &bits)) {
    return Unexpected(InvalidArgument("'" + std::string(text) + "': prefix length must be 0.." +
                                      (v6 ? "128" : "32")));
  }
  ip->length = static_cast<int>(bits);
  if (IpPrefixHasHostBits(*ip)) {
    return Unexpected(InvalidArgument("'" + std::string(text) +
                                      "': address has bits set beyond the prefix length"));
  }
  return out + "/" + std::to_string(bits);
}

Result<std::string> NormalizeDomain(std::string_view text) {
  std::string out;
  std::string_view name = text;
  if (name.starts_with("*.")) {
    out = "*.";
    name.remove_prefix(2);
  }
  if (name.ends_with('.')) name.remove_suffix(1);
  auto bad = [&](std::string_view why) {
    return Unexpected(
        InvalidArgument("domain '" + std::string(text.substr(0, 80)) + "': " + std::string(why)));
  };
  if (name.empty() || name.size() > 253) return bad("must have 1..253 characters");
  size_t labels = 0;
  std::string_view last;
  for (std::string_view rest = name;;) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63) return bad("labels must have 1..63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
    for (char c : label) {
      // '_' appears in real names (SRV, some CDNs) though RFC 952 hostnames lack it.
      if (!(IsDigit(c) || (ToLower(c) >= 'a' && ToLower(c) <= 'z') || c == '-' || c == '_')) {
        return bad("only letters, digits, '-' and '_' (and a leading '*.') are allowed");
      }
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) return bad("needs at least two labels (\"example.com\")");
  if (std::all_of(last.begin(), last.end(), IsDigit)) {
    return bad("looks like an IPv4 address: put it in addresses");
  }
  for (char c : name) out += ToLower(c);
  return out;
}

Result<std::string> NormalizeUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Unexpected(
        InvalidArgument("URL '" + std::string(text.substr(0, 120)) + "': " + std::string(why)));
  };
  if (text.size() > kMaxValueBytes) return bad("longer than 4096 bytes");
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("has a space or a control character");
  }
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return bad("needs scheme://host");
  std::string out;
  for (size_t i = 0; i < colon; ++i) {
    char c = ToLower(text[i]);
    bool ok = (c >= 'a' && c <= 'z') || (i > 0 && (IsDigit(c) || c == '+' || c == '.' || c == '-'));
    if (!ok) return bad("the scheme has a character other than letters, digits, '+', '.', '-'");
    out += c;
  }
  const std::string scheme = out;
  std::string_view rest = text.substr(colon + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad("text after ']'");
    if (!after.empty()) port = after.substr(1);
    if (host.find(':') == std::string_view::npos) return bad("'[...]' holds no IPv6 address");
  } else if (size_t c = authority.find(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return bad("no host");
  if (host.find_first_of("*?/") != std::string_view::npos) return bad("the host is not a name");
  std::string host_text;
  if (auto address = NormalizeAddress(host); address && address->find('/') == std::string::npos) {
    host_text = address->find(':') != std::string::npos ? "[" + *address + "]" : *address;
  } else if (auto domain = NormalizeDomain(host)) {
    host_text = *domain;
  } else {
    return bad("the host is neither an address nor a domain of two or more labels");
  }
  out += "://" + host_text;
  if (!port.empty()) {
    uint32_t n = 0;
    if (!ParseDecimal(port, 65535, &n) || n == 0) return bad("the port is not 1..65535");
    const bool default_port = (scheme == "http" && n == 80) || (scheme == "https" && n == 443) ||
                              (scheme == "ftp" && n == 21);
    if (!default_port) out += ":" + std::to_string(n);
  }
  if (path.empty() || path.front() == '?') out += '/';
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) &&
        IsHexDigit(path[i + 2])) {
      out += '%';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 1])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string UrlMatchKey(std::string_view normal_url) {
  const size_t colon = normal_url.find("://");
  if (colon == std::string_view::npos) return std::string(normal_url);
  std::string_view scheme = normal_url.substr(0, colon);
  std::string family = scheme == "http" || scheme == "https" ? "web" : std::string(scheme);
  return family + "|" + std::string(normal_url.substr(colon + 3));
}

Status CheckGlob(std::string_view glob) {
  if (glob.empty()) return InvalidArgument("empty pattern");
  if (glob.size() > kMaxValueBytes) {
    return InvalidArgument("pattern longer than " + std::to_string(kMaxValueBytes) + " bytes");
  }
  for (char c : glob) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return InvalidArgument("pattern has a control character");
  }
  return Status::Ok();
}

bool IsValidIndicatorId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = ToLower(id[i]);
    bool alnum = IsDigit(c) || (c >= 'a' && c <= 'z');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != ':' && c != '-'))) return false;
  }
  return true;
}

}  // namespace ioc_internal
}  // namespace otguard::host
