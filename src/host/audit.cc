// The audit's evaluation frame: the shared helpers of the check files, the order of a report,
// and its JSON records (docs/audit.md).
#include "otguard/host/audit.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "host/audit_checks.h"
#include "otguard/base/event.h"

namespace otguard::host {

const char* AuditStatusName(AuditStatus status) {
  switch (status) {
    case AuditStatus::kFail:
      return "fail";
    case AuditStatus::kUnknown:
      return "unknown";
    case AuditStatus::kPass:
      return "pass";
  }
  return "unknown";
}

namespace {

Status NotCollected() { return Unimplemented("not collected"); }

}  // namespace

AuditFacts::AuditFacts()
    : os(Unexpected(NotCollected())),
      hotfixes(Unexpected(NotCollected())),
      srv_sys_version(Unexpected(NotCollected())),
      srv2_sys_version(Unexpected(NotCollected())),
      services(Unexpected(NotCollected())),
      sockets(Unexpected(NotCollected())),
      accounts(Unexpected(NotCollected())),
      sshd_config(Unexpected(NotCollected())),
      world_writable(Unexpected(NotCollected())),
      packet_filter(Unexpected(NotCollected())),
      randomize_va_space(Unexpected(NotCollected())) {}

std::string RegistryFact(const std::string& key, const std::string& name) {
  return key + "\\" + name;
}

namespace audit_internal {

AuditFinding NewFinding(const char* id, const char* title, Severity severity,
                        std::vector<std::string> references) {
  AuditFinding f;
  f.id = id;
  f.title = title;
  f.severity = severity;
  f.references = std::move(references);
  return f;
}

AuditFinding& Pass(AuditFinding& f, std::string evidence) {
  f.status = AuditStatus::kPass;
  f.evidence = std::move(evidence);
  f.fix.clear();
  return f;
}

AuditFinding& Fail(AuditFinding& f, std::string evidence, std::string fix) {
  f.status = AuditStatus::kFail;
  f.evidence = std::move(evidence);
  f.fix = std::move(fix);
  return f;
}

AuditFinding& Unknown(AuditFinding& f, std::string why) {
  f.status = AuditStatus::kUnknown;
  f.evidence = std::move(why);
  f.fix.clear();
  return f;
}

std::string Reason(const Status& status) {
  if (status.code() == StatusCode::kUnimplemented) {
    return std::string(status.message()) + " (not available on this OS or build yet)";
  }
  return status.ToString();
}

const Result<platform::RegistryValue>* FindRegistry(const AuditFacts& facts, const std::string& key,
                                                    const std::string& name) {
  auto it = facts.registry.find(RegistryFact(key, name));
  return it == facts.registry.end() ? nullptr : &it->second;
}

std::optional<uint64_t> RegistryNumber(const AuditFacts& facts, const std::string& key,
                                       const std::string& name, std::string* error) {
  error->clear();
  const Result<platform::RegistryValue>* value = FindRegistry(facts, key, name);
  if (value == nullptr) {
    *error = "HKLM\\" + key + " " + name + " was not collected";
    return std::nullopt;
  }
  if (!value->has_value()) {
    if (value->error().code() != StatusCode::kNotFound) {
      *error = "HKLM\\" + key + " " + name + ": " + Reason(value->error());
    }
    return std::nullopt;
  }
  if ((*value)->type != platform::RegistryType::kDword &&
      (*value)->type != platform::RegistryType::kQword) {
    return std::nullopt;
  }
  return (*value)->number;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const platform::ServiceInfo* FindService(const AuditFacts& facts, const std::string& name) {
  if (!facts.services) return nullptr;
  std::string wanted = Lower(name);
  for (const platform::ServiceInfo& s : *facts.services) {
    if (Lower(s.name) == wanted) return &s;
  }
  return nullptr;
}

std::string ServiceWord(const AuditFacts& facts, const char* name) {
  if (!facts.services) return "service state unknown";
  const platform::ServiceInfo* s = FindService(facts, name);
  if (s == nullptr) return std::string(name) + " not installed";
  return std::string(name) + " " + platform::ServiceStateName(s->state) + ", start " +
         platform::ServiceStartTypeName(s->start_type);
}

std::optional<FileVersion> ParseFileVersion(const std::string& text) {
  FileVersion v{};
  size_t part = 0;
  size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    if (part >= v.size()) return std::nullopt;
    size_t start = i;
    uint64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > 0xFFFFFFFFu) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    v[part++] = static_cast<uint32_t>(n);
    if (i < text.size()) {
      // "6.1.7601.23689 (win7sp1_ldr.170209-0600)": the string form may carry a branch tag.
      if (text[i] == ' ') break;
      if (text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  return v;
}

int CompareFileVersions(const FileVersion& a, const FileVersion& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

std::optional<WindowsVersion> ParseWindowsVersion(const platform::OsVersion& os) {
  std::optional<FileVersion> v = ParseFileVersion(os.version);
  if (!v) return std::nullopt;
  WindowsVersion w;
  w.major = static_cast<int>((*v)[0]);
  w.minor = static_cast<int>((*v)[1]);
  std::optional<FileVersion> build = ParseFileVersion(os.build);
  w.build = build ? static_cast<int>((*build)[0]) : 0;
  w.server = os.name.find("Server") != std::string::npos;
  return w;
}

bool IsLoopbackAddress(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

bool IsWildcardAddress(const std::string& address) {
  return address == "0.0.0.0" || address == "::" || address == "*";
}

bool IsListening(const platform::SocketEndpoint& e) {
  if (e.protocol == platform::SocketProtocol::kTcp) return e.state == "LISTEN";
  return e.remote_address.empty() || IsWildcardAddress(e.remote_address);
}

std::string DescribeSocket(const AuditFacts& facts, const platform::SocketEndpoint& e) {
  std::string address = e.family == 6 ? "[" + e.local_address + "]" : e.local_address;
  std::string text = std::string(platform::SocketProtocolName(e.protocol)) + " " + address + ":" +
                     std::to_string(e.local_port);
  if (e.pid == 0) return text + " (owner unknown)";
  auto name = facts.process_names.find(e.pid);
  if (name == facts.process_names.end()) return text + " (pid " + std::to_string(e.pid) + ")";
  return text + " (" + name->second + ", pid " + std::to_string(e.pid) + ")";
}

std::string JoinList(const std::vector<std::string>& items, size_t limit) {
  size_t shown = limit == 0 ? items.size() : std::min(limit, items.size());
  std::string text;
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) text += (i + 1 == shown && shown == items.size()) ? " and " : ", ";
    text += items[i];
  }
  if (shown < items.size()) text += " and " + std::to_string(items.size() - shown) + " more";
  return text;
}

}  // namespace audit_internal

AuditReport EvaluateAudit(const AuditFacts& facts) {
  AuditReport report;
  report.taken_at = facts.taken_at;
  report.host_name = facts.host_name;
  report.family = facts.family;
  report.root = facts.root;
  if (facts.os) report.os = *facts.os;
  if (facts.family == "windows") {
    audit_internal::EvaluateWindowsChecks(facts, report.findings);
  } else {
    audit_internal::EvaluateLinuxChecks(facts, report.findings);
  }
  audit_internal::EvaluateCommonChecks(facts, report.findings);
  auto key = [](const AuditFinding& f) {
    return std::make_tuple(f.status, -static_cast<int>(f.severity), f.id);
  };
  std::sort(report.findings.begin(), report.findings.end(),
            [&](const AuditFinding& a, const AuditFinding& b) { return key(a) < key(b); });
  return report;
}

AuditCounts CountFindings(const AuditReport& report) {
  AuditCounts counts;
  for (const AuditFinding& f : report.findings) {
    ++counts.checks;
    switch (f.status) {
      case AuditStatus::kFail:
        ++counts.failing;
        ++counts.by_severity[static_cast<int>(f.severity)];
        break;
      case AuditStatus::kUnknown:
        ++counts.unknown;
        break;
      case AuditStatus::kPass:
        ++counts.passing;
        break;
    }
  }
  return counts;
}

namespace {

using Json = nlohmann::json;

const char* Outcome(AuditStatus status) {
  switch (status) {
    case AuditStatus::kFail:
      return "failure";
    case AuditStatus::kPass:
      return "success";
    case AuditStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Json Record(const AuditReport& report, const char* kind, const char* dataset) {
  Json record = StartRecord({kind, "audit", dataset}, report.taken_at, report.host_name);
  if (report.os) {
    record["host"]["os"] = {
        {"family", report.os->family}, {"name", report.os->name}, {"version", report.os->version}};
  } else if (!report.family.empty()) {
    record["host"]["os"] = {{"family", report.family}};
  }
  if (!report.root.empty()) record["otguard"]["audit"]["root"] = report.root;
  return record;
}

Json FindingRecord(const AuditReport& report, const AuditFinding& f) {
  Json record = Record(report, "state", "otguard.audit");
  record["event"]["category"] = Json::array({"configuration"});
  record["event"]["type"] = Json::array({"info"});
  record["event"]["outcome"] = Outcome(f.status);
  SetSeverity(record, f.severity);
  record["rule"] = {{"id", f.id}, {"name", f.title}, {"category", "hardening"}};
  SetRuleset(record, {"otguard-audit", std::string(OtguardVersion())});
  if (!f.references.empty()) record["rule"]["reference"] = f.references.front();
  Json& audit = record["otguard"]["audit"];
  audit["status"] = AuditStatusName(f.status);
  audit["evidence"] = f.evidence;
  if (!f.fix.empty()) audit["fix"] = f.fix;
  if (!f.references.empty()) audit["references"] = f.references;
  return record;
}

}  // namespace

std::vector<nlohmann::json> AuditRecords(const AuditReport& report) {
  std::vector<Json> records;
  for (const AuditFinding& f : report.findings) records.push_back(FindingRecord(report, f));
  AuditCounts counts = CountFindings(report);
  Json summary = Record(report, "metric", "otguard.audit.summary");
  Json failing_by = Json::object();
  for (int s = 0; s < kSeverityCount; ++s) {
    failing_by[SeverityName(static_cast<Severity>(s))] = counts.by_severity[s];
  }
  summary["otguard"]["audit"]["checks"] = counts.checks;
  summary["otguard"]["audit"]["failing"] = counts.failing;
  summary["otguard"]["audit"]["unknown"] = counts.unknown;
  summary["otguard"]["audit"]["passing"] = counts.passing;
  summary["otguard"]["audit"]["failing_by_severity"] = failing_by;
  records.push_back(std::move(summary));
  return records;
}

}  // namespace otguard::host
