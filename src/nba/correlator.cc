#include "correlator.h"

#include <algorithm>

namespace otguard::nba::internal {
namespace {

bool IsSmbPort(uint16_t port) { return port == 445 || port == 139; }

// A scan whose attempts span more than this is reported as slow (nba.slow_scan): one paced
// to stay under per-minute rate thresholds.
constexpr Micros kSlowScanSpan = 60 * kMicrosPerSecond;

bool HasPorts(Transport t) { return t == Transport::kTcp || t == Transport::kUdp; }

// Multicast and broadcast have no "talker pair" or listening service to learn. A subnet's
// directed broadcast cannot be told from the address alone; .255 is taken as one (the /24
// plant networks this is for), which at worst hides a host that really ends in .255.
bool IsGroupAddress(const IpAddress& ip) {
  if (ip.is_v4()) return (ip.bytes[12] >= 224 && ip.bytes[12] <= 239) || ip.bytes[15] == 255;
  return ip.bytes[0] == 0xff;
}

std::string PortText(Transport t, uint16_t port) {
  return std::string(TransportName(t)) + "/" + std::to_string(port);
}

// Records a contact with `target` at `now` in a sliding window: first drops every target whose
// latest contact is more than `window` away from `now` (either way: timestamps are not always
// in order; exactly `window` away stays, the window is closed), then adds `target` or updates
// its times. A target contacted a moment ago is in the window however long ago it was first
// contacted; its first contact stays the evidence. Returns true if `target` is new in the
// window.
bool SlideWindow(ContactWindow& contacts, const IpAddress& target, Micros now, Micros window) {
  std::erase_if(contacts, [&](const auto& e) {
    Micros latest = e.second.latest;
    return (latest > now ? latest - now : now - latest) > window;
  });
  auto [it, added] = contacts.try_emplace(target, Contact{now, now});
  it->second.first = std::min(it->second.first, now);
  it->second.latest = std::max(it->second.latest, now);
  return added;
}

}  // namespace

Correlator::Correlator(const AnalysisOptions& options, const Intel& intel, AnalysisResult& result)
    : options_(options), intel_(intel), result_(result) {}

std::string Correlator::NameOf(const IpAddress& ip) const {
  auto it = dns_names_.find(ip.ToString());
  return it == dns_names_.end() ? "" : it->second;
}

std::optional<Asset> Correlator::AssetOf(const IpAddress& ip) const {
  const Asset* a = options_.assets ? options_.assets->Find(ip) : nullptr;
  return a ? std::optional<Asset>(*a) : std::nullopt;
}

Alert Correlator::FromFlow(const FlowInfo& flow, Direction actor, uint64_t packet_index,
                           Micros ts) const {
  Alert a;
  a.ts = ts;
  a.packet_index = packet_index;
  a.flow_id = flow.id;
  a.community_id = CommunityId(flow);
  a.flow_start = flow.first_seen;
  a.source = actor == Direction::kToServer ? flow.client : flow.server;
  a.destination = actor == Direction::kToServer ? flow.server : flow.client;
  a.transport = flow.transport;
  a.app_protocol = std::string(flow.app_protocol);
  a.destination_domain = NameOf(a.destination.ip);
  a.source_asset = AssetOf(a.source.ip);
  a.destination_asset = AssetOf(a.destination.ip);
  return a;
}

void Correlator::Emit(Alert alert) {
  AlertKey key{alert.rule, alert.source.ip, alert.destination.ip, alert.operation};
  if (seen_alerts_.contains(key)) {
    ++result_.duplicate_alerts;
    return;
  }
  StoredKey& stored = seen_alert_strings_.emplace_back(StoredKey{alert.rule, alert.operation});
  seen_alerts_.insert({stored.rule, key.source, key.destination, stored.operation});
  Publish(std::move(alert));
}

void Correlator::Publish(Alert alert) {
  if (options_.on_alert) options_.on_alert(alert);
  result_.alerts.push_back(std::move(alert));
}

bool Correlator::WithinCap(std::map<IpAddress, size_t>& alerts_per_client,
                           const IpAddress& client) {
  size_t& n = alerts_per_client[client];
  if (n >= options_.detection.max_new_talker_alerts_per_client) {
    ++result_.capped_alerts;
    return false;
  }
  ++n;
  return true;
}

void Correlator::CheckBaselineOnStart(const FlowInfo& flow) {
  const Baseline& b = *options_.baseline;
  const IpAddress& client = flow.client.ip;
  const IpAddress& server = flow.server.ip;
  uint16_t port = flow.server.port;
  auto alert = [&](std::string rule, Category c, Severity s, std::string technique,
                   std::string message) {
    Alert a = FromFlow(flow, Direction::kToServer, flow.first_packet_index, flow.first_seen);
    a.rule = std::move(rule);
    a.category = c;
    a.severity = s;
    a.technique = std::move(technique);
    a.message = std::move(message);
    return a;
  };
  std::string what =
      client.ToString() + " -> " + server.ToString() + " " + PortText(flow.transport, port);
  if (flow.transport == Transport::kTcp && IsSmbPort(port) &&
      !b.HasTalk({client, server, Transport::kTcp, 445}) &&
      !b.HasTalk({client, server, Transport::kTcp, 139})) {
    // Once per pair, 445 and 139 alike: the repeat check's key has no port.
    Emit(alert("nba.first_smb", Category::kLateralMovement, Severity::kHigh, "T0886",
               "first SMB connection between these hosts (not in the baseline): " + what));
  }
  if (!b.HasPair(client, server) && new_pairs_alerted_.emplace(client, server).second &&
      WithinCap(new_talker_alerts_, client)) {
    Publish(alert("nba.new_talker", Category::kNewTalker, Severity::kMedium, "T0886",
                  "new client-server pair: " + what));
  }
  // Only for hosts the baseline knows as clients: a new host is already a new talker.
  if (b.HasClient(client) && !b.HasOutboundPort(client, flow.transport, port) &&
      new_outbound_alerted_.emplace(client, flow.transport, port).second &&
      WithinCap(new_outbound_alerts_, client)) {
    bool pool = intel_.IsPoolPort(port);
    Publish(alert("nba.new_outbound_port", Category::kPolicy,
                  pool ? Severity::kHigh : Severity::kMedium, "T0885",
                  client.ToString() + " uses " + PortText(flow.transport, port) +
                      " for the first time (not in the baseline)" +
                      (pool ? "; a mining-pool port" : "")));
  }
}

void Correlator::TrackFanOut(const FlowInfo& flow) {
  FanOut& fo = fanout_[flow.client.ip];
  Micros now = flow.first_seen;
  if (!SlideWindow(fo.targets, flow.server.ip, now, options_.detection.fanout_window)) return;
  if (fo.alerted || fo.targets.size() < options_.detection.fanout_hosts) return;
  fo.alerted = true;
  Alert a = FromFlow(flow, Direction::kToServer, flow.first_packet_index, now);
  a.rule = "nba.smb_fanout";
  a.category = Category::kLateralMovement;
  a.severity = Severity::kHigh;
  a.technique = "T0886";
  nlohmann::json targets = nlohmann::json::array();
  std::vector<std::pair<Micros, IpAddress>> by_time;
  for (const auto& [ip, t] : fo.targets) by_time.emplace_back(t.first, ip);
  std::sort(by_time.begin(), by_time.end());
  for (const auto& [t, ip] : by_time) {
    targets.push_back(ip.ToString());
    a.evidence_times.push_back(t);
  }
  Micros span = by_time.back().first - by_time.front().first;
  a.message = flow.client.ip.ToString() + " opened SMB to " + std::to_string(by_time.size()) +
              " hosts in " + std::to_string(span / 1000) + " ms";
  a.fields = {{"nba",
               {{"targets", targets},
                {"window_seconds", options_.detection.fanout_window / kMicrosPerSecond},
                {"span_ms", span / 1000}}}};
  Publish(std::move(a));
}

void Correlator::TrackScan(const FlowInfo& flow) {
  if (flow.transport != Transport::kTcp) return;
  // A failed attempt: nothing came back, or a reset before the server sent any data (a refused
  // port, or a SYN scan's half-open probe). A server that sent data answered, however the
  // connection ended (Windows SMB clients often end theirs with a RST).
  bool answered = flow.packets[Index(Direction::kToClient)] > 0;
  bool refused =
      flow.tcp_state == TcpState::kReset && flow.payload_bytes[Index(Direction::kToClient)] == 0;
  if (answered && !refused) return;
  if (flow.packets[Index(Direction::kToServer)] == 0) return;
  if (options_.baseline && options_.baseline->HasTalk({flow.client.ip, flow.server.ip,
                                                       flow.transport, flow.server.port})) {
    return;
  }
  ScanState& s = scans_[{flow.client.ip, flow.server.port}];
  Micros now = flow.first_seen;
  SlideWindow(s.failed, flow.server.ip, now, options_.detection.scan_window);
  if (s.alerted || s.failed.size() < options_.detection.scan_hosts) return;
  s.alerted = true;
  Micros first = INT64_MAX, last = INT64_MIN;
  nlohmann::json targets = nlohmann::json::array();
  Alert a = FromFlow(flow, Direction::kToServer, flow.first_packet_index, now);
  for (const auto& [ip, t] : s.failed) {
    first = std::min(first, t.first);
    last = std::max(last, t.first);
    targets.push_back(ip.ToString());
  }
  std::vector<Micros> times;
  for (const auto& [ip, t] : s.failed) times.push_back(t.first);
  std::sort(times.begin(), times.end());
  a.evidence_times = times;
  a.ts = last;
  Micros span = last - first;
  bool slow = span > kSlowScanSpan;
  a.rule = slow ? "nba.slow_scan" : "nba.scan";
  a.category = Category::kScan;
  a.severity = IsSmbPort(flow.server.port) ? Severity::kHigh : Severity::kMedium;
  a.technique = "T0846";
  a.flow_id = 0;
  a.community_id.clear();
  a.message = flow.client.ip.ToString() + " probed " + std::to_string(s.failed.size()) +
              " hosts on " + PortText(flow.transport, flow.server.port) +
              " without an answer over " + std::to_string(span / kMicrosPerSecond) + " s" +
              (slow ? " (slow scan)" : "");
  a.fields = {{"nba", {{"targets", targets}, {"span_seconds", span / kMicrosPerSecond}}}};
  Publish(std::move(a));
}

void Correlator::Learn(const FlowInfo& flow) {
  if (!options_.learn || !HasPorts(flow.transport)) return;
  if (IsGroupAddress(flow.server.ip)) return;
  result_.learned.AddTalk({flow.client.ip, flow.server.ip, flow.transport, flow.server.port});
}

void Correlator::OnFlowStart(const FlowInfo& flow) {
  if (!HasPorts(flow.transport) || IsGroupAddress(flow.server.ip)) return;
  Learn(flow);
  if (options_.baseline) CheckBaselineOnStart(flow);
  if (flow.transport == Transport::kTcp && IsSmbPort(flow.server.port)) TrackFanOut(flow);
}

void Correlator::OnFlowAnswered(const FlowInfo& flow) {
  if (!HasPorts(flow.transport) || IsGroupAddress(flow.server.ip)) return;
  Baseline::Service service{flow.server.ip, flow.transport, flow.server.port};
  if (options_.learn) result_.learned.AddService(service);
  if (!options_.baseline || options_.baseline->HasService(service)) return;
  if (!new_services_alerted_.emplace(flow.server.ip, flow.transport, flow.server.port).second) {
    return;
  }
  Alert a = FromFlow(flow, Direction::kToServer, flow.first_packet_index, flow.last_seen);
  a.rule = "nba.new_service";
  a.category = Category::kNewService;
  a.severity = intel_.IsPoolPort(flow.server.port) || flow.server.port > 1024 ? Severity::kHigh
                                                                              : Severity::kMedium;
  a.technique = "T0869";
  a.message = flow.server.ip.ToString() + " answers on " +
              PortText(flow.transport, flow.server.port) + ", a service not in the baseline";
  Publish(std::move(a));
}

void Correlator::LearnDns(const Finding& finding) {
  const auto& dns = finding.fields.contains("dns") ? finding.fields["dns"] : nlohmann::json();
  if (!dns.is_object() || !dns.contains("addresses") || !dns["addresses"].is_array()) return;
  std::string name = dns.value("query", "");
  if (name.empty()) return;
  std::string canonical;
  if (dns.contains("cname_chain") && dns["cname_chain"].is_array() &&
      dns["cname_chain"].size() > 1 && dns["cname_chain"].back().is_string()) {
    canonical = dns["cname_chain"].back().get<std::string>();
  }
  std::string label =
      canonical.empty() || canonical == name ? name : name + " (CNAME " + canonical + ")";
  for (const auto& addr : dns["addresses"]) {
    if (!addr.is_string()) continue;
    auto ip = IpAddress::Parse(addr.get<std::string>());
    if (ip && dns_names_.size() < 1'000'000) dns_names_[ip->ToString()] = label;
  }
}

void Correlator::AddEdge(const IpAddress& from, const IpAddress& to, const std::string& kind,
                         Micros ts, const std::string& rule) {
  auto& graph = result_.graph;
  auto key = std::make_tuple(from, to, kind);
  auto it = edge_index_.find(key);
  if (it == edge_index_.end()) {
    edge_index_[key] = graph.edges.size();
    graph.edges.push_back({from, to, kind, ts, ts, {rule}});
  } else {
    GraphEdge& e = graph.edges[it->second];
    e.first = std::min(e.first, ts);
    e.last = std::max(e.last, ts);
    e.rules.insert(rule);
  }
  GraphNode& f = graph.nodes[from];
  f.ip = from;
  f.asset = AssetOf(from);
  if (f.first_attacking == 0 || ts < f.first_attacking) f.first_attacking = ts;
  GraphNode& t = graph.nodes[to];
  t.ip = to;
  t.asset = AssetOf(to);
  if (t.first_attacked == 0 || ts < t.first_attacked) t.first_attacked = ts;
  if (kind == "download") t.infected = true;
}

void Correlator::OnFinding(const FlowInfo& flow, const Finding& finding, uint64_t packet_index,
                           Micros ts) {
  const Endpoint& source = finding.actor == Direction::kToServer ? flow.client : flow.server;
  const Endpoint& destination = finding.actor == Direction::kToServer ? flow.server : flow.client;
  if (finding.kind == Finding::Kind::kObservation) {
    if (finding.rule.rfind("dns.", 0) == 0) LearnDns(finding);
    if (options_.learn && !finding.operation.empty()) {
      result_.learned.AddOperation({source.ip, destination.ip, finding.operation});
    }
    return;
  }
  // Repeats are counted before any work is spent on them (a worm repeats itself a lot).
  if (seen_alerts_.contains({finding.rule, source.ip, destination.ip, finding.operation}) &&
      !options_.learn) {
    ++result_.duplicate_alerts;
    return;
  }
  Alert a = FromFlow(flow, finding.actor, packet_index, ts);
  a.rule = finding.rule;
  a.category = finding.category;
  a.severity = finding.severity;
  a.message = finding.message;
  a.technique = finding.technique;
  a.operation = finding.operation;
  a.ruleset = finding.ruleset;
  a.fields = finding.fields;
  if (!a.operation.empty()) {
    Baseline::Operation op{a.source.ip, a.destination.ip, a.operation};
    if (options_.learn) result_.learned.AddOperation(op);
    if (options_.baseline && options_.baseline->HasOperation(op)) {
      ++result_.suppressed_by_baseline;
      return;
    }
  }
  if (a.category == Category::kExploit) {
    AddEdge(a.source.ip, a.destination.ip, "exploit", ts, a.rule);
  } else if (a.category == Category::kDownload) {
    // The fetching host got the file from the server: infection flows server -> client.
    AddEdge(flow.server.ip, flow.client.ip, "download", ts, a.rule);
  } else if (a.category == Category::kMining) {
    GraphNode& n = result_.graph.nodes[flow.client.ip];
    n.ip = flow.client.ip;
    n.asset = AssetOf(flow.client.ip);
    n.notes.insert("miner");
    if (!a.destination_domain.empty()) n.notes.insert("pool " + a.destination_domain);
  }
  Emit(std::move(a));
}

void Correlator::AddStats(const FlowInfo& flow) {
  SessionStats& st = result_.stats;
  constexpr size_t kMaxHosts = 1 << 18;
  uint64_t up = flow.bytes[0], down = flow.bytes[1];
  bool answered = flow.packets[1] > 0;
  auto host = [&](const IpAddress& ip) -> HostStats* {
    auto it = st.hosts.find(ip);
    if (it != st.hosts.end()) return &it->second;
    if (st.hosts.size() >= kMaxHosts) {
      ++st.hosts_dropped;
      return nullptr;
    }
    return &st.hosts[ip];
  };
  auto key = std::make_pair(flow.transport, flow.server.port);
  if (HostStats* c = host(flow.client.ip)) {
    ++c->flows_out;
    c->bytes_out += up;
    c->bytes_in += down;
    if (c->peers.size() < 65536) c->peers.insert(flow.server.ip);
    ++c->sessions_by_dst_port[key];
  }
  if (HostStats* s = host(flow.server.ip)) {
    ++s->flows_in;
    s->bytes_in += up;
    s->bytes_out += down;
    if (s->peers.size() < 65536) s->peers.insert(flow.client.ip);
    if (answered) ++s->served_ports[key];
  }
  ServiceStats& svc = st.services[key];
  if (answered && svc.servers.size() < 65536) svc.servers.insert(flow.server.ip);
  if (svc.clients.size() < 65536) svc.clients.insert(flow.client.ip);
  ++svc.sessions;
  svc.bytes += up + down;
  ProtocolStats& p =
      st.protocols[flow.app_protocol.empty() ? "unknown" : std::string(flow.app_protocol)];
  ++p.flows;
  p.bytes += up + down;
}

void Correlator::OnFlowEnd(const FlowInfo& flow, FlowEndReason reason) {
  AddStats(flow);
  if (!IsGroupAddress(flow.server.ip)) TrackScan(flow);
}

void Correlator::Finish() {
  auto& alerts = result_.alerts;
  std::stable_sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) {
    return std::tie(a.ts, a.packet_index) < std::tie(b.ts, b.packet_index);
  });
  PropagationGraph& g = result_.graph;
  std::stable_sort(g.edges.begin(), g.edges.end(),
                   [](const GraphEdge& a, const GraphEdge& b) { return a.first < b.first; });
  std::vector<const GraphNode*> candidates;
  for (auto& [ip, n] : g.nodes) {
    if (n.first_attacked != 0 && n.first_attacking > n.first_attacked) n.infected = true;
    bool attacker = n.first_attacking != 0;
    bool attacked_first = n.first_attacked != 0 && n.first_attacked < n.first_attacking;
    n.patient_zero_candidate = attacker && !attacked_first;
    if (n.patient_zero_candidate) candidates.push_back(&n);
  }
  std::sort(candidates.begin(), candidates.end(), [](const GraphNode* a, const GraphNode* b) {
    return a->first_attacking < b->first_attacking;
  });
  for (const GraphNode* n : candidates) g.patient_zero.push_back(n->ip);
}

}  // namespace otguard::nba::internal
