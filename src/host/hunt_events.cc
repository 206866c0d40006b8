#include "otguard/host/hunt_events.h"

#include <cstdlib>

#include "otguard/base/event.h"

namespace otguard::host {
namespace {

using Json = nlohmann::json;

Json Base(const HuntSummary& s, const char* kind, const char* dataset) {
  return StartRecord({kind, "hunt", dataset}, s.time, s.host_name);
}

std::string Field(const Finding& f, const char* key) {
  auto it = f.fields.find(key);
  return it == f.fields.end() ? "" : it->second;
}

uint64_t Number(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }

void SetIf(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

// The matched object in ECS fields.
void ObjectFields(const Finding& f, Json& r) {
  const std::string& t = f.object_type;
  if (t == "process") {
    Json p = {{"pid", Number(Field(f, "pid"))}, {"name", Field(f, "name")}};
    SetIf(p, "executable", Field(f, "executable"));
    SetIf(p, "command_line", Field(f, "command_line"));
    Json parent = {{"pid", Number(Field(f, "ppid"))}};
    SetIf(parent, "name", Field(f, "parent_name"));
    SetIf(parent, "executable", Field(f, "parent_executable"));
    p["parent"] = parent;
    r["process"] = p;
  } else if (t == "service") {
    r["service"] = {{"name", Field(f, "name")}};
    SetIf(r["service"], "state", Field(f, "state"));
    Json extra = Json::object();
    SetIf(extra, "binary_path", Field(f, "binary_path"));
    SetIf(extra, "dll", Field(f, "service_dll"));
    SetIf(extra, "display_name", Field(f, "display_name"));
    SetIf(extra, "config_path", Field(f, "config_path"));
    r["otguard"]["service"] = extra;
  } else if (t == "file" || t == "directory") {
    r["file"] = {{"path", Field(f, "path")}, {"type", t == "file" ? "file" : "dir"}};
    Json hash = Json::object();
    SetIf(hash, "sha256", Field(f, "sha256"));
    SetIf(hash, "md5", Field(f, "md5"));
    if (!hash.empty()) r["file"]["hash"] = hash;
  } else if (t == "registry-key" || t == "registry-value") {
    Json reg = {{"key", Field(f, "key")}};
    std::string path = Field(f, "key");
    if (t == "registry-value") {
      reg["value"] = Field(f, "value");
      reg["data"] = {{"strings", Json::array({Field(f, "data")})}};
      path += "\\" + Field(f, "value");
    }
    size_t cut = path.find('\\');
    reg["hive"] = path.substr(0, cut);
    reg["path"] = path;
    r["registry"] = reg;
  } else if (t == "socket") {
    r["network"] = {{"transport", Field(f, "protocol")}};
    r["source"] = {{"ip", Field(f, "local_address")}, {"port", Number(Field(f, "local_port"))}};
    if (!Field(f, "remote_address").empty()) {
      r["destination"] = {{"ip", Field(f, "remote_address")},
                          {"port", Number(Field(f, "remote_port"))}};
    }
    if (Number(Field(f, "pid")) != 0) {
      r["process"] = {{"pid", Number(Field(f, "pid"))}};
      SetIf(r["process"], "name", Field(f, "process_name"));
      SetIf(r["process"], "executable", Field(f, "executable"));
    }
  } else if (t == "autorun" || t == "scheduled-task") {
    Json a = Json::object();
    for (const char* k : {"kind", "location", "name", "command", "image", "user"}) {
      SetIf(a, k, Field(f, k));
    }
    r["otguard"]["autorun"] = a;
  } else if (t == "hosts-entry") {
    r["otguard"]["hosts_entry"] = {{"line", Number(Field(f, "line"))}, {"text", Field(f, "text")}};
  } else if (t == "script") {
    r["file"] = {{"path", Field(f, "path")}, {"type", "file"}};
    r["otguard"]["script"] = {{"used_by", Field(f, "used_by")}};
  }
}

}  // namespace

Json FindingRecord(const Finding& f, const HuntSummary& s) {
  Json r = Base(s, "alert", "otguard.hunt.finding");
  SetSeverity(r, f.indicator.severity);
  r["rule"] = {{"id", f.pack_id + "/" + f.indicator.id}, {"name", f.indicator.title}};
  SetRuleset(r, {f.pack_id, f.pack_version});
  if (!f.indicator.references.empty()) r["rule"]["reference"] = f.indicator.references.front();
  if (!f.indicator.technique.empty()) {
    r["threat"] = {
        {"framework", "MITRE ATT&CK for ICS"},
        {"technique",
         {{"id", Json::array({f.indicator.technique})},
          {"name", Json::array({std::string(IcsTechniqueName(f.indicator.technique))})}}}};
  }
  r["otguard"]["hunt"] = {{"indicator_kind", IndicatorKindName(f.indicator.kind)},
                          {"object_type", f.object_type},
                          {"object", f.object},
                          {"evidence", f.evidence}};
  ObjectFields(f, r);
  return r;
}

Json StepRecord(const PlanStep& step, const HuntSummary& s) {
  Json r = Base(s, "state", "otguard.hunt.step");
  r["otguard"]["step"] = {{"number", step.number}, {"action", StepActionName(step.action)},
                          {"target", step.target}, {"what", step.what},
                          {"why", step.why},       {"check_first", step.check_first},
                          {"notes", step.notes},   {"command", step.command},
                          {"after", step.after}};
  return r;
}

Json SummaryRecord(const std::vector<Finding>& findings, const Plan& plan, const HuntSummary& s) {
  Json r = Base(s, "state", "otguard.hunt.summary");
  Json packs = Json::array();
  for (const Pack* p : s.packs) {
    packs.push_back({{"id", p->id},
                     {"version", p->version},
                     {"origin", p->origin},
                     {"indicators", p->indicators.size()}});
  }
  Json by_severity = Json::object();
  for (const Finding& f : findings) {
    by_severity[SeverityName(f.indicator.severity)] =
        by_severity.value(SeverityName(f.indicator.severity), 0) + 1;
  }
  r["event"]["outcome"] =
      findings.empty() ? (s.incomplete.empty() ? "success" : "unknown") : "failure";
  r["otguard"]["hunt"] = {{"findings", findings.size()}, {"by_severity", by_severity},
                          {"steps", plan.steps.size()},  {"packs", packs},
                          {"incomplete", s.incomplete},  {"seconds", s.seconds}};
  return r;
}

}  // namespace otguard::host
