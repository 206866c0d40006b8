#include "scan/events.h"

#include <algorithm>
#include <cctype>

#include "otguard/base/bytes.h"

namespace otguard::scan {
namespace {

using Json = nlohmann::json;

constexpr const char* kBuiltinSource = "<builtin>";

Json HashObject(const Digests& d) {
  Json hash = Json::object();
  if (d.md5) hash["md5"] = HexEncode(*d.md5);
  if (d.sha1) hash["sha1"] = HexEncode(*d.sha1);
  if (d.sha256) hash["sha256"] = HexEncode(*d.sha256);
  return hash;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "path:line" -> {"path", "line"}; a source without a numeric line suffix (a YARA file) is all
// path. The last colon only: "C:\sigs\main.ndb:3".
std::pair<std::string_view, std::string_view> SplitLine(std::string_view source) {
  size_t colon = source.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == source.size()) return {source, ""};
  std::string_view line = source.substr(colon + 1);
  bool digits = std::all_of(line.begin(), line.end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  return digits ? std::pair{source.substr(0, colon), line} : std::pair{source, std::string_view()};
}

}  // namespace

Severity DetectionSeverity(const Detection& detection) {
  std::string name = Lower(detection.rule);
  bool test = name.find("eicar") != std::string::npos || name.find(".test.") != std::string::npos;
  return test ? Severity::kLow : Severity::kHigh;
}

Ruleset DetectionRuleset(const Detection& detection) {
  std::string_view path = SplitLine(detection.source).first;
  if (path == kBuiltinSource) return {"builtin", std::string(OtguardVersion())};
  return {RulesetFileName(path), ""};
}

std::string DetectionRuleId(const Detection& detection) {
  auto [path, line] = SplitLine(detection.source);
  if (line.empty()) return "";
  std::string name = path == kBuiltinSource ? "builtin" : RulesetFileName(path);
  return name + ":" + std::string(line);
}

Json DetectionEvent(const FileVerdict& verdict, const Detection& detection, const std::string& host,
                    EventTime time) {
  Json e = StartRecord({"alert", "scan", "otguard.scan"}, time, host);
  e["event"]["category"] = Json::array({"malware"});
  e["event"]["type"] = Json::array({"info"});
  e["event"]["action"] = "detected";
  SetSeverity(e, DetectionSeverity(detection));
  Json file = {{"path", verdict.path}, {"size", verdict.size}};
  Json hash = HashObject(verdict.digests);
  if (!hash.empty()) file["hash"] = hash;
  e["file"] = file;
  e["rule"] = {{"name", detection.rule}, {"category", "malware"}};
  std::string id = DetectionRuleId(detection);
  if (!id.empty()) e["rule"]["id"] = id;
  SetRuleset(e, DetectionRuleset(detection));
  e["otguard"]["engine"] = std::string(EngineName(detection.engine));
  if (verdict.quarantine_id) e["otguard"]["quarantine"] = {{"id", *verdict.quarantine_id}};
  return e;
}

Json ProblemEvent(const FileProblem& problem, const std::string& host, EventTime time) {
  Json e = StartRecord({"event", "scan", "otguard.scan"}, time, host);
  e["event"]["category"] = Json::array({"file"});
  e["event"]["type"] = Json::array({"error"});
  e["event"]["outcome"] = "failure";
  e["file"] = {{"path", problem.path}};
  e["error"] = {{"type", std::string(ProblemKindName(problem.kind))}, {"message", problem.message}};
  return e;
}

Json SummaryEvent(const ScanSummary& s, const std::string& host) {
  Json e = StartRecord({"metric", "scan", "otguard.scan.summary"}, s.finished, host);
  e["otguard"]["scan"] = {{"files", s.files},           {"bytes", s.bytes},
                          {"detections", s.detections}, {"errors", s.errors},
                          {"skipped", s.skipped},       {"seconds", s.seconds},
                          {"threads", s.threads}};
  if (s.yara_files_rejected > 0)
    e["otguard"]["scan"]["yara_files_rejected"] = s.yara_files_rejected;
  return e;
}

}  // namespace otguard::scan
