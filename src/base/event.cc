#include "otguard/base/event.h"

#include <array>
#include <cctype>
#include <limits>
#include <optional>

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

// `count` decimal digits at text[pos], or -1.
int64_t Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int64_t value = 0;
  for (char c : text.substr(pos, count)) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The nanoseconds of ".123Z" (or "Z"); -1 when that is not what `rest` holds.
int64_t FractionNanos(std::string_view rest) {
  if (rest == "Z" || rest == "z") return 0;
  if (rest.size() < 3 || rest[0] != '.' || (rest.back() != 'Z' && rest.back() != 'z')) return -1;
  std::string_view digits = rest.substr(1, rest.size() - 2);
  int64_t ns = 0, scale = 100000000;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    ns += (c - '0') * scale;
    scale /= 10;
  }
  return ns;
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS", or nullopt.
std::optional<int64_t> CivilSeconds(std::string_view t) {
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  int64_t y = Digits(t, 0, 4), mo = Digits(t, 5, 2), d = Digits(t, 8, 2);
  int64_t h = Digits(t, 11, 2), mi = Digits(t, 14, 2), s = Digits(t, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(static_cast<int>(y)),
                                   std::chrono::month(static_cast<unsigned>(mo)),
                                   std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

std::string_view OtguardVersion() { return OTGUARD_VERSION; }

EventTime EventTime::Now() { return FromSystemClock(std::chrono::system_clock::now()); }

EventTime EventTime::FromSystemClock(std::chrono::system_clock::time_point t) {
  return EventTime(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string EventTime::Rfc3339() const { return Rfc3339UtcFromNs(ns_); }

Result<EventTime> EventTime::ParseRfc3339(std::string_view text) {
  constexpr int64_t kNanos = 1000000000;
  std::optional<int64_t> seconds = CivilSeconds(text);
  int64_t fraction = text.size() > 19 ? FractionNanos(text.substr(19)) : -1;
  // The last whole second that still fits in int64 nanoseconds, either way.
  if (!seconds || fraction < 0 || *seconds <= std::numeric_limits<int64_t>::min() / kNanos ||
      *seconds >= std::numeric_limits<int64_t>::max() / kNanos) {
    return Unexpected(InvalidArgument("not an RFC 3339 UTC time: '" + std::string(text) +
                                      "' (2024-05-01T12:00:00.123Z)"));
  }
  return EventTime(*seconds * kNanos + fraction);
}

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
