// A hunt as records of otguard's event schema (docs/event-schema.md, "Hunt"): one
// `event.kind: alert` record per finding (dataset otguard.hunt.finding), one record per plan
// step (otguard.hunt.step) and a summary (otguard.hunt.summary) last.
#ifndef OTGUARD_HOST_HUNT_EVENTS_H_
#define OTGUARD_HOST_HUNT_EVENTS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/host/hunt.h"

namespace otguard::host {

// What the records of one hunt share (the envelope's host and time, the packs, the gaps).
struct HuntSummary {
  std::string host_name;
  EventTime time;
  double seconds = 0;
  std::vector<const Pack*> packs;
  std::vector<std::string> incomplete;
};

nlohmann::json FindingRecord(const Finding& finding, const HuntSummary& summary);
nlohmann::json StepRecord(const PlanStep& step, const HuntSummary& summary);
nlohmann::json SummaryRecord(const std::vector<Finding>& findings, const Plan& plan,
                             const HuntSummary& summary);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_HUNT_EVENTS_H_
