// Allowlist alerts in the one event envelope (base/event.h), ECS field names where ECS has them.
#include "otguard/host/allowlist_events.h"

#include <string>

#include "otguard/base/event.h"
#include "otguard/host/ioc.h"

namespace otguard::host {
namespace {

using Json = nlohmann::json;

void SetIf(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

std::string BaseName(const std::string& path) {
  size_t cut = path.find_last_of("/\\");
  return cut == std::string::npos ? path : path.substr(cut + 1);
}

// An allowlist alert says something is new on the host, not what an adversary did; only a
// changed allowlisted program says more: a foreign file behind a trusted name is masquerading.
void SetTechnique(Json& r, std::string_view id) {
  r["threat"] = {
      {"framework", "MITRE ATT&CK for ICS"},
      {"technique", {{"id", Json::array({id})}, {"name", Json::array({IcsTechniqueName(id)})}}}};
}

void ProcessFields(const ProcessObservation& p, const Verdict& verdict, Json& r) {
  const bool modified = IsModifiedProgram(verdict.mismatch);
  r["event"]["category"] = Json::array({"process"});
  r["event"]["type"] = Json::array({"start"});
  r["rule"]["name"] = modified ? "allowlist.program.modified" : "allowlist.process.unknown";
  Json process = {{"pid", p.pid}, {"name", BaseName(p.executable)}, {"executable", p.executable}};
  SetIf(process, "command_line", p.command_line);
  if (!p.sha256.empty()) process["hash"] = {{"sha256", p.sha256}};
  if (!p.signer.empty()) process["code_signature"] = {{"subject_name", p.signer}};
  Json parent = {{"pid", p.ppid}};
  SetIf(parent, "executable", p.parent_executable);
  process["parent"] = parent;
  r["process"] = process;
  if (!p.user.empty()) r["user"] = {{"name", p.user}};
  if (!p.package.empty()) r["package"] = {{"name", p.package}};
  if (modified) SetTechnique(r, "T0849");
}

void ConnectionFields(const ConnectionObservation& c, Json& r) {
  r["event"]["category"] = Json::array({"network"});
  r["event"]["type"] = Json::array({"connection"});
  r["rule"]["name"] = "allowlist.network.unknown";
  Json local = {{"port", c.local_port}};
  SetIf(local, "ip", c.local_address);
  Json remote = {{"ip", c.remote_address}, {"port", c.remote_port}};
  // ECS: source is the side that opened the connection; a listening socket is the local end.
  if (c.direction == Direction::kInbound) {
    r["source"] = remote;
    r["destination"] = local;
  } else {
    r["source"] = local;
    if (c.direction == Direction::kOutbound) r["destination"] = remote;
  }
  r["network"] = {{"transport", c.protocol}};
  if (c.direction != Direction::kListen) r["network"]["direction"] = DirectionName(c.direction);
  Json process = {{"pid", c.pid}};
  if (!c.executable.empty()) {
    process["name"] = BaseName(c.executable);
    process["executable"] = c.executable;
  }
  r["process"] = process;
}

}  // namespace

Json AllowlistViolationRecord(const Observation& observation, const Verdict& verdict,
                              std::string_view host_name, std::string_view mode) {
  const auto* process = std::get_if<ProcessObservation>(&observation);
  const auto* connection = std::get_if<ConnectionObservation>(&observation);
  EventTime time = process != nullptr ? process->time : connection->time;
  Json r = StartRecord({"alert", "allowlist", "otguard.allowlist"}, time, host_name);
  r["event"]["action"] = "detected";
  r["rule"] = {{"category", "policy"}};
  SetRuleset(r, {"allowlist", ""});  // the host's own allowlist, not a shipped database
  // Not allowed: a process is worse news on a station that runs the same programs every day.
  SetSeverity(r, process != nullptr ? Severity::kHigh : Severity::kMedium);
  if (process != nullptr) {
    ProcessFields(*process, verdict, r);
  } else {
    ConnectionFields(*connection, r);
  }
  if (!verdict.rule_id.empty()) r["rule"]["id"] = verdict.rule_id;
  r["otguard"]["allowlist"] = {
      {"mode", mode}, {"mismatch", MismatchName(verdict.mismatch)}, {"reason", verdict.reason}};
  if (connection != nullptr) {
    r["otguard"]["allowlist"]["direction"] = DirectionName(connection->direction);
  }
  return r;
}

}  // namespace otguard::host
