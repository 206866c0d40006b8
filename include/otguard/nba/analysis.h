// A whole network analysis: engines on one or more cores, then the correlator that turns what
// they saw (in packet order) into alerts, session statistics, a baseline and the propagation
// graph.
#ifndef OTGUARD_NBA_ANALYSIS_H_
#define OTGUARD_NBA_ANALYSIS_H_

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/nba/alert.h"
#include "otguard/nba/assets.h"
#include "otguard/nba/baseline.h"
#include "otguard/nba/capture.h"
#include "otguard/nba/engine.h"
#include "otguard/nba/intel.h"

namespace otguard::nba {

struct DetectionOptions {
  // SMB fan-out: one client reaching this many distinct SMB servers within the window.
  // WannaCry's first wave reaches 4 hosts in 4.3 s; an ordinary client talks to one or two
  // file servers and domain controllers.
  size_t fanout_hosts = 4;
  Micros fanout_window = 10 * kMicrosPerSecond;
  // Slow scan: unanswered or refused attempts to this many distinct hosts on one port, however
  // spread out, within the window.
  size_t scan_hosts = 5;
  Micros scan_window = 24 * 3600 * kMicrosPerSecond;
  // At most this many new-talker alerts, and this many new-outbound-port alerts, per client;
  // the rest are counted (capped_alerts).
  size_t max_new_talker_alerts_per_client = 10;
};

struct AnalysisOptions {
  EngineOptions engine;
  DetectionOptions detection;
  int threads = 1;                     // engine shards; files only (live capture uses one)
  const Baseline* baseline = nullptr;  // analyze against it (nullptr: no baseline alerts)
  const AssetNames* assets = nullptr;  // names for alerts and the story (optional)
  bool learn = false;                  // build a baseline from the traffic (alerts still computed)
  // Called for each alert as soon as it is known (live capture); offline alerts are also
  // returned sorted by time.
  std::function<void(const Alert&)> on_alert;
};

struct HostStats {
  uint64_t flows_out = 0, flows_in = 0;
  uint64_t bytes_out = 0, bytes_in = 0;
  std::set<IpAddress> peers;
  std::map<std::pair<Transport, uint16_t>, uint64_t> sessions_by_dst_port;  // as client
  std::map<std::pair<Transport, uint16_t>, uint64_t> served_ports;          // as server
};

struct ServiceStats {
  std::set<IpAddress> servers, clients;
  uint64_t sessions = 0, bytes = 0;
};

struct ProtocolStats {
  uint64_t flows = 0, bytes = 0;
};

// The TSOC-NBA view: per host, per service port, per recognised protocol.
struct SessionStats {
  std::map<IpAddress, HostStats> hosts;
  std::map<std::pair<Transport, uint16_t>, ServiceStats> services;
  std::map<std::string, ProtocolStats> protocols;  // "modbus", "s7comm", ... "unknown"
  uint64_t hosts_dropped = 0;  // beyond the host limit (memory bound), counted only
  nlohmann::json ToJson(size_t top_ports = 5) const;
  std::string ToText(size_t top_ports = 5) const;
};

struct GraphEdge {
  IpAddress from, to;
  std::string kind;  // "exploit", "download", "lateral"
  Micros first = 0, last = 0;
  std::set<std::string> rules;
};

struct GraphNode {
  IpAddress ip;
  std::optional<Asset> asset;                      // from AnalysisOptions::assets
  Micros first_attacked = 0, first_attacking = 0;  // 0: never
  bool patient_zero_candidate = false;
  bool infected = false;        // attacked, then attacked others or fetched the worm
  std::set<std::string> notes;  // "miner", "pool:<domain>"
};

struct PropagationGraph {
  std::vector<GraphEdge> edges;  // in time order of their first evidence
  std::map<IpAddress, GraphNode> nodes;
  std::vector<IpAddress> patient_zero;  // candidates, most likely first
  nlohmann::json ToJson() const;
  std::string ToDot() const;
  std::string ToText() const;
};

struct AnalysisResult {
  std::vector<Alert> alerts;  // by time
  SessionStats stats;
  PropagationGraph graph;
  Baseline learned;  // filled when options.learn
  EngineCounters counters;
  CaptureCounters capture;
  uint64_t suppressed_by_baseline = 0, duplicate_alerts = 0, capped_alerts = 0;
  double seconds = 0;
  nlohmann::json SummaryJson() const;
};

// Opens the input (called once).
using SourceFactory = std::function<Result<std::unique_ptr<PacketSource>>()>;

// Runs the analysis. Errors only for an input that cannot be opened; bad packets are counted.
Result<AnalysisResult> Analyze(const SourceFactory& open, const AnalysisOptions& options,
                               const Intel& intel);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_ANALYSIS_H_
