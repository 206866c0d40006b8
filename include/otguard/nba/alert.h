// Network alerts as otguard writes them: the event schema's JSON (docs/event-schema.md) and
// Suricata EVE-style JSON.
#ifndef OTGUARD_NBA_ALERT_H_
#define OTGUARD_NBA_ALERT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "otguard/nba/assets.h"
#include "otguard/nba/finding.h"
#include "otguard/nba/flow.h"

namespace otguard::nba {

struct Alert {
  Micros ts = 0;              // time of the packet that is the evidence
  uint64_t packet_index = 0;  // its position in the input
  uint64_t flow_id = 0;       // 0 for alerts about many flows (fan-out, scan)
  std::string community_id;
  Micros flow_start = 0;
  std::string rule;
  Category category = Category::kPolicy;
  Severity severity = Severity::kMedium;
  std::string message;
  std::string technique;
  Endpoint source, destination;  // source = the acting side
  Transport transport = Transport::kTcp;
  std::string app_protocol;
  std::string destination_domain;                        // from DNS answers seen earlier, if any
  std::optional<Asset> source_asset, destination_asset;  // from --assets, if known
  std::string operation;
  Ruleset ruleset;  // Finding::ruleset: empty name for otguard's own rules
  nlohmann::json fields = nlohmann::json::object();
  // Further packet times that belong to the evidence (fan-out: each new target's first packet).
  std::vector<Micros> evidence_times;
};

// ATT&CK name of a technique id this product uses ("T0866" -> "Exploitation of Remote
// Services"); empty if unknown.
std::string_view TechniqueName(std::string_view id);

nlohmann::json AlertToEcs(const Alert& alert);
nlohmann::json AlertToEve(const Alert& alert);
// One line for a person: "2017-05-12T... exploit critical 192.168.116.149:49160 -> ...".
std::string AlertToText(const Alert& alert);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_ALERT_H_
