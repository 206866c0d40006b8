// Allowlist alerts as records of otguard's event schema (docs/event-schema.md, "Allowlist
// records"): what the agent raises in monitor and enforce mode and what `otguard allowlist
// replay --json` writes, one builder for both.
//
// Thread-safety: pure functions.
#ifndef OTGUARD_HOST_ALLOWLIST_EVENTS_H_
#define OTGUARD_HOST_ALLOWLIST_EVENTS_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "otguard/host/allowlist.h"

namespace otguard::host {

// One `event.kind: alert` record (dataset otguard.allowlist) for an observation the allowlist
// does not allow. rule.name says which:
//   allowlist.process.unknown   a process no rule allows;
//   allowlist.program.modified  a process at a path a rule covers, with content or signer the
//                               rule does not allow (the verdict's reason starts with
//                               "allowlisted program changed", or its rule_id names the rule);
//   allowlist.network.unknown   a connection or listening socket no rule allows.
// `@timestamp` is the observation's time; `mode` is the agent's allowlist mode ("monitor",
// "enforce", or "replay" for a replay), written as otguard.allowlist.mode.
nlohmann::json AllowlistViolationRecord(const Observation& observation, const Verdict& verdict,
                                        std::string_view host_name, std::string_view mode);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_ALLOWLIST_EVENTS_H_
