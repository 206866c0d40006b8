// Review tools over allowlists: Diff/FormatDiff between two versions, Replay of recorded
// history against a candidate, and CompareHosts for the golden image of one role.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "host/allowlist_internal.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

// Two rules with one id but different content (edited by hand) count as removed and added.
bool Same(const ProcessRule& a, const ProcessRule& b) {
  return std::tie(a.kind, a.path, a.sha256, a.signer, a.package) ==
         std::tie(b.kind, b.path, b.sha256, b.signer, b.package);
}
bool Same(const NetworkRule& a, const NetworkRule& b) {
  return std::tie(a.executable, a.protocol, a.direction, a.remote, a.port) ==
         std::tie(b.executable, b.protocol, b.direction, b.remote, b.port);
}

// The rules of `a` that `b` lacks.
template <typename Rule>
std::vector<Rule> Missing(const std::vector<Rule>& a, const std::vector<Rule>& b) {
  std::multimap<std::string, const Rule*> by_id;
  for (const Rule& r : b) by_id.emplace(r.id, &r);
  std::vector<Rule> out;
  for (const Rule& r : a) {
    auto [begin, end] = by_id.equal_range(r.id);
    bool found = std::any_of(begin, end, [&r](const auto& e) { return Same(r, *e.second); });
    if (!found) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const Rule& x, const Rule& y) { return x.id < y.id; });
  return out;
}

int64_t ObservationTime(const Observation& o) {
  return std::visit([](const auto& v) { return v.time.nanos(); }, o);
}

std::string ItemKey(const Observation& o) {
  if (const auto* p = std::get_if<ProcessObservation>(&o)) {
    return 'p' + internal::ProcessKey(p->executable, p->sha256);
  }
  const auto& c = std::get<ConnectionObservation>(o);
  return 'n' + internal::NetworkKey(c.executable, c.protocol, c.direction,
                                    c.direction == Direction::kListen ? "" : c.remote_address,
                                    internal::ServicePort(c));
}

}  // namespace

AllowlistDiff Diff(const Allowlist& before, const Allowlist& after) {
  AllowlistDiff diff;
  diff.processes_added = Missing(after.processes, before.processes);
  diff.processes_removed = Missing(before.processes, after.processes);
  diff.network_added = Missing(after.network, before.network);
  diff.network_removed = Missing(before.network, after.network);
  return diff;
}

std::string FormatDiff(const AllowlistDiff& diff) {
  std::string out;
  auto process = [&out](char sign, const ProcessRule& r) {
    out +=
        std::string(1, sign) + " process " + r.id + ' ' + internal::DescribeProcessRule(r) + '\n';
  };
  auto network = [&out](char sign, const NetworkRule& r) {
    out +=
        std::string(1, sign) + " network " + r.id + ' ' + internal::DescribeNetworkRule(r) + '\n';
  };
  for (const ProcessRule& r : diff.processes_removed) process('-', r);
  for (const ProcessRule& r : diff.processes_added) process('+', r);
  for (const NetworkRule& r : diff.network_removed) network('-', r);
  for (const NetworkRule& r : diff.network_added) network('+', r);
  return out;
}

void Replayer::Add(const Observation& o) {
  ++report_.observations;
  Verdict v = std::visit([this](const auto& x) { return matcher_.Check(x); }, o);
  if (v.allowed) return;
  ++report_.alerts_total;
  if (alerted_keys_.insert(ItemKey(o)).second) report_.alerts.push_back({o, std::move(v)});
}

ReplayReport Replayer::Finish() && {
  // History files are in time order per file; a merged history need not be.
  std::stable_sort(report_.alerts.begin(), report_.alerts.end(),
                   [](const ReplayAlert& a, const ReplayAlert& b) {
                     return ObservationTime(a.observation) < ObservationTime(b.observation);
                   });
  return std::move(report_);
}

ReplayReport Replay(const AllowlistMatcher& matcher, const std::vector<Observation>& history) {
  Replayer replayer(matcher);
  for (const Observation& o : history) replayer.Add(o);
  return std::move(replayer).Finish();
}

std::vector<Outlier> CompareHosts(const std::vector<std::pair<std::string, Allowlist>>& hosts) {
  std::vector<Outlier> out;
  const size_t n = hosts.size();
  if (n < 3) return out;  // with two hosts there is no majority to compare with
  // Rule id -> (description, hosts that have it). Ids are derived from content, so the same
  // rule learned on two hosts has the same id.
  std::map<std::string, std::pair<std::string, std::set<size_t>>> rules;
  for (size_t h = 0; h < n; ++h) {
    for (const ProcessRule& r : hosts[h].second.processes) {
      auto& e = rules[r.id];
      e.first = "process rule " + internal::DescribeProcessRule(r);
      e.second.insert(h);
    }
    for (const NetworkRule& r : hosts[h].second.network) {
      auto& e = rules[r.id];
      e.first = "network rule " + internal::DescribeNetworkRule(r);
      e.second.insert(h);
    }
  }
  const std::string of_n = " of " + std::to_string(n) + " hosts";
  for (const auto& [id, entry] : rules) {
    const auto& [what, have] = entry;
    const size_t k = have.size();
    if (2 * k > n && k < n) {  // most hosts have it: the others lack it
      for (size_t h = 0; h < n; ++h) {
        if (have.count(h)) continue;
        out.push_back({hosts[h].first, "lacks " + what + " (" + id + ") that " + std::to_string(k) +
                                           of_n + " have"});
      }
    } else if (2 * k < n) {  // only a minority has it
      for (size_t h : have) {
        out.push_back({hosts[h].first, "has " + what + " (" + id + ") that only " +
                                           std::to_string(k) + of_n + " have"});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Outlier& a, const Outlier& b) { return a.host < b.host; });
  return out;
}

}  // namespace otguard::host
