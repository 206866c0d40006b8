// What an engineer reads before approving, and what approving makes (docs/allowlist.md
// "Commands").
#include <set>
#include <sstream>
#include <string>

#include "host/allowlist_text.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using allowlist_internal::TimeText;

std::string Short(const std::string& sha256) {
  return sha256.empty() ? "unknown" : sha256.substr(0, 12) + "...";
}

std::string ProcessRuleText(const ProcessRule& r) {
  std::string text = r.id + "  " + ProcessRuleKindName(r.kind) + "  ";
  switch (r.kind) {
    case ProcessRuleKind::kHash: {
      text += r.path.empty() ? "anywhere" : r.path;
      text += " sha256";
      for (const std::string& h : r.sha256) text += " " + Short(h);
      break;
    }
    case ProcessRuleKind::kPath:
      text += r.path + " (any content)";
      break;
    case ProcessRuleKind::kPathSigner:
    case ProcessRuleKind::kPublisherPath:
      text += r.path + " signed by '" + r.signer + "'";
      break;
    case ProcessRuleKind::kPackage:
      text += "files of package " + r.package;
      break;
  }
  return text + (r.comment.empty() ? "" : "  # " + r.comment);
}

std::string NetworkRuleText(const NetworkRule& r) {
  std::string port = r.port == 0 ? "any port" : std::to_string(r.port);
  std::string text = r.id + "  " + (r.executable.empty() ? "any program" : r.executable) + "  " +
                     r.protocol + " " + DirectionName(r.direction) + " ";
  text += r.direction == Direction::kListen ? "port " + port : r.remote + " port " + port;
  return text + (r.comment.empty() ? "" : "  # " + r.comment);
}

std::string SeenSpanText(const SeenStats& s) {
  return "seen " + std::to_string(s.count) + " times, " + TimeText(s.first_seen) + " to " +
         TimeText(s.last_seen);
}

std::string TransientText(const Transient& t) {
  if (const auto* p = std::get_if<ProcessItem>(&t.item)) {
    return "process " + p->executable + " sha256 " + Short(p->sha256) + ": " + t.why + " (" +
           SeenSpanText(p->seen) + ")";
  }
  const auto& n = std::get<NetworkItem>(t.item);
  return "network " + (n.executable.empty() ? "(unknown program)" : n.executable) + " " +
         n.protocol + " " + DirectionName(n.direction) + " " +
         (n.remote_address.empty() ? "" : n.remote_address + " ") + "port " +
         std::to_string(n.port) + ": " + t.why + " (" + SeenSpanText(n.seen) + ")";
}

}  // namespace

std::string ReviewText(const Proposal& proposal) {
  std::ostringstream out;
  const Allowlist& rules = proposal.rules;
  out << "Proposed rules for " << (rules.host.empty() ? "(no host)" : rules.host) << ": "
      << rules.processes.size() << " process, " << rules.network.size() << " network\n";
  for (const ProcessRule& r : rules.processes) out << "  " << ProcessRuleText(r) << "\n";
  for (const NetworkRule& r : rules.network) out << "  " << NetworkRuleText(r) << "\n";
  out << "\nWidenings (rules that allow more than was seen): " << proposal.widenings.size() << "\n";
  for (const Widening& w : proposal.widenings) {
    out << "  " << w.rule_id << "  " << w.what << "\n";
    for (const std::string& e : w.evidence) out << "      from " << e << "\n";
  }
  out << "\nTransients (seen too rarely to become rules; not in the proposal): "
      << proposal.transients.size() << "\n";
  for (const Transient& t : proposal.transients) out << "  " << TransientText(t) << "\n";
  return out.str();
}

Allowlist ApproveAllowlist(const Allowlist* previous, const Allowlist& proposed,
                           std::string_view by, EventTime time) {
  Allowlist out;
  out.version = previous == nullptr ? 1 : previous->version + 1;
  out.host = proposed.host.empty() && previous != nullptr ? previous->host : proposed.host;
  out.processes = proposed.processes;
  out.network = proposed.network;
  if (previous != nullptr) out.changes = previous->changes;
  std::set<std::string> before, after;
  if (previous != nullptr) {
    for (const ProcessRule& r : previous->processes) before.insert(r.id);
    for (const NetworkRule& r : previous->network) before.insert(r.id);
  }
  for (const ProcessRule& r : proposed.processes) after.insert(r.id);
  for (const NetworkRule& r : proposed.network) after.insert(r.id);
  size_t added = 0, removed = 0;
  for (const std::string& id : after) added += before.count(id) == 0;
  for (const std::string& id : before) removed += after.count(id) == 0;
  std::string what =
      "approved " + std::to_string(after.size()) + (after.size() == 1 ? " rule" : " rules");
  if (previous != nullptr) {
    what += ": " + std::to_string(added) + " added, " + std::to_string(removed) + " removed";
  }
  out.changes.push_back({out.version, time, std::string(by), what});
  return out;
}

}  // namespace otguard::host
