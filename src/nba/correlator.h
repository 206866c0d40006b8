// The correlator: sees every engine event in packet order (one thread) and derives what needs
// more than one flow — baseline deviations, SMB fan-out, slow scans, DNS names for addresses,
// session statistics, the propagation graph — and turns analyser findings into alerts.
#ifndef OTGUARD_SRC_NBA_CORRELATOR_H_
#define OTGUARD_SRC_NBA_CORRELATOR_H_

#include <absl/container/flat_hash_set.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "otguard/nba/analysis.h"

namespace otguard::nba::internal {

// A target's times while it stays in a sliding window: the first contact is the evidence, the
// latest keeps it in the window.
struct Contact {
  Micros first = 0, latest = 0;
};
using ContactWindow = std::map<IpAddress, Contact>;

class Correlator final : public FlowObserver {
 public:
  Correlator(const AnalysisOptions& options, const Intel& intel, AnalysisResult& result);

  void OnFlowStart(const FlowInfo& flow) override;
  void OnFlowAnswered(const FlowInfo& flow) override;
  void OnFinding(const FlowInfo& flow, const Finding& finding, uint64_t packet_index,
                 Micros ts) override;
  void OnFlowEnd(const FlowInfo& flow, FlowEndReason reason) override;

  // After the last event: sorts alerts, completes the graph.
  void Finish();

 private:
  struct FanOut {
    ContactWindow targets;  // SMB connections
    bool alerted = false;
  };
  struct ScanState {
    ContactWindow failed;  // failed attempts
    bool alerted = false;
  };

  // Emit: analyser findings and first_smb, after the repeat check (rule, hosts, operation;
  // no port). Publish: alerts made once by their own state, whose identity includes a port
  // (new outbound port, new service, scan) or an actor (fan-out, new talker): the repeat
  // check would take the second port's first for a repeat of the first's.
  void Emit(Alert alert);
  void Publish(Alert alert);
  Alert FromFlow(const FlowInfo& flow, Direction actor, uint64_t packet_index, Micros ts) const;
  void CheckBaselineOnStart(const FlowInfo& flow);
  void TrackFanOut(const FlowInfo& flow);
  void TrackScan(const FlowInfo& flow);
  void Learn(const FlowInfo& flow);
  void LearnDns(const Finding& finding);
  void AddStats(const FlowInfo& flow);
  void AddEdge(const IpAddress& from, const IpAddress& to, const std::string& kind, Micros ts,
               const std::string& rule);
  // max_new_talker_alerts_per_client, for new talkers and new outbound ports each (a worm's
  // flood of new talkers must not hide its first connection to a mining pool): false and
  // counted in capped_alerts once `client` has had that many.
  bool WithinCap(std::map<IpAddress, size_t>& alerts_per_client, const IpAddress& client);
  std::string NameOf(const IpAddress& ip) const;
  std::optional<Asset> AssetOf(const IpAddress& ip) const;

  const AnalysisOptions& options_;
  const Intel& intel_;
  AnalysisResult& result_;
  // What makes two alerts the same; looked up without copying the strings (every repeated
  // finding of a worm is checked here).
  struct AlertKey {
    std::string_view rule;
    IpAddress source, destination;
    std::string_view operation;
    bool operator==(const AlertKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const AlertKey& k) {
      return H::combine(std::move(h), k.rule, k.source, k.destination, k.operation);
    }
  };
  // Owns the strings the keys point into.
  struct StoredKey {
    std::string rule, operation;
  };
  absl::flat_hash_set<AlertKey> seen_alerts_;
  std::deque<StoredKey> seen_alert_strings_;
  std::set<std::pair<IpAddress, IpAddress>> new_pairs_alerted_;
  std::set<std::tuple<IpAddress, Transport, uint16_t>> new_services_alerted_;
  std::set<std::tuple<IpAddress, Transport, uint16_t>> new_outbound_alerted_;
  std::map<IpAddress, size_t> new_talker_alerts_, new_outbound_alerts_;
  std::map<IpAddress, FanOut> fanout_;
  std::map<std::pair<IpAddress, uint16_t>, ScanState> scans_;
  std::unordered_map<std::string, std::string> dns_names_;  // address text -> name
  std::map<std::tuple<IpAddress, IpAddress, std::string>, size_t> edge_index_;
};

}  // namespace otguard::nba::internal

#endif  // OTGUARD_SRC_NBA_CORRELATOR_H_
