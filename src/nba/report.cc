// Serialisation of the analysis results: session statistics, propagation graph, summary.
#include <algorithm>
#include <cstdio>

#include "otguard/base/event.h"
#include "otguard/nba/analysis.h"

namespace otguard::nba {
namespace {

using nlohmann::json;
using PortKey = std::pair<Transport, uint16_t>;

std::string PortName(const PortKey& k) {
  return std::string(TransportName(k.first)) + "/" + std::to_string(k.second);
}

std::vector<std::pair<PortKey, uint64_t>> Top(const std::map<PortKey, uint64_t>& m, size_t n) {
  std::vector<std::pair<PortKey, uint64_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

// "192.168.1.10 [ES-01, engineering-station]" when the node has a name.
std::string NodeLabel(const PropagationGraph& g, const IpAddress& ip) {
  auto it = g.nodes.find(ip);
  if (it == g.nodes.end() || !it->second.asset) return ip.ToString();
  const Asset& a = *it->second.asset;
  return ip.ToString() + " [" + a.name + (a.role.empty() ? "" : ", " + a.role) + "]";
}

std::string HumanBytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / double(1ull << 30));
  } else if (b >= (1ull << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / double(1ull << 20));
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  }
  return buf;
}

}  // namespace

json SessionStats::ToJson(size_t top_ports) const {
  json hosts_j = json::array();
  for (const auto& [ip, h] : hosts) {
    json sessions = json::object();
    for (const auto& [k, n] : h.sessions_by_dst_port) sessions[PortName(k)] = n;
    json top = json::array();
    for (const auto& [k, n] : Top(h.sessions_by_dst_port, top_ports)) {
      top.push_back({{"port", PortName(k)}, {"sessions", n}});
    }
    json served = json::object();
    for (const auto& [k, n] : h.served_ports) served[PortName(k)] = n;
    hosts_j.push_back({{"ip", ip.ToString()},
                       {"peers", h.peers.size()},
                       {"flows_out", h.flows_out},
                       {"flows_in", h.flows_in},
                       {"bytes_out", h.bytes_out},
                       {"bytes_in", h.bytes_in},
                       {"sessions_by_destination_port", std::move(sessions)},
                       {"top_ports", std::move(top)},
                       {"served_ports", std::move(served)}});
  }
  json services_j = json::array();
  for (const auto& [k, s] : services) {
    json servers = json::array();
    for (const auto& ip : s.servers) servers.push_back(ip.ToString());
    services_j.push_back({{"port", PortName(k)},
                          {"servers", std::move(servers)},
                          {"clients", s.clients.size()},
                          {"sessions", s.sessions},
                          {"bytes", s.bytes}});
  }
  json protocols_j = json::object();
  for (const auto& [name, p] : protocols) {
    protocols_j[name] = {{"flows", p.flows}, {"bytes", p.bytes}};
  }
  return {{"hosts", std::move(hosts_j)},
          {"services", std::move(services_j)},
          {"protocols", std::move(protocols_j)},
          {"hosts_dropped", hosts_dropped}};
}

std::string SessionStats::ToText(size_t top_ports) const {
  std::string out = "Hosts (" + std::to_string(hosts.size()) + ")\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-39s %6s %8s %8s %10s %10s  %s\n", "host", "peers", "out",
                "in", "sent", "received", "top destination ports (sessions)");
  out += line;
  for (const auto& [ip, h] : hosts) {
    std::string top;
    for (const auto& [k, n] : Top(h.sessions_by_dst_port, top_ports)) {
      top += PortName(k) + "(" + std::to_string(n) + ") ";
    }
    std::snprintf(line, sizeof line, "  %-39s %6zu %8llu %8llu %10s %10s  %s\n",
                  ip.ToString().c_str(), h.peers.size(),
                  static_cast<unsigned long long>(h.flows_out),
                  static_cast<unsigned long long>(h.flows_in), HumanBytes(h.bytes_out).c_str(),
                  HumanBytes(h.bytes_in).c_str(), top.c_str());
    out += line;
  }
  out += "\nService ports (" + std::to_string(services.size()) + ")\n";
  for (const auto& [k, s] : services) {
    std::string servers;
    size_t shown = 0;
    for (const auto& ip : s.servers) {
      if (shown++ == 8) {
        servers += "...";
        break;
      }
      servers += ip.ToString() + " ";
    }
    std::snprintf(line, sizeof line, "  %-12s sessions %-7llu clients %-5zu servers %s\n",
                  PortName(k).c_str(), static_cast<unsigned long long>(s.sessions),
                  s.clients.size(), servers.c_str());
    out += line;
  }
  out += "\nProtocols\n";
  for (const auto& [name, p] : protocols) {
    std::snprintf(line, sizeof line, "  %-12s flows %-8llu bytes %s\n", name.c_str(),
                  static_cast<unsigned long long>(p.flows), HumanBytes(p.bytes).c_str());
    out += line;
  }
  return out;
}

json PropagationGraph::ToJson() const {
  json edges_j = json::array();
  for (const auto& e : edges) {
    edges_j.push_back({{"from", e.from.ToString()},
                       {"to", e.to.ToString()},
                       {"kind", e.kind},
                       {"first", EventTime::MicrosRfc3339(e.first)},
                       {"last", EventTime::MicrosRfc3339(e.last)},
                       {"rules", e.rules}});
  }
  json nodes_j = json::array();
  for (const auto& [ip, n] : nodes) {
    json node = {{"ip", ip.ToString()},
                 {"patient_zero_candidate", n.patient_zero_candidate},
                 {"infected", n.infected},
                 {"notes", n.notes}};
    if (n.first_attacked) node["first_attacked"] = EventTime::MicrosRfc3339(n.first_attacked);
    if (n.first_attacking) node["first_attacking"] = EventTime::MicrosRfc3339(n.first_attacking);
    if (n.asset) node["asset"] = {{"name", n.asset->name}, {"role", n.asset->role}};
    nodes_j.push_back(std::move(node));
  }
  json pz = json::array();
  for (const auto& ip : patient_zero) pz.push_back(ip.ToString());
  return {{"edges", std::move(edges_j)},
          {"nodes", std::move(nodes_j)},
          {"patient_zero", std::move(pz)}};
}

std::string PropagationGraph::ToDot() const {
  std::string out = "digraph propagation {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& [ip, n] : nodes) {
    std::string attrs;
    if (!patient_zero.empty() && patient_zero.front() == ip) {
      attrs = ", style=filled, fillcolor=red, xlabel=\"patient zero\"";
    } else if (n.patient_zero_candidate) {
      attrs = ", style=filled, fillcolor=orange";
    } else if (n.infected) {
      attrs = ", style=filled, fillcolor=yellow";
    }
    std::string label = ip.ToString();
    if (n.asset) label += "\\n" + n.asset->name + " (" + n.asset->role + ")";
    for (const auto& note : n.notes) label += "\\n" + note;
    out += "  \"" + ip.ToString() + "\" [label=\"" + label + "\"" + attrs + "];\n";
  }
  int order = 0;
  for (const auto& e : edges) {
    out += "  \"" + e.from.ToString() + "\" -> \"" + e.to.ToString() + "\" [label=\"" +
           std::to_string(++order) + ". " + e.kind + " " +
           EventTime::MicrosRfc3339(e.first).substr(11, 12) + "\"" +
           (e.kind == "download" ? ", style=dashed" : "") + "];\n";
  }
  return out + "}\n";
}

std::string PropagationGraph::ToText() const {
  std::string miners;
  for (const auto& [ip, n] : nodes) {
    if (!n.notes.contains("miner")) continue;
    miners += "  " + NodeLabel(*this, ip);
    for (const auto& note : n.notes) {
      if (note != "miner") miners += " (" + note + ")";
    }
    miners += "\n";
  }
  if (!miners.empty()) miners = "Mining hosts\n" + miners;
  if (edges.empty()) return "Propagation: no exploitation or worm download seen.\n" + miners;
  std::string out = "Propagation (in time order)\n";
  for (const auto& e : edges) {
    std::string verb = e.kind == "download" ? " served the worm to " : " exploited ";
    out += "  " + EventTime::MicrosRfc3339(e.first) + "  " + NodeLabel(*this, e.from) + verb +
           NodeLabel(*this, e.to) + "\n";
  }
  std::string infected;
  for (const auto& [ip, n] : nodes) {
    if (n.infected) infected += " " + NodeLabel(*this, ip);
  }
  if (!infected.empty()) out += "Infected (attacked, then spread):" + infected + "\n";
  if (patient_zero.empty()) {
    out += "Patient zero: unknown (every attacker was attacked first)\n";
  } else {
    out += "Patient zero: " + NodeLabel(*this, patient_zero.front());
    if (patient_zero.size() > 1) {
      out += " (other candidates:";
      for (size_t i = 1; i < patient_zero.size(); ++i) out += " " + patient_zero[i].ToString();
      out += ")";
    }
    out += "\n";
  }
  return out + miners;
}

json AnalysisResult::SummaryJson() const {
  json anomalies = json::object();
  for (size_t i = 0; i < counters.anomalies.size(); ++i) {
    if (counters.anomalies[i])
      anomalies[AnomalyName(static_cast<Anomaly>(i))] = counters.anomalies[i];
  }
  json by_category = json::object();
  for (const auto& a : alerts) {
    std::string c(CategoryName(a.category));
    by_category[c] = by_category.value(c, 0) + 1;
  }
  return {{"packets", counters.packets},
          {"bytes", counters.bytes},
          {"ip_packets", counters.ip_packets},
          {"flows", counters.flows},
          {"flows_evicted", counters.flows_evicted},
          {"flows_idle_timeout", counters.flows_idle},
          {"flows_active_timeout", counters.flows_active_cut},
          {"reassembly_gaps", counters.reassembly_gaps},
          {"reassembly_gap_bytes", counters.reassembly_gap_bytes},
          {"alerts", alerts.size()},
          {"alerts_by_category", std::move(by_category)},
          {"suppressed_by_baseline", suppressed_by_baseline},
          {"duplicate_alerts", duplicate_alerts},
          {"capped_alerts", capped_alerts},
          {"anomalies", std::move(anomalies)},
          {"analyzer_anomalies", counters.analyzer_anomalies},
          {"analyzer_flows", counters.analyzer_flows},
          {"capture",
           {{"frames", capture.frames},
            {"truncated_files", capture.truncated_files},
            {"read_errors", capture.read_errors},
            {"out_of_order", capture.out_of_order},
            {"dropped", capture.dropped},
            {"errors", capture.errors}}},
          {"seconds", seconds}};
}

}  // namespace otguard::nba
