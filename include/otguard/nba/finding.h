// What protocol analysers report: alerts (something a person should look at) and observations
// (facts other detectors build on: a DNS answer, an SMB session, an ICS operation).
#ifndef OTGUARD_NBA_FINDING_H_
#define OTGUARD_NBA_FINDING_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "otguard/base/event.h"
#include "otguard/nba/flow.h"

namespace otguard::nba {

// rule.category, the fixed vocabulary of docs/event-schema.md.
enum class Category : uint8_t {
  kMalware,
  kExploit,
  kLateralMovement,
  kScan,
  kDownload,
  kMining,
  kC2,
  kIcsWrite,
  kNewTalker,
  kNewService,
  kPolicy,
  kIoc,
  kHardening,
};
std::string_view CategoryName(Category c);
std::optional<Category> ParseCategory(std::string_view name);

// A finding's severity is the event envelope's otguard::Severity (otguard/base/event.h):
// SeverityName() and SeverityNumber() (ECS event.severity 1 info ... 5 critical) are there.

struct Finding {
  enum class Kind : uint8_t { kAlert, kObservation };
  Kind kind = Kind::kAlert;
  // Stable dotted identifier, "<analyser>.<what>": "smb.eternalblue.trans2_secondary".
  std::string rule;
  Category category = Category::kPolicy;
  Severity severity = Severity::kMedium;
  std::string message;  // one line for a person
  // MITRE ATT&CK for ICS technique id ("T0866"), empty if none fits.
  std::string technique;
  // The acting side: kToServer means the client acts on the server (the usual case);
  // kToClient means the server acts on the client (e.g. a DoublePulsar reply reveals an
  // implant on the server... reported as the server being compromised).
  Direction actor = Direction::kToServer;
  // For ICS operations and other baseline-able actions: what was done, "modbus.write_register".
  // An alert with an operation is suppressed when the baseline saw this client do it to this
  // server. Observations with an operation are learned into the baseline.
  std::string operation;
  // Protocol details under the analyser's name: {"smb": {"command": "trans2_secondary", ...}}.
  nlohmann::json fields = nlohmann::json::object();
  // The database the rule comes from when it is not otguard's own (name empty: otguard-nba):
  // an IOC pack's id and version for "ioc.*" findings (watchlist.h).
  Ruleset ruleset;
};

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_FINDING_H_
