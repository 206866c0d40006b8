#include "agent/records.h"

#include "otguard/base/event.h"
#include "otguard/host/allowlist_events.h"

namespace otguard::agent::internal {
using Json = nlohmann::json;

const char* ResponseName(Response response) {
  switch (response) {
    case Response::kAlerted:
      return "detected";
    case Response::kEnded:
      return "process-ended";
    case Response::kEndFailed:
      return "end-failed";
    case Response::kSpared:
      return "spared";
  }
  return "detected";
}

Json ViolationRecord(const host::Observation& observation, const host::Verdict& verdict,
                     std::string_view mode, Response response, std::string_view detail,
                     uint64_t repeats, std::string_view host_name) {
  Json r = host::AllowlistViolationRecord(observation, verdict, host_name, mode);
  r["event"]["action"] = ResponseName(response);
  if (response == Response::kEnded) r["event"]["type"] = Json::array({"denied"});
  if (const auto* p = std::get_if<host::ProcessObservation>(&observation)) {
    r["otguard"]["observation_source"] = p->source;
  }
  if (!detail.empty()) r["otguard"]["response_detail"] = detail;
  if (repeats > 0) r["otguard"]["repeats_since_last_alert"] = repeats;
  return r;
}

Json ModifiedRecord(const host::FileChange& change, const host::UpgradeDecision& decision,
                    std::string_view host_name) {
  Json r =
      StartRecord({"alert", "allowlist", "otguard.allowlist.modified"}, change.time, host_name);
  SetSeverity(r, Severity::kHigh);
  r["event"]["category"] = Json::array({"file"});
  r["event"]["type"] = Json::array({"change"});
  r["event"]["action"] = "allowlisted-program-modified";
  r["rule"]["name"] = "allowlisted program modified";
  r["rule"]["category"] = "allowlist";
  r["message"] = "allowlisted program modified: " + change.path + " (" + decision.reason + ")";
  r["file"]["path"] = change.path;
  r["file"]["hash"]["sha256"] = change.new_sha256;
  r["otguard"]["previous_sha256"] = change.old_sha256;
  if (!change.package.empty()) r["package"]["name"] = change.package;
  if (!change.new_signer.empty()) r["file"]["code_signature"]["subject_name"] = change.new_signer;
  return r;
}

Json UpgradeFollowedRecord(const host::FileChange& change, const host::UpgradeDecision& decision,
                           uint64_t new_version, std::string_view host_name) {
  Json r = StartRecord({"event", "allowlist", "otguard.allowlist.upgrade"}, change.time, host_name);
  r["event"]["category"] = Json::array({"configuration"});
  r["event"]["type"] = Json::array({"change"});
  r["event"]["action"] = "allowlist.upgrade.followed";
  r["message"] = "followed upgrade of " + change.path + ": " + decision.reason;
  r["file"]["path"] = change.path;
  r["file"]["hash"]["sha256"] = change.new_sha256;
  r["otguard"]["previous_sha256"] = change.old_sha256;
  r["otguard"]["allowlist_version"] = new_version;
  if (!change.package.empty()) r["package"]["name"] = change.package;
  return r;
}

Json AgentRecord(std::string_view what, std::string_view host_name) {
  Json r = StartRecord({"event", "agent", "otguard.agent." + std::string(what)}, EventTime::Now(),
                       host_name);
  r["event"]["action"] = std::string(what);
  return r;
}

std::string ItemKey(const host::Observation& observation) {
  if (const auto* p = std::get_if<host::ProcessObservation>(&observation)) {
    return "p|" + p->executable + "|" + p->sha256;
  }
  const auto& c = std::get<host::ConnectionObservation>(observation);
  bool outbound = c.direction == host::Direction::kOutbound;
  return "n|" + c.executable + "|" + c.protocol + "|" + host::DirectionName(c.direction) + "|" +
         c.remote_address + "|" + std::to_string(outbound ? c.remote_port : c.local_port);
}

}  // namespace otguard::agent::internal
