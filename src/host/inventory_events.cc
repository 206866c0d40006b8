#include "otguard/host/inventory_events.h"

#include <string>

#include "otguard/base/time_format.h"

namespace otguard::host {
namespace {

using Json = nlohmann::json;

Json Record(const Inventory& inv, const char* dataset) {
  return Json{{"@timestamp", Rfc3339UtcFromNs(inv.taken_at_ns)},
              {"event", {{"kind", "state"}, {"module", "inventory"}, {"dataset", dataset}}},
              {"host", {{"name", inv.host_name}}},
              {"otguard", {{"schema_version", kInventorySchemaVersion}}}};
}

// A collector's outcome in one word: "ok", "unsupported" (the OS has no such thing, or this
// build cannot read it yet), "denied" (needs privileges) or "error".
const char* OutcomeWord(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kUnimplemented:
      return "unsupported";
    case StatusCode::kPermissionDenied:
      return "denied";
    default:
      return "error";
  }
}

void SetIfNotEmpty(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

Json HostRecord(const Inventory& inv) {
  Json record = Record(inv, "otguard.inventory.host");
  if (inv.os) {
    const platform::OsVersion& os = *inv.os;
    Json ecs_os = {
        {"family", os.family}, {"name", os.name}, {"version", os.version}, {"kernel", os.kernel}};
    record["host"]["os"] = ecs_os;
    SetIfNotEmpty(record["host"], "architecture", os.architecture);
    Json extra = Json::object();
    SetIfNotEmpty(extra, "build", os.build);
    SetIfNotEmpty(extra, "service_pack", os.service_pack);
    record["otguard"]["os"] = extra;
  }
  Json collectors = Json::array();
  for (const CollectorOutcome& c : inv.collectors) {
    Json one = {{"name", c.name},
                {"status", OutcomeWord(c.status)},
                {"count", c.count},
                {"seconds", c.seconds}};
    if (!c.status.ok()) one["message"] = c.status.message();
    collectors.push_back(std::move(one));
  }
  record["otguard"]["collectors"] = collectors;
  return record;
}

Json ProcessRecord(const Inventory& inv, const platform::ProcessInfo& p) {
  Json record = Record(inv, "otguard.inventory.process");
  Json process = {{"pid", p.pid}, {"parent", {{"pid", p.ppid}}}, {"name", p.name}};
  SetIfNotEmpty(process, "executable", p.executable);
  if (p.command_line) process["command_line"] = *p.command_line;
  if (!p.user.empty()) process["user"] = {{"name", p.user}};
  if (p.start_time_ns != 0) process["start"] = Rfc3339UtcFromNs(p.start_time_ns);
  record["process"] = process;
  return record;
}

Json ServiceRecord(const Inventory& inv, const platform::ServiceInfo& s) {
  Json record = Record(inv, "otguard.inventory.service");
  record["service"] = {{"name", s.name},
                       {"state", platform::ServiceStateName(s.state)},
                       {"type", s.driver ? "driver" : "service"}};
  Json extra = {{"start_type", platform::ServiceStartTypeName(s.start_type)}};
  SetIfNotEmpty(extra, "display_name", s.display_name);
  SetIfNotEmpty(extra, "description", s.description);
  SetIfNotEmpty(extra, "binary_path", s.binary_path);
  SetIfNotEmpty(extra, "dll", s.service_dll);
  SetIfNotEmpty(extra, "account", s.account);
  if (s.pid != 0) record["process"] = {{"pid", s.pid}};
  record["otguard"]["service"] = extra;
  return record;
}

// The local end is `source`, the remote end `destination` (docs/event-schema.md).
Json SocketRecord(const Inventory& inv, const platform::SocketEndpoint& e) {
  Json record = Record(inv, "otguard.inventory.socket");
  record["network"] = {{"transport", platform::SocketProtocolName(e.protocol)},
                       {"type", e.family == 6 ? "ipv6" : "ipv4"}};
  record["source"] = {{"ip", e.local_address}, {"port", e.local_port}};
  if (!e.remote_address.empty()) {
    record["destination"] = {{"ip", e.remote_address}, {"port", e.remote_port}};
  }
  if (e.pid != 0) record["process"] = {{"pid", e.pid}};
  Json extra = Json::object();
  SetIfNotEmpty(extra, "state", e.state);
  extra["listening"] = e.state == "LISTEN" ||
                       (e.protocol == platform::SocketProtocol::kUdp && e.remote_address.empty());
  record["otguard"]["socket"] = extra;
  return record;
}

Json HotfixRecord(const Inventory& inv, const platform::Hotfix& h) {
  Json record = Record(inv, "otguard.inventory.hotfix");
  Json package = {{"name", h.id}, {"type", "hotfix"}};
  SetIfNotEmpty(package, "description", h.description);
  SetIfNotEmpty(package, "installed", h.installed_on);
  record["package"] = package;
  record["otguard"]["hotfix"] = {{"source", h.source}};
  return record;
}

}  // namespace

std::vector<Json> InventoryRecords(const Inventory& inv) {
  std::vector<Json> records;
  records.push_back(HostRecord(inv));
  for (const auto& p : inv.processes) records.push_back(ProcessRecord(inv, p));
  for (const auto& s : inv.services) records.push_back(ServiceRecord(inv, s));
  for (const auto& e : inv.sockets) records.push_back(SocketRecord(inv, e));
  for (const auto& h : inv.hotfixes) records.push_back(HotfixRecord(inv, h));
  return records;
}

}  // namespace otguard::host
