// The TOML reading and writing the allowlist file, the proposal file and the merge policy
// share (allowlist_toml.cc): one error form, "<origin>: <key>: <what> (line N)", one string
// check and one quoting. Private to host; includes toml++.
#ifndef OTGUARD_SRC_HOST_ALLOWLIST_TOML_H_
#define OTGUARD_SRC_HOST_ALLOWLIST_TOML_H_

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/host/allowlist.h"

namespace otguard::host::allowlist_internal {

// The allowlist file's format number ([allowlist] format = 1).
inline constexpr int64_t kAllowlistFormat = 1;

// The keys each process rule kind uses besides id, kind and comment, and which it needs.
struct KindKeys {
  ProcessRuleKind kind;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};
const KindKeys& KeysOf(ProcessRuleKind kind);
bool Contains(const std::vector<std::string_view>& keys, std::string_view key);

// A TOML document, or InvalidArgument "<origin>:<line>:<column>: <what>"; refuses more than
// 16 MiB.
Result<toml::table> ParseTomlDocument(std::string_view text, std::string_view origin);

// Reads values with errors that name the origin, the key path and the line.
class TomlReader {
 public:
  explicit TomlReader(std::string_view origin) : origin_(origin) {}

  Status Error(const toml::node& node, std::string_view key, std::string_view what) const;
  // A one-line string (no control character but tab), at most 32 KiB.
  Result<std::string> Text(const toml::node& node, const std::string& key) const;
  Result<int64_t> Integer(const toml::node& node, const std::string& key, int64_t min,
                          int64_t max) const;
  // An RFC 3339 UTC time in a string.
  Result<EventTime> Time(const toml::node& node, const std::string& key) const;
  // The [[key]] tables of `doc`, null when absent; an error when `key` is something else or
  // has more than 100,000 entries.
  Result<const toml::array*> Tables(const toml::table& doc, std::string_view key) const;

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
};

// The allowlist of a parsed document; with `proposal`, [[widening]] and [[transient]] tables
// are accepted (and left to the caller) when the version is 0.
Result<Allowlist> ReadAllowlistDocument(const toml::table& doc, std::string_view origin,
                                        bool proposal);

// A TOML string: literal ('C:\x') where that needs no escapes, else basic with escapes.
std::string TomlQuote(std::string_view s);

// "unknown key 'paht' (did you mean 'path'?)".
std::string UnknownKeyText(std::string_view key, std::initializer_list<std::string_view> known);

}  // namespace otguard::host::allowlist_internal

#endif  // OTGUARD_SRC_HOST_ALLOWLIST_TOML_H_
