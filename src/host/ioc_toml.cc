// IOC packs as TOML, format 1 (docs/ioc-packs.md): the loader with its validation and the
// writer. Every error names "<origin>:<line>:<column>" of the offending key or value, because
// pack authors fix packs in an editor.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>

#include "host/ioc_values.h"
#include "otguard/base/suggest.h"
#include "otguard/host/ioc.h"
#include "otguard/platform/files.h"

namespace otguard::host {
namespace {

using ioc_internal::CheckGlob;
using ioc_internal::kMaxIndicators;
using ioc_internal::kMaxPackBytes;
using ioc_internal::kMaxValueBytes;

constexpr uint32_t Bit(IndicatorKind k) { return 1u << static_cast<int>(k); }
constexpr uint32_t kF = Bit(IndicatorKind::kFile), kP = Bit(IndicatorKind::kProcess),
                   kS = Bit(IndicatorKind::kService), kR = Bit(IndicatorKind::kRegistry),
                   kL = Bit(IndicatorKind::kListeningPort),
                   kE = Bit(IndicatorKind::kRemoteEndpoint),
                   kT = Bit(IndicatorKind::kScheduledTask), kA = Bit(IndicatorKind::kAutorun);

// How a condition key's value is read and checked.
enum class Check {
  kPathGlobs,
  kTextGlobs,
  kWordLists,
  kFlag,
  kRegistryKey,
  kProtocol,
  kPorts,
  kAddresses,
  kDomains,
  kUrls,
  kMd5,
  kSha1,
  kSha256,
  kYara
};

struct ConditionKey {
  std::string_view name;
  uint32_t kinds;  // the kinds that have this condition
  Check check;
  // Whether the key can make an indicator match something by itself; not_paths, not_parents
  // and the flags only narrow other conditions (an indicator of only "not" conditions would
  // match nearly every process on the host).
  bool selects;
  std::vector<std::string> Indicator::*strings = nullptr;
  bool Indicator::*flag = nullptr;
};

using I = Indicator;
const ConditionKey kConditionKeys[] = {
    {"paths", kF | kP | kS | kT | kA, Check::kPathGlobs, true, &I::paths},
    {"not_paths", kP, Check::kPathGlobs, false, &I::not_paths},
    {"names", kF | kP | kS | kT | kA, Check::kTextGlobs, true, &I::names},
    {"name_words", kP | kS, Check::kWordLists, true},
    {"parents", kP, Check::kTextGlobs, true, &I::parents},
    {"not_parents", kP, Check::kTextGlobs, false, &I::not_parents},
    {"command_lines", kP | kS | kT | kA, Check::kTextGlobs, true, &I::command_lines},
    {"descriptions", kS, Check::kTextGlobs, true, &I::descriptions},
    {"display_names", kS, Check::kTextGlobs, true, &I::display_names},
    {"service_dlls", kS, Check::kPathGlobs, true, &I::service_dlls},
    {"dll_named_like_service", kS, Check::kFlag, false, nullptr, &I::dll_named_like_service},
    {"end_parent", kP, Check::kFlag, false, nullptr, &I::end_parent},
    {"registry_key", kR, Check::kRegistryKey, true},
    {"value_names", kR, Check::kTextGlobs, false, &I::value_names},
    {"value_data", kR, Check::kTextGlobs, false, &I::value_data},
    {"protocol", kL | kE, Check::kProtocol, false},
    {"ports", kL | kE, Check::kPorts, true},
    {"addresses", kE, Check::kAddresses, true, &I::addresses},
    {"domains", kE, Check::kDomains, true, &I::domains},
    {"urls", kE, Check::kUrls, true, &I::urls},
    {"md5", kF | kP | kS | kA, Check::kMd5, true, &I::md5},
    {"sha1", kF | kP | kS | kA, Check::kSha1, true, &I::sha1},
    {"sha256", kF | kP | kS | kA, Check::kSha256, true, &I::sha256},
    {"yara", kF, Check::kYara, true},
};

constexpr std::string_view kIndicatorKeys[] = {"id",        "title", "kind",        "severity",
                                               "technique", "os",    "remediation", "references"};
constexpr std::string_view kPackKeys[] = {"format",      "id",         "name",       "version",
                                          "description", "references", "prevention", "indicator"};

const ConditionKey* FindConditionKey(std::string_view name) {
  for (const ConditionKey& k : kConditionKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string KindList(uint32_t kinds) {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (kinds & (1u << i)) {
      out += (out.empty() ? "" : ", ") + std::string(IndicatorKindName(IndicatorKind(i)));
    }
  }
  return out;
}

// " (did you mean 'paths'?)" for a key close to a known one: typos are the usual pack bug.
std::string Suggestion(std::string_view key, bool in_indicator) {
  std::vector<std::string_view> known;
  if (in_indicator) {
    known.assign(std::begin(kIndicatorKeys), std::end(kIndicatorKeys));
    for (const ConditionKey& k : kConditionKeys) known.push_back(k.name);
  } else {
    known.assign(std::begin(kPackKeys), std::end(kPackKeys));
  }
  std::string_view best = ClosestWord(key, known);
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

// Reads one pack; `origin` prefixes every error.
class PackReader {
 public:
  explicit PackReader(const std::string& origin) : origin_(origin) {}

  Result<Pack> Read(const toml::table& doc);

 private:
  Status Error(const toml::source_region& where, std::string_view what) const {
    return InvalidArgument(origin_ + ":" + std::to_string(where.begin.line) + ":" +
                           std::to_string(where.begin.column) + ": " + std::string(what));
  }
  Status Error(const toml::node& node, std::string_view what) const {
    return Error(node.source(), what);
  }

  Result<std::string> String(const toml::node& node, std::string_view key, bool one_line);
  Result<std::vector<std::string>> Strings(const toml::node& node, std::string_view key);
  Status ReadIndicator(const toml::table& table, Indicator* out);
  Status ReadCondition(const ConditionKey& key, const toml::node& node, Indicator* out);
  Status ReadWordLists(const toml::node& node, Indicator* out);
  Status ReadPorts(const toml::node& node, Indicator* out);
  Status ReadRegistryKey(const toml::node& node, Indicator* out);

  const std::string& origin_;
};

Result<std::string> PackReader::String(const toml::node& node, std::string_view key,
                                       bool one_line) {
  const auto* s = node.as_string();
  if (s == nullptr) return Unexpected(Error(node, "'" + std::string(key) + "' must be a string"));
  const std::string& v = s->get();
  if (v.size() > (key == "yara" ? kMaxPackBytes : kMaxValueBytes * 16)) {
    return Unexpected(Error(node, "'" + std::string(key) + "' is too long"));
  }
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    bool allowed = c == '\t' || (!one_line && (c == '\n' || c == '\r'));
    if ((u < 0x20 || u == 0x7f) && !allowed) {
      return Unexpected(Error(node, "'" + std::string(key) + "' has a control character"));
    }
  }
  return v;
}

Result<std::vector<std::string>> PackReader::Strings(const toml::node& node, std::string_view key) {
  const auto* array = node.as_array();
  std::string type_error = "'" + std::string(key) + "' must be an array of strings";
  if (array == nullptr) return Unexpected(Error(node, type_error));
  if (array->empty()) return Unexpected(Error(node, "'" + std::string(key) + "' is empty"));
  std::vector<std::string> out;
  for (const toml::node& element : *array) {
    if (!element.is_string()) return Unexpected(Error(element, type_error));
    OTGUARD_ASSIGN_OR_RETURN(std::string v, String(element, key, true));
    if (v.empty())
      return Unexpected(Error(element, "'" + std::string(key) + "' has an empty string"));
    out.push_back(std::move(v));
  }
  return out;
}

Status PackReader::ReadWordLists(const toml::node& node, Indicator* out) {
  const char* kType = "'name_words' must be an array of arrays of words";
  const auto* lists = node.as_array();
  if (lists == nullptr || lists->empty()) return Error(node, kType);
  if (lists->size() > 8) return Error(node, "'name_words' has more than 8 lists");
  for (const toml::node& list : *lists) {
    if (!list.is_array()) return Error(list, kType);
    OTGUARD_ASSIGN_OR_RETURN(std::vector<std::string> words, Strings(list, "name_words"));
    for (const std::string& w : words) {
      // Words are compared whole, so glob characters or separators would be a mistake.
      bool ok = std::all_of(w.begin(), w.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      });
      if (!ok) return Error(list, "name_words: '" + w + "' is not a word of letters and digits");
    }
    out->name_words.push_back(std::move(words));
  }
  return Status::Ok();
}

Status PackReader::ReadPorts(const toml::node& node, Indicator* out) {
  const auto* array = node.as_array();
  if (array == nullptr || array->empty()) {
    return Error(node, "'ports' must be a non-empty array of port numbers");
  }
  for (const toml::node& element : *array) {
    auto v = element.value_exact<int64_t>();
    if (!v || *v < 1 || *v > 65535) return Error(element, "a port must be an integer 1..65535");
    out->ports.push_back(static_cast<uint16_t>(*v));
  }
  return Status::Ok();
}

Status PackReader::ReadRegistryKey(const toml::node& node, Indicator* out) {
  OTGUARD_ASSIGN_OR_RETURN(std::string key, String(node, "registry_key", true));
  static constexpr std::pair<std::string_view, std::string_view> kHives[] = {
      {"HKEY_LOCAL_MACHINE", "HKLM"},
      {"HKEY_USERS", "HKU"},
      {"HKEY_CURRENT_USER", "HKCU"},
      {"HKEY_CLASSES_ROOT", "HKCR"},
      {"HKLM", "HKLM"},
      {"HKU", "HKU"},
      {"HKCU", "HKCU"},
      {"HKCR", "HKCR"}};
  size_t sep = key.find('\\');
  std::string hive = key.substr(0, sep);
  for (char& c : hive) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  std::string_view normal;
  for (const auto& [name, abbreviation] : kHives) {
    if (hive == name) normal = abbreviation;
  }
  if (normal.empty()) {
    return Error(node, "registry_key must start with HKLM\\, HKU\\, HKCU\\ or HKCR\\");
  }
  std::string rest = sep == std::string::npos ? "" : key.substr(sep + 1);
  while (!rest.empty() && rest.back() == '\\') rest.pop_back();
  if (rest.find("\\\\") != std::string::npos || rest.starts_with('\\')) {
    return Error(node, "registry_key has an empty key name ('\\\\')");
  }
  if (rest.find_first_of("*?") != std::string::npos) {
    return Error(node, "registry_key is a key path, not a glob (use value_names for globs)");
  }
  out->registry_key = std::string(normal) + (rest.empty() ? "" : "\\" + rest);
  return Status::Ok();
}

Status PackReader::ReadCondition(const ConditionKey& key, const toml::node& node, Indicator* out) {
  switch (key.check) {
    case Check::kWordLists:
      return ReadWordLists(node, out);
    case Check::kPorts:
      return ReadPorts(node, out);
    case Check::kRegistryKey:
      return ReadRegistryKey(node, out);
    case Check::kFlag: {
      auto v = node.value_exact<bool>();
      if (!v) return Error(node, "'" + std::string(key.name) + "' must be true or false");
      out->*key.flag = *v;
      return Status::Ok();
    }
    case Check::kProtocol: {
      OTGUARD_ASSIGN_OR_RETURN(out->protocol, String(node, key.name, true));
      if (out->protocol != "tcp" && out->protocol != "udp") {
        return Error(node, "protocol must be \"tcp\" or \"udp\" (leave it out for both)");
      }
      return Status::Ok();
    }
    case Check::kYara: {
      OTGUARD_ASSIGN_OR_RETURN(out->yara, String(node, key.name, false));
      // The hunt compiles the rules; here only an obvious mistake is caught early.
      if (out->yara.find("rule") == std::string::npos) {
        return Error(node, "yara must hold YARA rule source (no 'rule' in it)");
      }
      return Status::Ok();
    }
    default:
      break;
  }
  OTGUARD_ASSIGN_OR_RETURN(std::vector<std::string> values, Strings(node, key.name));
  const auto* array = node.as_array();
  for (size_t i = 0; i < values.size(); ++i) {
    const toml::node& element = *array->get(i);
    Result<std::string> normal = values[i];
    switch (key.check) {
      case Check::kAddresses:
        normal = ioc_internal::NormalizeAddress(values[i]);
        break;
      case Check::kDomains:
        normal = ioc_internal::NormalizeDomain(values[i]);
        break;
      case Check::kUrls:
        normal = ioc_internal::NormalizeUrl(values[i]);
        break;
      case Check::kMd5:
        normal = ioc_internal::NormalizeHash(values[i], 32);
        break;
      case Check::kSha1:
        normal = ioc_internal::NormalizeHash(values[i], 40);
        break;
      case Check::kSha256:
        normal = ioc_internal::NormalizeHash(values[i], 64);
        break;
      default:
        if (Status s = CheckGlob(values[i]); !s.ok()) {
          return Error(element, std::string(key.name) + ": " + std::string(s.message()));
        }
    }
    if (!normal)
      return Error(element, std::string(key.name) + ": " + std::string(normal.error().message()));
    values[i] = std::move(*normal);
  }
  out->*key.strings = std::move(values);
  return Status::Ok();
}

Status PackReader::ReadIndicator(const toml::table& table, Indicator* out) {
  const toml::node* kind_node = table.get("kind");
  if (kind_node == nullptr) return Error(table.source(), "[[indicator]] needs a kind");
  OTGUARD_ASSIGN_OR_RETURN(std::string kind_name, String(*kind_node, "kind", true));
  auto kind = ParseIndicatorKind(kind_name);
  if (!kind) return Error(*kind_node, kind.error().message());
  out->kind = *kind;
  bool has_id = false, has_title = false, has_severity = false, selects = false;
  for (auto&& [k, node] : table) {
    const std::string_view key = k.str();
    if (key == "kind") continue;
    if (key == "id") {
      OTGUARD_ASSIGN_OR_RETURN(out->id, String(node, key, true));
      if (!ioc_internal::IsValidIndicatorId(out->id)) {
        return Error(node, "id must be letters, digits and . _ : - (at most 128)");
      }
      has_id = true;
    } else if (key == "title") {
      OTGUARD_ASSIGN_OR_RETURN(out->title, String(node, key, true));
      has_title = !out->title.empty();
    } else if (key == "severity") {
      OTGUARD_ASSIGN_OR_RETURN(std::string name, String(node, key, true));
      auto severity = ParseSeverity(name);
      if (!severity) return Error(node, severity.error().message());
      out->severity = *severity;
      has_severity = true;
    } else if (key == "technique") {
      OTGUARD_ASSIGN_OR_RETURN(out->technique, String(node, key, true));
      if (!out->technique.empty() && IcsTechniqueName(out->technique).empty()) {
        return Error(node, "unknown ATT&CK for ICS technique '" + out->technique +
                               "' (https://attack.mitre.org/techniques/ics/)");
      }
    } else if (key == "os") {
      OTGUARD_ASSIGN_OR_RETURN(std::string os, String(node, key, true));
      if (os == "windows") {
        out->os = TargetOs::kWindows;
      } else if (os == "linux") {
        out->os = TargetOs::kLinux;
      } else if (os != "any") {
        return Error(node, "os must be \"windows\", \"linux\" or \"any\"");
      }
    } else if (key == "remediation") {
      OTGUARD_ASSIGN_OR_RETURN(out->remediation, String(node, key, false));
    } else if (key == "references") {
      OTGUARD_ASSIGN_OR_RETURN(out->references, Strings(node, key));
    } else if (const ConditionKey* condition = FindConditionKey(key)) {
      if (!(condition->kinds & Bit(out->kind))) {
        return Error(k.source(), "'" + std::string(key) + "' does not apply to kind '" + kind_name +
                                     "' (only to: " + KindList(condition->kinds) + ")");
      }
      OTGUARD_RETURN_IF_ERROR(ReadCondition(*condition, node, out));
      selects = selects || condition->selects;
    } else {
      return Error(k.source(), "unknown key '" + std::string(key) + "' in [[indicator]]" +
                                   Suggestion(key, true));
    }
  }
  if (!has_id) return Error(table.source(), "[[indicator]] needs an id");
  if (!has_title) return Error(table.source(), "indicator '" + out->id + "' needs a title");
  if (!has_severity) return Error(table.source(), "indicator '" + out->id + "' needs a severity");
  if (out->kind == IndicatorKind::kRegistry && out->registry_key.empty()) {
    return Error(table.source(), "indicator '" + out->id + "' (registry) needs a registry_key");
  }
  if (out->kind == IndicatorKind::kRegistry && out->os == TargetOs::kLinux) {
    return Error(table.source(), "indicator '" + out->id + "': registry indicators are Windows");
  }
  if (!selects) {
    return Error(table.source(), "indicator '" + out->id +
                                     "' has no condition that selects objects (only not_* "
                                     "conditions, flags or nothing)");
  }
  // Domains and URLs are looked for in texts, ports and addresses in connections: one
  // indicator with both would match either, which is wider than the AND it reads as.
  const bool texts = !out->domains.empty() || !out->urls.empty();
  if (texts && (!out->ports.empty() || !out->addresses.empty() || !out->protocol.empty())) {
    return Error(table.source(), "indicator '" + out->id +
                                     "': domains and urls (looked for in command lines) cannot "
                                     "be combined with ports, addresses or protocol (looked for "
                                     "in connections); make two indicators");
  }
  return Status::Ok();
}

Result<Pack> PackReader::Read(const toml::table& doc) {
  Pack pack;
  const toml::node* format = doc.get("format");
  if (format == nullptr) return Unexpected(Error(doc.source(), "missing 'format = 1'"));
  auto format_value = format->value_exact<int64_t>();
  if (!format_value) return Unexpected(Error(*format, "'format' must be an integer"));
  if (*format_value != kPackFormat) {
    return Unexpected(Error(*format, "unsupported pack format " + std::to_string(*format_value) +
                                         " (this otguard reads " + std::to_string(kPackFormat) +
                                         ")"));
  }
  for (auto&& [k, node] : doc) {
    const std::string_view key = k.str();
    if (key == "format") continue;
    if (key == "id") {
      OTGUARD_ASSIGN_OR_RETURN(pack.id, String(node, key, true));
      bool ok = !pack.id.empty() && pack.id.size() <= 64 &&
                std::all_of(pack.id.begin(), pack.id.end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                         c == '.';
                });
      if (!ok) return Unexpected(Error(node, "pack id must be lower-case letters, digits, - _ ."));
    } else if (key == "name") {
      OTGUARD_ASSIGN_OR_RETURN(pack.name, String(node, key, true));
    } else if (key == "version") {
      OTGUARD_ASSIGN_OR_RETURN(pack.version, String(node, key, true));
    } else if (key == "description") {
      OTGUARD_ASSIGN_OR_RETURN(pack.description, String(node, key, false));
    } else if (key == "references") {
      OTGUARD_ASSIGN_OR_RETURN(pack.references, Strings(node, key));
    } else if (key == "prevention") {
      OTGUARD_ASSIGN_OR_RETURN(pack.prevention, Strings(node, key));
    } else if (key == "indicator") {
      const auto* array = node.as_array();
      if (array == nullptr || !array->is_array_of_tables()) {
        return Unexpected(Error(node, "'indicator' must be [[indicator]] tables"));
      }
      if (array->size() > kMaxIndicators) {
        return Unexpected(
            Error(node, "more than " + std::to_string(kMaxIndicators) + " indicators"));
      }
    } else {
      return Unexpected(Error(k.source(), "unknown key '" + std::string(key) +
                                              "' at the top of the pack" + Suggestion(key, false)));
    }
  }
  if (pack.id.empty()) return Unexpected(Error(doc.source(), "missing pack 'id'"));
  if (pack.name.empty()) return Unexpected(Error(doc.source(), "missing pack 'name'"));
  if (pack.version.empty()) return Unexpected(Error(doc.source(), "missing pack 'version'"));
  std::set<std::string, std::less<>> ids;
  if (const toml::array* array = doc["indicator"].as_array()) {
    for (const toml::node& node : *array) {
      Indicator indicator;
      OTGUARD_RETURN_IF_ERROR(ReadIndicator(*node.as_table(), &indicator));
      if (!ids.insert(indicator.id).second) {
        return Unexpected(Error(node, "duplicate indicator id '" + indicator.id + "'"));
      }
      pack.indicators.push_back(std::move(indicator));
    }
  }
  return pack;
}

// --- writer ---

// A TOML string: a literal string ('C:\x') where that needs no escapes (paths read better),
// a multi-line literal for multi-line text without quotes (YARA rules), else a basic string.
std::string Quote(std::string_view s) {
  bool control = false, newline = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n')
      newline = true;
    else if (u < 0x20 || u == 0x7f)
      control = true;
  }
  const bool quote = s.find('\'') != std::string_view::npos;
  if (!control && !quote && !newline && s.find_first_of("\\\"") != std::string_view::npos) {
    return "'" + std::string(s) + "'";
  }
  if (!control && !quote && newline) return "'''\n" + std::string(s) + "'''";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string QuoteList(const std::vector<std::string>& values) {
  size_t width = 0;
  for (const std::string& v : values) width += v.size() + 4;
  std::string out = "[";
  const bool multi_line = width > 70 && values.size() > 1;
  for (size_t i = 0; i < values.size(); ++i) {
    out += multi_line ? "\n  " : (i == 0 ? "" : ", ");
    out += Quote(values[i]);
    if (multi_line) out += ",";
  }
  return out + (multi_line ? "\n]" : "]");
}

void WriteIndicator(const Indicator& in, std::ostringstream& out) {
  out << "\n[[indicator]]\n";
  out << "id = " << Quote(in.id) << "\n";
  out << "kind = " << Quote(IndicatorKindName(in.kind)) << "\n";
  out << "title = " << Quote(in.title) << "\n";
  out << "severity = " << Quote(SeverityName(in.severity)) << "\n";
  if (!in.technique.empty()) out << "technique = " << Quote(in.technique) << "\n";
  if (in.os != TargetOs::kAny) {
    out << "os = " << Quote(in.os == TargetOs::kWindows ? "windows" : "linux") << "\n";
  }
  for (const ConditionKey& key : kConditionKeys) {
    if (key.strings != nullptr && !(in.*key.strings).empty()) {
      out << key.name << " = " << QuoteList(in.*key.strings) << "\n";
    } else if (key.flag != nullptr && in.*key.flag) {
      out << key.name << " = true\n";
    } else if (key.check == Check::kWordLists && !in.name_words.empty()) {
      out << "name_words = [\n";
      for (const auto& words : in.name_words) out << "  " << QuoteList(words) << ",\n";
      out << "]\n";
    } else if (key.check == Check::kRegistryKey && !in.registry_key.empty()) {
      out << "registry_key = " << Quote(in.registry_key) << "\n";
    } else if (key.check == Check::kProtocol && !in.protocol.empty()) {
      out << "protocol = " << Quote(in.protocol) << "\n";
    } else if (key.check == Check::kPorts && !in.ports.empty()) {
      out << "ports = [";
      for (size_t i = 0; i < in.ports.size(); ++i) out << (i ? ", " : "") << in.ports[i];
      out << "]\n";
    } else if (key.check == Check::kYara && !in.yara.empty()) {
      out << "yara = " << Quote(in.yara) << "\n";
    }
  }
  if (!in.remediation.empty()) out << "remediation = " << Quote(in.remediation) << "\n";
  if (!in.references.empty()) out << "references = " << QuoteList(in.references) << "\n";
}

}  // namespace

Result<Pack> ParsePack(std::string_view text, const std::string& origin) {
  if (text.size() > kMaxPackBytes) {
    return Unexpected(InvalidArgument(origin + ": pack larger than 16 MiB"));
  }
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Unexpected(InvalidArgument(origin + ":" + std::to_string(e.source().begin.line) + ":" +
                                      std::to_string(e.source().begin.column) + ": " +
                                      std::string(e.description())));
  }
  OTGUARD_ASSIGN_OR_RETURN(Pack pack, PackReader(origin).Read(doc));
  pack.origin = origin;
  return pack;
}

Status CheckPackHeader(const Pack& pack) {
  Pack header;  // every field but the indicators
  header.format = pack.format;
  header.id = pack.id;
  header.name = pack.name;
  header.version = pack.version;
  header.description = pack.description;
  header.references = pack.references;
  header.prevention = pack.prevention;
  auto check = ParsePack(PackToToml(header), "the pack header");
  return check ? Status::Ok() : check.error();
}

Result<Pack> LoadPackFile(const std::string& path) {
  OTGUARD_ASSIGN_OR_RETURN(std::string text, platform::ReadFileToString(path, kMaxPackBytes));
  return ParsePack(text, path);
}

std::string PackToToml(const Pack& pack) {
  std::ostringstream out;
  out << "# otguard IOC pack (docs/ioc-packs.md)\n";
  out << "format = " << pack.format << "\n";
  out << "id = " << Quote(pack.id) << "\n";
  out << "name = " << Quote(pack.name) << "\n";
  out << "version = " << Quote(pack.version) << "\n";
  if (!pack.description.empty()) out << "description = " << Quote(pack.description) << "\n";
  if (!pack.references.empty()) out << "references = " << QuoteList(pack.references) << "\n";
  if (!pack.prevention.empty()) out << "prevention = " << QuoteList(pack.prevention) << "\n";
  for (const Indicator& indicator : pack.indicators) WriteIndicator(indicator, out);
  return out.str();
}

}  // namespace otguard::host
