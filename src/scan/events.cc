#include "scan/events.h"

#include "otguard/base/bytes.h"

namespace otguard::scan {
namespace {

using Json = nlohmann::json;

Json HashObject(const Digests& d) {
  Json hash = Json::object();
  if (d.md5) hash["md5"] = HexEncode(*d.md5);
  if (d.sha1) hash["sha1"] = HexEncode(*d.sha1);
  if (d.sha256) hash["sha256"] = HexEncode(*d.sha256);
  return hash;
}

}  // namespace

Json DetectionEvent(const FileVerdict& verdict, const Detection& detection, const std::string& host,
                    const std::string& timestamp) {
  Json file = {{"path", verdict.path}, {"size", verdict.size}};
  Json hash = HashObject(verdict.digests);
  if (!hash.empty()) file["hash"] = hash;
  Json otguard = {{"schema_version", kEventSchemaVersion},
                  {"engine", std::string(EngineName(detection.engine))}};
  if (verdict.quarantine_id) otguard["quarantine"] = {{"id", *verdict.quarantine_id}};
  return Json{
      {"@timestamp", timestamp},
      {"event",
       {{"kind", "alert"},
        {"module", "scan"},
        {"dataset", "otguard.scan"},
        {"category", Json::array({"malware"})},
        {"type", Json::array({"info"})},
        {"action", "detected"}}},
      {"host", {{"name", host}}},
      {"file", file},
      {"rule", {{"name", detection.rule}, {"category", "malware"}, {"ruleset", detection.source}}},
      {"otguard", otguard},
  };
}

Json ProblemEvent(const FileProblem& problem, const std::string& timestamp) {
  return Json{
      {"@timestamp", timestamp},
      {"event",
       {{"kind", "event"},
        {"module", "scan"},
        {"dataset", "otguard.scan"},
        {"category", Json::array({"file"})},
        {"type", Json::array({"error"})},
        {"outcome", "failure"}}},
      {"file", {{"path", problem.path}}},
      {"error",
       {{"type", std::string(ProblemKindName(problem.kind))}, {"message", problem.message}}},
      {"otguard", {{"schema_version", kEventSchemaVersion}}},
  };
}

Json SummaryEvent(const ScanSummary& s, const std::string& timestamp) {
  return Json{
      {"@timestamp", timestamp},
      {"event", {{"kind", "metric"}, {"module", "scan"}, {"dataset", "otguard.scan.summary"}}},
      {"otguard",
       {{"schema_version", kEventSchemaVersion},
        {"scan",
         {{"files", s.files},
          {"bytes", s.bytes},
          {"detections", s.detections},
          {"errors", s.errors},
          {"skipped", s.skipped},
          {"seconds", s.seconds},
          {"threads", s.threads}}}}},
  };
}

}  // namespace otguard::scan
