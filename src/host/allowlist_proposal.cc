// The proposal file (an allowlist of version 0 with review notes) and the [merge] table of a
// policy file (docs/allowlist.md "Files").
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "host/allowlist_text.h"
#include "host/allowlist_toml.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using allowlist_internal::TimeText;
using allowlist_internal::TomlQuote;
using allowlist_internal::TomlReader;
using allowlist_internal::UnknownKeyText;

void WriteSeen(const SeenStats& seen, std::ostringstream& out) {
  out << "count = " << seen.count << "\n";
  out << "first_seen = " << TomlQuote(TimeText(seen.first_seen)) << "\n";
  out << "last_seen = " << TomlQuote(TimeText(seen.last_seen)) << "\n";
}

void WriteTransient(const Transient& t, std::ostringstream& out) {
  out << "\n[[transient]]\n";
  if (const auto* p = std::get_if<ProcessItem>(&t.item)) {
    out << "type = \"process\"\n";
    out << "executable = " << TomlQuote(p->executable) << "\n";
    if (!p->sha256.empty()) out << "sha256 = " << TomlQuote(p->sha256) << "\n";
    if (!p->signer.empty()) out << "signer = " << TomlQuote(p->signer) << "\n";
    if (!p->package.empty()) out << "package = " << TomlQuote(p->package) << "\n";
    WriteSeen(p->seen, out);
  } else {
    const auto& n = std::get<NetworkItem>(t.item);
    out << "type = \"network\"\n";
    if (!n.executable.empty()) out << "executable = " << TomlQuote(n.executable) << "\n";
    out << "protocol = " << TomlQuote(n.protocol) << "\n";
    out << "direction = " << TomlQuote(DirectionName(n.direction)) << "\n";
    if (!n.remote_address.empty()) out << "remote = " << TomlQuote(n.remote_address) << "\n";
    out << "port = " << n.port << "\n";
    WriteSeen(n.seen, out);
  }
  out << "why = " << TomlQuote(t.why) << "\n";
}

// Reads the review notes of a proposal.
class NotesReader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  Status ReadWidening(const toml::table& table, const std::string& at, Widening* out) const {
    for (auto&& [k, value] : table) {
      const std::string key = at + "." + std::string(k.str());
      if (k.str() == "rule") {
        OTGUARD_ASSIGN_OR_RETURN(out->rule_id, Text(value, key));
      } else if (k.str() == "what") {
        OTGUARD_ASSIGN_OR_RETURN(out->what, Text(value, key));
      } else if (k.str() == "evidence") {
        const toml::array* array = value.as_array();
        if (array == nullptr) return Error(value, key, "must be an array of strings");
        for (size_t i = 0; i < array->size(); ++i) {
          OTGUARD_ASSIGN_OR_RETURN(std::string line,
                                   Text(*array->get(i), key + "[" + std::to_string(i + 1) + "]"));
          out->evidence.push_back(std::move(line));
        }
      } else {
        return Error(value, key, UnknownKeyText(k.str(), {"rule", "what", "evidence"}));
      }
    }
    if (out->rule_id.empty()) return Error(table, at + ".rule", "missing");
    return Status::Ok();
  }

  Status ReadTransient(const toml::table& table, const std::string& at, Transient* out) const {
    const toml::node* type = table.get("type");
    if (type == nullptr) return Error(table, at + ".type", "missing (process, network)");
    OTGUARD_ASSIGN_OR_RETURN(std::string word, Text(*type, at + ".type"));
    if (word != "process" && word != "network") {
      return Error(*type, at + ".type", "must be \"process\" or \"network\"");
    }
    ProcessItem p;
    NetworkItem n;
    SeenStats seen;
    for (auto&& [k, value] : table) {
      const std::string_view name = k.str();
      const std::string key = at + "." + std::string(name);
      if (name == "type") continue;
      if (name == "count") {
        OTGUARD_ASSIGN_OR_RETURN(int64_t count, Integer(value, key, 0, INT64_MAX));
        seen.count = static_cast<uint64_t>(count);
      } else if (name == "port") {
        OTGUARD_ASSIGN_OR_RETURN(int64_t port, Integer(value, key, 0, 65535));
        n.port = static_cast<uint16_t>(port);
      } else if (name == "first_seen") {
        OTGUARD_ASSIGN_OR_RETURN(seen.first_seen, Time(value, key));
      } else if (name == "last_seen") {
        OTGUARD_ASSIGN_OR_RETURN(seen.last_seen, Time(value, key));
      } else if (name == "why" || name == "executable" || name == "sha256" || name == "signer" ||
                 name == "package" || name == "protocol" || name == "direction" ||
                 name == "remote") {
        OTGUARD_ASSIGN_OR_RETURN(std::string text, Text(value, key));
        if (name == "why") {
          out->why = std::move(text);
        } else if (name == "executable") {
          p.executable = n.executable = std::move(text);
        } else if (name == "sha256") {
          p.sha256 = std::move(text);
        } else if (name == "signer") {
          p.signer = std::move(text);
        } else if (name == "package") {
          p.package = std::move(text);
        } else if (name == "protocol") {
          n.protocol = std::move(text);
        } else if (name == "remote") {
          n.remote_address = std::move(text);
        } else {
          auto d = allowlist_internal::ParseDirection(text);
          if (!d) return Error(value, key, d.error().message());
          n.direction = *d;
        }
      } else {
        return Error(value, key,
                     UnknownKeyText(name, {"type", "executable", "sha256", "signer", "package",
                                           "protocol", "direction", "remote", "port", "count",
                                           "first_seen", "last_seen", "why"}));
      }
    }
    if (word == "process") {
      p.seen = seen;
      out->item = std::move(p);
    } else {
      n.seen = seen;
      out->item = std::move(n);
    }
    return Status::Ok();
  }
};

}  // namespace

std::string FormatProposal(const Proposal& proposal) {
  std::ostringstream out;
  out << FormatAllowlist(proposal.rules);
  if (!proposal.widenings.empty() || !proposal.transients.empty()) {
    out << "\n# Review notes (`otguard allowlist review`): rules that allow more than was seen,\n"
           "# and items seen too rarely to become rules. Approval leaves them out.\n";
  }
  for (const Widening& w : proposal.widenings) {
    out << "\n[[widening]]\n";
    out << "rule = " << TomlQuote(w.rule_id) << "\n";
    out << "what = " << TomlQuote(w.what) << "\n";
    out << "evidence = [";
    for (const std::string& e : w.evidence) out << "\n  " << TomlQuote(e) << ",";
    out << (w.evidence.empty() ? "]\n" : "\n]\n");
  }
  for (const Transient& t : proposal.transients) WriteTransient(t, out);
  return out.str();
}

Result<Proposal> ParseProposal(std::string_view toml, std::string_view origin) {
  OTGUARD_ASSIGN_OR_RETURN(toml::table doc, allowlist_internal::ParseTomlDocument(toml, origin));
  Proposal proposal;
  OTGUARD_ASSIGN_OR_RETURN(proposal.rules,
                           allowlist_internal::ReadAllowlistDocument(doc, origin, true));
  NotesReader notes(origin);
  OTGUARD_ASSIGN_OR_RETURN(const toml::array* widenings, notes.Tables(doc, "widening"));
  for (size_t i = 0; widenings != nullptr && i < widenings->size(); ++i) {
    Widening w;
    OTGUARD_RETURN_IF_ERROR(notes.ReadWidening(*widenings->get(i)->as_table(),
                                               "widening[" + std::to_string(i + 1) + "]", &w));
    proposal.widenings.push_back(std::move(w));
  }
  OTGUARD_ASSIGN_OR_RETURN(const toml::array* transients, notes.Tables(doc, "transient"));
  for (size_t i = 0; transients != nullptr && i < transients->size(); ++i) {
    Transient t;
    OTGUARD_RETURN_IF_ERROR(notes.ReadTransient(*transients->get(i)->as_table(),
                                                "transient[" + std::to_string(i + 1) + "]", &t));
    proposal.transients.push_back(std::move(t));
  }
  return proposal;
}

Result<MergePolicy> ParseMergePolicy(std::string_view toml, std::string_view origin) {
  OTGUARD_ASSIGN_OR_RETURN(toml::table doc, allowlist_internal::ParseTomlDocument(toml, origin));
  MergePolicy policy;
  const toml::node* node = doc.get("merge");
  if (node == nullptr) return policy;
  TomlReader in(origin);
  const toml::table* table = node->as_table();
  if (table == nullptr) return Unexpected(in.Error(*node, "merge", "must be a table: [merge]"));
  for (auto&& [k, value] : *table) {
    const std::string_view name = k.str();
    const std::string key = "merge." + std::string(name);
    if (name == "transient_max_count") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 0, 1000000000));
      policy.transient_max_count = static_cast<uint64_t>(v);
    } else if (name == "transient_max_span_seconds") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 0, int64_t{366} * 86400));
      policy.transient_max_span_ns = v * 1000000000;
    } else if (name == "publisher_path_min_files") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 1, 1000000));
      policy.publisher_path_min_files = static_cast<int>(v);
    } else if (name == "cidr_min_peers") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 1, 1000000));
      policy.cidr_min_peers = static_cast<int>(v);
    } else if (name == "cidr_min_prefix_v4") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 8, 32));
      policy.cidr_min_prefix_v4 = static_cast<int>(v);
    } else if (name == "cidr_min_prefix_v6") {
      OTGUARD_ASSIGN_OR_RETURN(int64_t v, in.Integer(value, key, 16, 128));
      policy.cidr_min_prefix_v6 = static_cast<int>(v);
    } else if (name == "folder_never") {
      const toml::array* array = value.as_array();
      if (array == nullptr) return Unexpected(in.Error(value, key, "must be an array of folders"));
      for (size_t i = 0; i < array->size(); ++i) {
        std::string at = key + "[" + std::to_string(i + 1) + "]";
        OTGUARD_ASSIGN_OR_RETURN(std::string folder, in.Text(*array->get(i), at));
        if (!folder.ends_with('/') && !folder.ends_with('\\')) {
          return Unexpected(
              in.Error(*array->get(i), at, "'" + folder + "' must end with / or \\ (a folder)"));
        }
        policy.folder_never.push_back(std::move(folder));
      }
    } else {
      return Unexpected(in.Error(
          value, key,
          UnknownKeyText(name, {"transient_max_count", "transient_max_span_seconds",
                                "publisher_path_min_files", "folder_never", "cidr_min_peers",
                                "cidr_min_prefix_v4", "cidr_min_prefix_v6"})));
    }
  }
  return policy;
}

}  // namespace otguard::host
