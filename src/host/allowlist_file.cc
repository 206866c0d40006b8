// The allowlist file, TOML (docs/allowlist.md "The allowlist file"), read with strict checks,
// because a person approves it and a typo must not silently allow or forbid something.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "host/allowlist_text.h"
#include "host/allowlist_toml.h"
#include "otguard/base/ip_text.h"
#include "otguard/host/allowlist.h"

// The reader; the TOML helpers it shares with the proposal file and the merge policy are in
// allowlist_toml.cc, the writer in allowlist_file_write.cc.
namespace otguard::host::allowlist_internal {

constexpr std::string_view kProcessKeys[] = {"id",     "kind",    "path",   "sha256",
                                             "signer", "package", "comment"};
constexpr std::string_view kChangeKeys[] = {"version", "time", "by", "what"};
constexpr std::string_view kNetworkKeys[] = {"id",     "process", "protocol", "direction",
                                             "remote", "port",    "comment"};

bool IsAbsolutePath(std::string_view p) {
  if (p.starts_with('/') || p.starts_with("\\\\")) return true;  // POSIX, UNC
  return p.size() >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
         p[1] == ':' && (p[2] == '\\' || p[2] == '/');
}

bool IsValidId(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix) || id.size() == prefix.size() || id.size() > prefix.size() + 64) {
    return false;
  }
  return std::all_of(id.begin() + prefix.size(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// Reads one allowlist; every error is "<origin>: <key path>: <what> (line N)".
class AllowlistReader : public TomlReader {
 public:
  AllowlistReader(std::string_view origin, bool proposal)
      : TomlReader(origin), proposal_(proposal) {}

  Result<Allowlist> Read(const toml::table& doc);

 private:
  Status ReadHeader(const toml::node& node, Allowlist* out) const;
  Status ReadProcess(const toml::table& table, const std::string& at, ProcessRule* out) const;
  Status ReadHashes(const toml::node& node, const std::string& key, ProcessRule* out) const;
  Status ReadNetwork(const toml::table& table, const std::string& at, NetworkRule* out) const;
  Status ReadChange(const toml::table& table, const std::string& at, AllowlistChange* out) const;

  bool proposal_;
};

Status AllowlistReader::ReadHeader(const toml::node& node, Allowlist* out) const {
  const toml::table* table = node.as_table();
  if (table == nullptr) return Error(node, "allowlist", "must be a table: [allowlist]");
  bool has_format = false, has_version = false;
  for (auto&& [k, value] : *table) {
    const std::string key = "allowlist." + std::string(k.str());
    if (k.str() == "format") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t format, Integer(value, key, 1, INT64_MAX));
      if (format != kAllowlistFormat) {
        return Error(value, key,
                     "format " + std::to_string(format) + " is newer than this otguard reads (1)");
      }
      has_format = true;
    } else if (k.str() == "version") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t version, Integer(value, key, 0, INT64_MAX));
      out->version = static_cast<uint64_t>(version);
      has_version = true;
    } else if (k.str() == "host") {
      OTGUARD_ASSIGN_OR_RETURN(out->host, Text(value, key));
    } else {
      return Error(value, key, UnknownKeyText(k.str(), {"format", "version", "host"}));
    }
  }
  if (!has_format) return Error(node, "allowlist.format", "missing (format = 1)");
  if (!has_version) return Error(node, "allowlist.version", "missing (0 for a proposal)");
  return Status::Ok();
}

Status AllowlistReader::ReadHashes(const toml::node& node, const std::string& key,
                                   ProcessRule* out) const {
  const toml::array* array = node.as_array();
  if (array == nullptr || array->empty()) {
    return Error(node, key, "must be a non-empty array of SHA-256 digests");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string at = key + "[" + std::to_string(i + 1) + "]";
    OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(element, at));
    auto hash = allowlist_internal::NormalizeSha256(text);
    if (!hash) return Error(element, at, hash.error().message());
    out->sha256.push_back(std::move(*hash));
  }
  std::sort(out->sha256.begin(), out->sha256.end());
  auto duplicate = std::adjacent_find(out->sha256.begin(), out->sha256.end());
  if (duplicate != out->sha256.end()) return Error(node, key, "'" + *duplicate + "' twice");
  return Status::Ok();
}

Status AllowlistReader::ReadProcess(const toml::table& table, const std::string& at,
                                    ProcessRule* out) const {
  const toml::node* kind_node = table.get("kind");
  if (kind_node == nullptr) {
    return Error(table, at + ".kind", "missing (hash, path, path-signer, publisher-path, package)");
  }
  OTGUARD_ASSIGN_OR_RETURN(std::string kind_word, Text(*kind_node, at + ".kind"));
  auto kind = allowlist_internal::ParseProcessRuleKind(kind_word);
  if (!kind) return Error(*kind_node, at + ".kind", kind.error().message());
  out->kind = *kind;
  const KindKeys& uses = KeysOf(*kind);
  for (auto&& [k, value] : table) {
    const std::string_view name = k.str();
    const std::string key = at + "." + std::string(name);
    if (name == "kind") continue;
    if (name == "id") {
      OTGUARD_ASSIGN_OR_RETURN(out->id, Text(value, key));
      if (!IsValidId(out->id, "p-")) {
        return Error(value, key, "'" + out->id + "' is not \"p-\" and up to 64 of a-z 0-9 - _ .");
      }
      continue;
    }
    if (name == "comment") {
      OTGUARD_ASSIGN_OR_RETURN(out->comment, Text(value, key));
      continue;
    }
    if (std::find(std::begin(kProcessKeys), std::end(kProcessKeys), name) ==
        std::end(kProcessKeys)) {
      return Error(
          value, key,
          UnknownKeyText(name, {"id", "kind", "path", "sha256", "signer", "package", "comment"}));
    }
    if (!Contains(uses.required, name) && !Contains(uses.optional, name)) {
      return Error(value, key, "a '" + kind_word + "' rule has no " + std::string(name));
    }
    if (name == "sha256") {
      OTGUARD_RETURN_IF_ERROR(ReadHashes(value, key, out));
      continue;
    }
    OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(value, key));
    if (text.empty()) return Error(value, key, "is empty");
    if (name == "path") {
      if (!IsAbsolutePath(text)) {
        return Error(value, key, "'" + text + "' is not an absolute path");
      }
      out->path = std::move(text);
    } else if (name == "signer") {
      out->signer = std::move(text);
    } else {
      out->package = std::move(text);
    }
  }
  if (out->id.empty()) return Error(table, at + ".id", "missing");
  for (std::string_view need : uses.required) {
    if (table.get(need) == nullptr) {
      return Error(table, at + "." + std::string(need),
                   "missing (a '" + kind_word + "' rule needs it)");
    }
  }
  if (*kind == ProcessRuleKind::kPublisherPath && !out->path.ends_with('/') &&
      !out->path.ends_with('\\')) {
    return Error(*table.get("path"), at + ".path",
                 "'" + out->path +
                     "' is a file; a publisher-path rule names a folder, ending "
                     "with / or \\");
  }
  return Status::Ok();
}

Status AllowlistReader::ReadNetwork(const toml::table& table, const std::string& at,
                                    NetworkRule* out) const {
  bool has_direction = false, has_port = false, has_protocol = false;
  const toml::node* remote_node = nullptr;
  for (auto&& [k, value] : table) {
    const std::string_view name = k.str();
    const std::string key = at + "." + std::string(name);
    if (name == "port") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t port, Integer(value, key, 0, 65535));
      out->port = static_cast<uint16_t>(port);
      has_port = true;
      continue;
    }
    if (std::find(std::begin(kNetworkKeys), std::end(kNetworkKeys), name) ==
        std::end(kNetworkKeys)) {
      return Error(value, key,
                   UnknownKeyText(name, {"id", "process", "protocol", "direction", "remote", "port",
                                         "comment"}));
    }
    OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(value, key));
    if (name == "id") {
      if (!IsValidId(text, "n-")) {
        return Error(value, key, "'" + text + "' is not \"n-\" and up to 64 of a-z 0-9 - _ .");
      }
      out->id = std::move(text);
    } else if (name == "process") {
      if (!IsAbsolutePath(text)) return Error(value, key, "'" + text + "' is not an absolute path");
      out->executable = std::move(text);
    } else if (name == "protocol") {
      if (text != "tcp" && text != "udp") return Error(value, key, "must be \"tcp\" or \"udp\"");
      out->protocol = std::move(text);
      has_protocol = true;
    } else if (name == "direction") {
      auto direction = allowlist_internal::ParseDirection(text);
      if (!direction) return Error(value, key, direction.error().message());
      out->direction = *direction;
      has_direction = true;
    } else if (name == "remote") {
      remote_node = &value;
      out->remote = std::move(text);
    } else {
      out->comment = std::move(text);
    }
  }
  if (out->id.empty()) return Error(table, at + ".id", "missing");
  if (!has_protocol) return Error(table, at + ".protocol", "missing (\"tcp\" or \"udp\")");
  if (!has_direction) {
    return Error(table, at + ".direction", "missing (listen, outbound, inbound)");
  }
  if (!has_port) return Error(table, at + ".port", "missing (0 for any port)");
  const bool listen = out->direction == Direction::kListen;
  if (remote_node == nullptr) {
    if (!listen) return Error(table, at + ".remote", "missing (an address, a network or \"any\")");
    out->remote = "any";
  } else if (out->remote != "any") {
    if (listen) return Error(*remote_node, at + ".remote", "a listen rule's remote is \"any\"");
    auto prefix = ParseIpPrefix(out->remote);
    if (!prefix) {
      return Error(*remote_node, at + ".remote",
                   "'" + out->remote + "' is not an address, a network (10.1.2.0/24) or \"any\"");
    }
    if (IpPrefixHasHostBits(*prefix)) {
      return Error(*remote_node, at + ".remote",
                   "'" + out->remote + "' has bits set beyond the prefix length: not a network");
    }
    out->remote = IpPrefixText(*prefix);
  }
  return Status::Ok();
}

Status AllowlistReader::ReadChange(const toml::table& table, const std::string& at,
                                   AllowlistChange* out) const {
  bool has_version = false, has_time = false;
  for (auto&& [k, value] : table) {
    const std::string_view name = k.str();
    const std::string key = at + "." + std::string(name);
    if (name == "version") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t version, Integer(value, key, 1, INT64_MAX));
      out->version = static_cast<uint64_t>(version);
      has_version = true;
      continue;
    }
    if (std::find(std::begin(kChangeKeys), std::end(kChangeKeys), name) == std::end(kChangeKeys)) {
      return Error(value, key, UnknownKeyText(name, {"version", "time", "by", "what"}));
    }
    OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(value, key));
    if (name == "time") {
      OTGUARD_ASSIGN_OR_RETURN(out->time, Time(value, key));
      has_time = true;
    } else if (name == "by") {
      if (text.empty()) return Error(value, key, "is empty: who approved the change?");
      out->by = std::move(text);
    } else {
      out->what = std::move(text);
    }
  }
  if (!has_version) return Error(table, at + ".version", "missing");
  if (!has_time) return Error(table, at + ".time", "missing (\"2026-12-05T06:30:00.000Z\")");
  if (out->by.empty()) return Error(table, at + ".by", "missing: who approved the change?");
  return Status::Ok();
}

Result<Allowlist> AllowlistReader::Read(const toml::table& doc) {
  Allowlist out;
  for (auto&& [k, value] : doc) {
    const std::string_view key = k.str();
    if (key == "allowlist" || key == "process" || key == "network" || key == "change" ||
        key == "widening" || key == "transient") {
      continue;
    }
    return Unexpected(
        Error(value, key, UnknownKeyText(key, {"allowlist", "process", "network", "change"})));
  }
  const toml::node* header = doc.get("allowlist");
  if (header == nullptr) {
    return Unexpected(InvalidArgument(origin() + ": missing [allowlist] (format = 1, version)"));
  }
  OTGUARD_RETURN_IF_ERROR(ReadHeader(*header, &out));
  for (std::string_view notes : {"widening", "transient"}) {
    const toml::node* node = doc.get(notes);
    if (node != nullptr && !(proposal_ && out.version == 0)) {
      return Unexpected(Error(*node, notes,
                              "review notes belong to a proposal (version 0), not to an "
                              "approved allowlist"));
    }
  }
  std::map<std::string, std::string, std::less<>> ids;  // id -> where first seen
  auto check_id = [&](const std::string& id, const std::string& at,
                      const toml::node& node) -> Status {
    auto [it, inserted] = ids.emplace(id, at);
    if (!inserted)
      return Error(node, at + ".id", "duplicate id '" + id + "' (also " + it->second + ")");
    return Status::Ok();
  };
  OTGUARD_ASSIGN_OR_RETURN(const toml::array* processes, Tables(doc, "process"));
  for (size_t i = 0; processes != nullptr && i < processes->size(); ++i) {
    const toml::table& table = *processes->get(i)->as_table();
    std::string at = "process[" + std::to_string(i + 1) + "]";
    ProcessRule rule;
    OTGUARD_RETURN_IF_ERROR(ReadProcess(table, at, &rule));
    OTGUARD_RETURN_IF_ERROR(check_id(rule.id, at, table));
    out.processes.push_back(std::move(rule));
  }
  OTGUARD_ASSIGN_OR_RETURN(const toml::array* network, Tables(doc, "network"));
  for (size_t i = 0; network != nullptr && i < network->size(); ++i) {
    const toml::table& table = *network->get(i)->as_table();
    std::string at = "network[" + std::to_string(i + 1) + "]";
    NetworkRule rule;
    OTGUARD_RETURN_IF_ERROR(ReadNetwork(table, at, &rule));
    OTGUARD_RETURN_IF_ERROR(check_id(rule.id, at, table));
    out.network.push_back(std::move(rule));
  }
  OTGUARD_ASSIGN_OR_RETURN(const toml::array* changes, Tables(doc, "change"));
  for (size_t i = 0; changes != nullptr && i < changes->size(); ++i) {
    const toml::table& table = *changes->get(i)->as_table();
    std::string at = "change[" + std::to_string(i + 1) + "]";
    AllowlistChange change;
    OTGUARD_RETURN_IF_ERROR(ReadChange(table, at, &change));
    if (change.version > out.version) {
      return Unexpected(Error(table, at + ".version",
                              std::to_string(change.version) + " is newer than the allowlist's " +
                                  std::to_string(out.version)));
    }
    if (!out.changes.empty() && change.version < out.changes.back().version) {
      return Unexpected(Error(table, at + ".version", "older than the change before it"));
    }
    out.changes.push_back(std::move(change));
  }
  std::sort(out.processes.begin(), out.processes.end(),
            [](const ProcessRule& a, const ProcessRule& b) { return a.id < b.id; });
  std::sort(out.network.begin(), out.network.end(),
            [](const NetworkRule& a, const NetworkRule& b) { return a.id < b.id; });
  return out;
}

Result<Allowlist> ReadAllowlistDocument(const toml::table& doc, std::string_view origin,
                                        bool proposal) {
  return AllowlistReader(origin, proposal).Read(doc);
}

}  // namespace otguard::host::allowlist_internal

namespace otguard::host {

using namespace allowlist_internal;

Result<Allowlist> ParseAllowlist(std::string_view toml, std::string_view origin) {
  OTGUARD_ASSIGN_OR_RETURN(toml::table doc, ParseTomlDocument(toml, origin));
  return ReadAllowlistDocument(doc, origin, /*proposal=*/true);
}

}  // namespace otguard::host
