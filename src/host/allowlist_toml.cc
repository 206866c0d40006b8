// The TOML reading and quoting that the allowlist file, the proposal file and the merge policy
// share (host/allowlist_toml.h).
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "host/allowlist_text.h"
#include "host/allowlist_toml.h"
#include "otguard/base/suggest.h"

namespace otguard::host::allowlist_internal {
namespace {

constexpr size_t kMaxFileBytes = 16u << 20;
constexpr size_t kMaxRules = 100000;
constexpr size_t kMaxTextBytes = 32 * 1024;

}  // namespace

const KindKeys kKindKeys[] = {
    {ProcessRuleKind::kHash, {"sha256"}, {"path"}},
    {ProcessRuleKind::kPath, {"path"}, {}},
    {ProcessRuleKind::kPathSigner, {"path", "signer"}, {}},
    {ProcessRuleKind::kPublisherPath, {"path", "signer"}, {}},
    {ProcessRuleKind::kPackage, {"package"}, {}},
};

const KindKeys& KeysOf(ProcessRuleKind kind) {
  for (const KindKeys& k : kKindKeys) {
    if (k.kind == kind) return k;
  }
  return kKindKeys[0];
}

bool Contains(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

Status TomlReader::Error(const toml::node& node, std::string_view key,
                         std::string_view what) const {
  return InvalidArgument(origin_ + ": " + std::string(key) + ": " + std::string(what) + " (line " +
                         std::to_string(node.source().begin.line) + ")");
}

Result<std::string> TomlReader::Text(const toml::node& node, const std::string& key) const {
  const auto* s = node.as_string();
  if (s == nullptr) return Unexpected(Error(node, key, "must be a string"));
  const std::string& v = s->get();
  if (v.size() > kMaxTextBytes) return Unexpected(Error(node, key, "longer than 32 KiB"));
  if (HasControlCharacter(v)) {
    return Unexpected(Error(node, key, "has a control character (a line break?)"));
  }
  return v;
}

Result<int64_t> TomlReader::Integer(const toml::node& node, const std::string& key, int64_t min,
                                    int64_t max) const {
  auto v = node.value_exact<int64_t>();
  std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!v) return Unexpected(Error(node, key, "must be an integer " + range));
  if (*v < min || *v > max) {
    return Unexpected(Error(node, key, std::to_string(*v) + " is out of range " + range));
  }
  return *v;
}

Result<EventTime> TomlReader::Time(const toml::node& node, const std::string& key) const {
  OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(node, key));
  auto time = EventTime::ParseRfc3339(text);
  if (!time) return Unexpected(Error(node, key, time.error().message()));
  return *time;
}

Result<const toml::array*> TomlReader::Tables(const toml::table& doc, std::string_view key) const {
  const toml::node* node = doc.get(key);
  if (node == nullptr) return nullptr;
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return Unexpected(Error(*node, key, "must be [[" + std::string(key) + "]] tables"));
  }
  if (array->size() > kMaxRules) {
    return Unexpected(Error(*node, key, "more than " + std::to_string(kMaxRules) + " entries"));
  }
  return array;
}

// Windows paths read as written: a literal string where no escape is needed.
std::string TomlQuote(std::string_view s) {
  const bool plain = !HasControlCharacter(s) && s.find('\'') == std::string_view::npos;
  if (plain && s.find_first_of("\\\"") != std::string_view::npos) {
    return "'" + std::string(s) + "'";
  }
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string UnknownKeyText(std::string_view key, std::initializer_list<std::string_view> known) {
  std::string text = "unknown key '" + std::string(key.substr(0, 64)) + "'";
  std::string_view best = ClosestWord(key, std::span(known.begin(), known.size()));
  return best.empty() ? text : text + " (did you mean '" + std::string(best) + "'?)";
}

Result<toml::table> ParseTomlDocument(std::string_view text, std::string_view origin) {
  const std::string name(origin);
  if (text.size() > kMaxFileBytes)
    return Unexpected(InvalidArgument(name + ": larger than 16 MiB"));
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return Unexpected(InvalidArgument(name + ":" + std::to_string(e.source().begin.line) + ":" +
                                      std::to_string(e.source().begin.column) + ": " +
                                      std::string(e.description())));
  }
}

}  // namespace otguard::host::allowlist_internal
