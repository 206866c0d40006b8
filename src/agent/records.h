// The agent's own records, in otguard's envelope (docs/event-schema.md, "Agent records"):
// allowlist violations, allowlisted files modified or followed, and the agent's start, stop
// and job outcomes.
#ifndef OTGUARD_SRC_AGENT_RECORDS_H_
#define OTGUARD_SRC_AGENT_RECORDS_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "otguard/host/allowlist.h"

namespace otguard::agent::internal {

// What the agent did about a violation.
enum class Response { kAlerted, kEnded, kEndFailed, kSpared };
const char* ResponseName(Response response);  // "detected", "process-ended", "end-failed", "spared"

// host::AllowlistViolationRecord (dataset otguard.allowlist) with what the agent did as
// event.action, and `repeats`: the same item's violations suppressed since its last alert.
nlohmann::json ViolationRecord(const host::Observation& observation, const host::Verdict& verdict,
                               std::string_view mode, Response response, std::string_view detail,
                               uint64_t repeats, std::string_view host_name);

// event.kind alert, dataset otguard.allowlist.modified: "allowlisted program modified".
nlohmann::json ModifiedRecord(const host::FileChange& change, const host::UpgradeDecision& decision,
                              std::string_view host_name);

// event.kind event, action allowlist.upgrade.followed: the audit record of a followed upgrade.
nlohmann::json UpgradeFollowedRecord(const host::FileChange& change,
                                     const host::UpgradeDecision& decision, uint64_t new_version,
                                     std::string_view host_name);

// event.kind event, dataset otguard.agent.<what> ("start", "stop", "job").
nlohmann::json AgentRecord(std::string_view what, std::string_view host_name);

// A short key naming the allowlist item an observation is ("p|/usr/bin/x|<sha256>",
// "n|/usr/bin/x|tcp|outbound|10.0.0.1|502"), for alert deduplication.
std::string ItemKey(const host::Observation& observation);

}  // namespace otguard::agent::internal

#endif  // OTGUARD_SRC_AGENT_RECORDS_H_
