// Text for a person (report.h): the incident told first, then the alerts grouped by rule.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "otguard/base/event.h"
#include "otguard/nba/report.h"

namespace otguard::nba {
namespace {

// Times in the story: the time of day when everything happened on one day (the headline gives
// the date), else the full timestamp.
class Clock {
 public:
  explicit Clock(bool one_day) : one_day_(one_day) {}
  std::string operator()(Micros us) const {
    std::string iso = EventTime::MicrosRfc3339(us);
    return one_day_ ? iso.substr(11, 12) : iso;
  }

 private:
  bool one_day_;
};

bool OneDay(Micros first, Micros last) {
  return EventTime::MicrosRfc3339(first).substr(0, 10) ==
         EventTime::MicrosRfc3339(last).substr(0, 10);
}

std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Duration(Micros us) {
  uint64_t s = static_cast<uint64_t>(us / kMicrosPerSecond);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(us) / kMicrosPerSecond);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%llu min %llu s", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else if (s < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%llu h %llu min", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llu d %llu h", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s / 3600 % 24));
  }
  return buf;
}

// A host as the story names it: its asset name if known, else its address.
std::string ShortName(const IpAddress& ip, const std::optional<Asset>& asset) {
  return asset ? asset->name : ip.ToString();
}

// "192.168.1.10 [ES-01, engineering-station]".
std::string LongName(const IpAddress& ip, const std::optional<Asset>& asset) {
  if (!asset) return ip.ToString();
  return ip.ToString() + " [" + asset->name + (asset->role.empty() ? "" : ", " + asset->role) + "]";
}

// Distinct names in the order first added; printed as "a, b, c +2".
class NameList {
 public:
  void Add(const std::string& name) {
    if (seen_.insert(name).second) names_.push_back(name);
  }
  size_t size() const { return names_.size(); }
  std::string Text(size_t max) const {
    std::string out;
    for (size_t i = 0; i < names_.size() && i < max; ++i) out += (i ? ", " : "") + names_[i];
    if (names_.size() > max) out += " +" + std::to_string(names_.size() - max);
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::set<std::string> seen_;
};

// Alerts about one kind of activity: one category and one rule family ("smb.eternalblue",
// the rule's first two parts), so that the steps of one exploit read as one line.
struct Activity {
  Category category = Category::kPolicy;
  std::string key;
  std::vector<const Alert*> alerts;  // in time order
};

std::string RuleFamily(const std::string& rule) {
  size_t first = rule.find('.');
  size_t second = first == std::string::npos ? first : rule.find('.', first + 1);
  return second == std::string::npos ? rule : rule.substr(0, second);
}

std::vector<Activity> GroupBy(const std::vector<Alert>& alerts,
                              std::string (*key_of)(const std::string& rule)) {
  std::vector<Activity> out;
  std::map<std::pair<Category, std::string>, size_t> index;
  for (const Alert& a : alerts) {
    auto [it, added] = index.try_emplace({a.category, key_of(a.rule)}, out.size());
    if (added) out.push_back({a.category, key_of(a.rule), {}});
    out[it->second].alerts.push_back(&a);
  }
  return out;
}

std::string SameRule(const std::string& rule) { return rule; }

std::string CommonPrefix(const std::vector<const Alert*>& alerts) {
  std::string p = alerts.front()->message;
  for (const Alert* a : alerts) {
    size_t n = 0;
    while (n < p.size() && n < a->message.size() && p[n] == a->message[n]) ++n;
    p.resize(n);
  }
  return p;
}

bool EndsWord(const std::vector<const Alert*>& alerts, size_t at) {
  for (const Alert* a : alerts) {
    if (at < a->message.size() && std::isalnum(static_cast<unsigned char>(a->message[at]))) {
      return false;
    }
  }
  return true;
}

std::string TrimEnd(std::string s) {
  while (!s.empty() && std::string_view(" ,;:(-").find(s.back()) != std::string_view::npos) {
    s.pop_back();
  }
  return s;
}

// "nba.new_service" -> "new service": a name when the messages share no words.
std::string RuleWords(const std::string& key) {
  size_t dot = key.find('.');
  std::string s = dot == std::string::npos ? key : key.substr(dot + 1);
  std::replace(s.begin(), s.end(), '_', ' ');
  std::replace(s.begin(), s.end(), '.', ' ');
  return s;
}

// What the alerts of a group say in common, up to the first ':' ("EternalBlue (MS17-010)"),
// cut at a word; falls back to the rule's words when the messages start with an address.
std::string Label(const Activity& act, size_t columns) {
  std::string p = CommonPrefix(act.alerts);
  if (size_t colon = p.find(':'); colon != std::string::npos) {
    p.resize(colon);
  } else if (!EndsWord(act.alerts, p.size())) {
    size_t space = p.find_last_of(' ');
    p.resize(space == std::string::npos ? 0 : space);
  }
  p = TrimEnd(std::move(p));
  if (p.empty() || std::isdigit(static_cast<unsigned char>(p[0]))) return RuleWords(act.key);
  if (p.size() > columns) {
    size_t space = p.find_last_of(' ', columns);
    p = TrimEnd(p.substr(0, space == std::string::npos ? columns : space));
    // Never leave a parenthesis open: "never issued (canned" -> "never issued".
    if (std::count(p.begin(), p.end(), '(') > std::count(p.begin(), p.end(), ')')) {
      p = TrimEnd(p.substr(0, p.find_last_of('(')));
    }
    p += " …";
  }
  return p;
}

// The service side of an alert's flow, from the session statistics: the endpoint that answered
// on its port. The actor is not always the client (a download's actor is the server).
const Endpoint& ServiceSide(const Alert& a, const SessionStats& stats) {
  auto serves = [&](const Endpoint& e) {
    auto it = stats.services.find({a.transport, e.port});
    return it != stats.services.end() && it->second.servers.contains(e.ip);
  };
  if (!serves(a.destination) && serves(a.source)) return a.source;
  return a.destination;
}

std::string PortText(Transport t, uint16_t port) {
  return std::string(TransportName(t)) + "/" + std::to_string(port);
}

bool HasPorts(Transport t) { return t == Transport::kTcp || t == Transport::kUdp; }

// "  08:12:13.306  exploit           EternalBlue (MS17-010) ×15: ES-01, OS-01 -> OS-01, DC-01,
// OPC-01 +1 on tcp/445".
std::string ActivityLine(const Activity& act, const AnalysisResult& r, const Clock& clock,
                         const TextReportOptions& o) {
  NameList sources, destinations, ports;
  for (const Alert* a : act.alerts) {
    sources.Add(ShortName(a->source.ip, a->source_asset));
    std::string dest = ShortName(a->destination.ip, a->destination_asset);
    if (!a->destination_domain.empty()) dest += " (" + a->destination_domain + ")";
    destinations.Add(dest);
    if (HasPorts(a->transport)) ports.Add(PortText(a->transport, ServiceSide(*a, r.stats).port));
  }
  char category[24];
  std::snprintf(category, sizeof category, "%-16s",
                std::string(CategoryName(act.category)).c_str());
  std::string line = "  " + clock(act.alerts.front()->ts) + "  " + category + "  " +
                     Label(act, o.label_columns) + " ×" + std::to_string(act.alerts.size()) + ": " +
                     sources.Text(o.hosts_per_line) + " -> " + destinations.Text(o.hosts_per_line);
  if (ports.size() != 0) line += " on " + ports.Text(3);
  return line + "\n";
}

// Kinds of activity a person reads as the attack; the others (new talkers, new services,
// policy, hardening) are deviations from the baseline and come after them.
bool IsAttack(Category c) {
  switch (c) {
    case Category::kNewTalker:
    case Category::kNewService:
    case Category::kPolicy:
    case Category::kHardening:
      return false;
    default:
      return true;
  }
}

// One line per kind of activity, in time order: the attack kinds (`attacks`) or the deviations
// from the baseline.
std::string SeenText(const AnalysisResult& r, bool attacks, const Clock& clock,
                     const TextReportOptions& o) {
  std::string lines;
  for (const Activity& act : GroupBy(r.alerts, RuleFamily)) {  // by first time already
    if (IsAttack(act.category) == attacks) lines += ActivityLine(act, r, clock, o);
  }
  if (lines.empty()) return "";
  return (attacks ? "What was seen\n" : "Not in the baseline (or policy)\n") + lines;
}

std::string NodeName(const PropagationGraph& g, const IpAddress& ip) {
  auto it = g.nodes.find(ip);
  return ShortName(ip, it == g.nodes.end() ? std::nullopt : it->second.asset);
}

std::string Headline(const AnalysisResult& r) {
  size_t attacked = 0, infected = 0, miners = 0;
  // Patient zero is where the attack came from, even when a host it infected attacks it back.
  const IpAddress* zero = r.graph.patient_zero.empty() ? nullptr : &r.graph.patient_zero.front();
  for (const auto& [ip, n] : r.graph.nodes) {
    attacked += n.first_attacked != 0 && !(zero && ip == *zero);
    infected += n.infected;
    miners += n.notes.contains("miner");
  }
  std::string what;
  if (!r.graph.edges.empty()) {
    what = Count(attacked, "host", "hosts") + " attacked over the network";
    if (!r.graph.patient_zero.empty()) {
      what += " from patient zero " + NodeName(r.graph, r.graph.patient_zero.front());
    }
    what += infected == 0 ? ", none of them seen spreading"
                          : ", " + std::to_string(infected) + " of them infected";
  } else {
    what = "no host-to-host exploitation or worm download seen";
  }
  if (miners != 0) what += "; " + Count(miners, "host", "hosts") + " mining";
  return "What happened: " + what + "\n";
}

// "2017-05-18 08:12:07.220 to 08:13:43.488 UTC (1 min 36 s)".
std::string Span(Micros first, Micros last) {
  std::string a = EventTime::MicrosRfc3339(first), b = EventTime::MicrosRfc3339(last);
  std::string to =
      OneDay(first, last) ? b.substr(11, 12) : b.substr(0, 10) + " " + b.substr(11, 12);
  return a.substr(0, 10) + " " + a.substr(11, 12) + " to " + to + " UTC (" +
         Duration(last - first) + ")";
}

// When the attack ran (the alerts of attack kinds), and the alerts' whole span when it is wider.
std::string When(const AnalysisResult& r) {
  std::optional<Micros> first, last;
  std::set<std::string> rules;
  for (const Alert& a : r.alerts) {
    rules.insert(a.rule);
    if (!IsAttack(a.category)) continue;
    if (!first) first = a.ts;
    last = a.ts;
  }
  Micros all_first = r.alerts.front().ts, all_last = r.alerts.back().ts;
  std::string out = "When: " + Span(first.value_or(all_first), last.value_or(all_last));
  if (first && (*first != all_first || *last != all_last)) {
    out += "; alerts from " + EventTime::MicrosRfc3339(all_first).substr(11, 12) + " to " +
           EventTime::MicrosRfc3339(all_last).substr(11, 12);
  }
  return out + "\n" + "Alerts: " + Count(r.alerts.size(), "alert", "alerts") + " of " +
         Count(rules.size(), "rule", "rules") + ", grouped below\n";
}

std::string MiningNote(const GraphNode& n) {
  if (!n.notes.contains("miner")) return "";
  std::string out = "mining";
  for (const auto& note : n.notes) {
    if (note != "miner") out += " (" + note + ")";
  }
  return out;
}

// How a host got into the story: who attacked it, what it fetched, whom it attacked.
std::string HostStory(const PropagationGraph& g, const GraphNode& n, const Clock& clock,
                      const TextReportOptions& o) {
  NameList by, served_by, victims;
  Micros fetched = 0;
  for (const GraphEdge& e : g.edges) {
    if (e.to == n.ip && e.kind == "download") {
      served_by.Add(NodeName(g, e.from));
      if (fetched == 0) fetched = e.first;
    } else if (e.to == n.ip) {
      by.Add(NodeName(g, e.from));
    } else if (e.from == n.ip && e.kind != "download") {
      victims.Add(NodeName(g, e.to));
    }
  }
  std::vector<std::string> parts;
  if (by.size()) parts.push_back("exploited by " + by.Text(o.hosts_per_line));
  if (served_by.size()) {
    parts.push_back("fetched the worm from " + served_by.Text(o.hosts_per_line) + " at " +
                    clock(fetched));
  }
  if (victims.size()) {
    parts.push_back("then attacked " + victims.Text(o.hosts_per_line) + " from " +
                    clock(n.first_attacking));
  }
  if (std::string m = MiningNote(n); !m.empty()) parts.push_back(m);
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string PatientZeroText(const PropagationGraph& g, const Clock& clock) {
  if (g.edges.empty()) return "";
  if (g.patient_zero.empty()) return "Patient zero: unknown (every attacker was attacked first)\n";
  const GraphNode& pz = g.nodes.at(g.patient_zero.front());
  std::string out = "Patient zero: " + LongName(pz.ip, pz.asset) + ", attacking from " +
                    clock(pz.first_attacking);
  if (g.patient_zero.size() > 1) {
    out += " (other candidates:";
    for (size_t i = 1; i < g.patient_zero.size(); ++i) out += " " + NodeName(g, g.patient_zero[i]);
    out += ")";
  }
  return out + "\n";
}

std::vector<const GraphNode*> NodesBy(const PropagationGraph& g,
                                      bool (*pick)(const PropagationGraph&, const GraphNode&)) {
  std::vector<const GraphNode*> out;
  for (const auto& [ip, n] : g.nodes) {
    if (pick(g, n)) out.push_back(&n);
  }
  std::stable_sort(out.begin(), out.end(), [](const GraphNode* a, const GraphNode* b) {
    return a->first_attacked < b->first_attacked;
  });
  return out;
}

bool IsPatientZero(const PropagationGraph& g, const GraphNode& n) {
  return std::find(g.patient_zero.begin(), g.patient_zero.end(), n.ip) != g.patient_zero.end();
}

std::string HostsText(const AnalysisResult& r, const Clock& clock, const TextReportOptions& o) {
  const PropagationGraph& g = r.graph;
  auto infected = NodesBy(g, [](const PropagationGraph& g, const GraphNode& n) {
    return n.infected && !IsPatientZero(g, n);
  });
  auto attacked = NodesBy(g, [](const PropagationGraph& g, const GraphNode& n) {
    return n.first_attacked != 0 && !n.infected && !IsPatientZero(g, n);
  });
  auto miners = NodesBy(g, [](const PropagationGraph& g, const GraphNode& n) {
    return n.notes.contains("miner") && n.first_attacked == 0 && !IsPatientZero(g, n);
  });
  std::string out;
  auto section = [&](const char* title, const std::vector<const GraphNode*>& nodes, bool times) {
    if (nodes.empty()) return;
    out += title;
    for (const GraphNode* n : nodes) {
      out += "  " + (times ? clock(n->first_attacked) + "  " : "") + LongName(n->ip, n->asset) +
             ": " + HostStory(g, *n, clock, o) + "\n";
    }
  };
  section("Infected, in order\n", infected, true);
  section("Attacked, not seen spreading\n", attacked, true);
  section("Mining\n", miners, false);
  return out;
}

}  // namespace

std::string IncidentSummaryText(const AnalysisResult& r, const TextReportOptions& o) {
  if (r.alerts.empty()) {
    return "What happened: nothing that alerts (" + Count(r.counters.packets, "packet", "packets") +
           ", " + Count(r.counters.flows, "flow", "flows") + ")\n";
  }
  Clock clock(OneDay(r.alerts.front().ts, r.alerts.back().ts));
  return Headline(r) + When(r) + SeenText(r, true, clock, o) + PatientZeroText(r.graph, clock) +
         HostsText(r, clock, o) + SeenText(r, false, clock, o);
}

std::string AlertGroupsText(const std::vector<Alert>& alerts, const TextReportOptions& o) {
  if (alerts.empty()) return "";
  std::vector<Activity> rules = GroupBy(alerts, SameRule);
  std::stable_sort(rules.begin(), rules.end(), [](const Activity& a, const Activity& b) {
    return a.alerts.front()->severity > b.alerts.front()->severity;
  });
  Clock clock(OneDay(alerts.front().ts, alerts.back().ts));
  std::string out = "Alerts by rule (" + Count(alerts.size(), "alert", "alerts") + ", " +
                    Count(rules.size(), "rule", "rules") + "; most severe first)\n";
  for (const Activity& rule : rules) {
    const Alert& first = *rule.alerts.front();
    bool same = CommonPrefix(rule.alerts) == first.message;
    char head[48];
    std::snprintf(head, sizeof head, "  %-8s  %-16s  ",
                  std::string(SeverityName(first.severity)).c_str(),
                  std::string(CategoryName(first.category)).c_str());
    out += head + rule.key + " ×" + std::to_string(rule.alerts.size()) + "  " +
           (same ? first.message : Label(rule, o.label_columns)) + "\n";
    for (size_t i = 0; i < rule.alerts.size() && i < o.examples_per_rule; ++i) {
      const Alert& a = *rule.alerts[i];
      auto end = [&](const Endpoint& e, const std::optional<Asset>& asset) {
        std::string s = e.ip.ToString();
        if (HasPorts(a.transport) && e.port != 0) s += ":" + std::to_string(e.port);
        return asset ? s + " [" + asset->name + "]" : s;
      };
      out += "      " + clock(a.ts) + "  " + end(a.source, a.source_asset) + " -> " +
             end(a.destination, a.destination_asset) + "\n";
    }
    if (rule.alerts.size() > o.examples_per_rule) {
      out += "      … " + std::to_string(rule.alerts.size() - o.examples_per_rule) + " more\n";
    }
  }
  return out;
}

std::string AnalyzeText(const AnalysisResult& r, const TextReportOptions& o) {
  std::string story = IncidentSummaryText(r, o);
  std::string groups = AlertGroupsText(r.alerts, o);
  return groups.empty() ? story : story + "\n" + groups;
}

std::string RunSummaryLine(const AnalysisResult& r, bool with_alerts) {
  uint64_t anomalies = 0;
  for (size_t i = 0; i < r.counters.anomalies.size(); ++i) {
    // Non-IP frames (ARP, STP, LLDP) are normal; they are counted in the JSON summary only.
    if (static_cast<Anomaly>(i) != Anomaly::kNotIp) anomalies += r.counters.anomalies[i];
  }
  char buf[320];
  std::string alerts;
  if (with_alerts) {
    std::snprintf(buf, sizeof buf, "%zu alerts, %llu suppressed by the baseline, ", r.alerts.size(),
                  static_cast<unsigned long long>(r.suppressed_by_baseline));
    alerts = buf;
  }
  std::snprintf(buf, sizeof buf,
                "otguard nba: %llu packets, %llu flows, %s%llu packet anomalies, %.2f s",
                static_cast<unsigned long long>(r.counters.packets),
                static_cast<unsigned long long>(r.counters.flows), alerts.c_str(),
                static_cast<unsigned long long>(anomalies), r.seconds);
  return buf;
}

std::string LearnedText(const AnalysisResult& r, const std::filesystem::path& written_to) {
  const Baseline& b = r.learned;
  return "Learned the normal traffic of " + Count(r.counters.packets, "packet", "packets") + ": " +
         Count(b.host_count(), "host", "hosts") + ", " +
         Count(b.pair_count(), "client-server pair", "client-server pairs") + ", " +
         Count(b.service_count(), "service", "services") + " (host and port), " +
         Count(b.talk_count(), "client-server-service triple", "client-server-service triples") +
         ", " + Count(b.operation_count(), "ICS operation", "ICS operations") +
         " (client, device, operation)\nBaseline written to " + written_to.string() + "\n";
}

}  // namespace otguard::nba
