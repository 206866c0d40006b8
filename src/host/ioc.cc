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
#include "otguard/base/url.h"

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
  return NormalizeDomainName(text, /*allow_wildcard=*/true);
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
