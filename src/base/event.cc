#include "otguard/base/event.h"

#include <array>
#include <cctype>

#include "otguard/base/time_format.h"

#ifndef OTGUARD_VERSION
#define OTGUARD_VERSION "0.0.0"
#endif

namespace otguard {
namespace {

using Json = nlohmann::json;

constexpr std::array<const char*, kSeverityCount> kSeverityNames = {"info", "low", "medium", "high",
                                                                    "critical"};

bool IsSeparator(char c) { return c == '/' || c == '\\'; }

}  // namespace

std::string_view OtguardVersion() { return OTGUARD_VERSION; }

EventTime EventTime::Now() { return FromSystemClock(std::chrono::system_clock::now()); }

EventTime EventTime::FromSystemClock(std::chrono::system_clock::time_point t) {
  return EventTime(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string EventTime::Rfc3339() const { return Rfc3339UtcFromNs(ns_); }

const char* SeverityName(Severity severity) {
  size_t i = static_cast<size_t>(severity);
  return i < kSeverityNames.size() ? kSeverityNames[i] : "info";
}

int SeverityNumber(Severity severity) { return static_cast<int>(severity) + 1; }

Result<Severity> ParseSeverity(std::string_view name) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (name == kSeverityNames[i]) return static_cast<Severity>(i);
  }
  return Unexpected(InvalidArgument("unknown severity '" + std::string(name) +
                                    "' (info, low, medium, high, critical)"));
}

std::string RulesetFileName(std::string_view path) {
  size_t cut = path.size();
  while (cut > 0 && !IsSeparator(path[cut - 1])) --cut;
  std::string_view name = path.substr(cut);
  // "C:name" is relative to drive C's current directory: still the machine's, drop the drive.
  if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0]))) {
    name.remove_prefix(2);
  }
  return std::string(name);
}

Json StartRecord(const RecordKind& what, EventTime time, std::string_view host_name) {
  Json record = {
      {"@timestamp", time.Rfc3339()},
      {"event", {{"kind", what.kind}, {"module", what.module}, {"dataset", what.dataset}}}};
  if (!host_name.empty()) record["host"] = {{"name", host_name}};
  record["otguard"] = {{"schema_version", kEventSchemaVersion}};
  return record;
}

void SetSeverity(Json& record, Severity severity) {
  record["event"]["severity"] = SeverityNumber(severity);
  record["otguard"]["severity"] = SeverityName(severity);
}

void SetRuleset(Json& record, const Ruleset& ruleset) {
  record["rule"]["ruleset"] = RulesetFileName(ruleset.name);
  if (!ruleset.version.empty()) record["rule"]["version"] = ruleset.version;
}

std::string JsonLine(const Json& record, bool* replaced) {
  if (replaced != nullptr) *replaced = false;
  try {
    // The common case in one pass: strict dumping throws on invalid UTF-8.
    return record.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::type_error&) {
    if (replaced != nullptr) *replaced = true;
    return record.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

Status JsonLinesWriter::Write(const Json& record) {
  bool replaced = false;
  std::string line = JsonLine(record, &replaced);
  line += '\n';
  if (replaced) ++replaced_;
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() || std::fflush(out_) != 0) {
    return IoError("writing JSON lines: the output stream failed");
  }
  ++written_;
  return Status();
}

void PrintCommandError(std::string_view command, std::string_view message) {
  std::string line = "otguard " + std::string(command) + ": " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace otguard
