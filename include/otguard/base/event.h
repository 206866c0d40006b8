// otguard's event envelope (docs/event-schema.md): the one schema version, time type, severity
// scale, ruleset value and JSON-lines writer every record of every part goes through. A record
// builder starts with StartRecord() and adds its own fields; nothing else writes `@timestamp`,
// `event.kind/module/dataset`, `host.name`, `event.severity` or `otguard.schema_version`.
//
// Thread-safety: everything here is a value or a pure function, except JsonLinesWriter, which
// one thread at a time may use.
#ifndef OTGUARD_BASE_EVENT_H_
#define OTGUARD_BASE_EVENT_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "otguard/base/status.h"

namespace otguard {

// Raised when a field is renamed or removed or changes type (docs/event-schema.md says what
// changed in each version). 2: one severity scale, rulesets without paths, host.name and the
// version on every record.
inline constexpr int kEventSchemaVersion = 2;

// The release of otguard that wrote a record: the version of its built-in rulesets.
std::string_view OtguardVersion();

// A point in time for a record: nanoseconds since the Unix epoch, UTC. Records show it as
// RFC 3339 with milliseconds; the nanoseconds stay for ordering and arithmetic.
//
// Which times are EventTime: the moment something was observed or decided, the time a record
// is about. Snapshots, reports and summaries carry one (host::Inventory::taken_at,
// host::AuditFacts/AuditReport::taken_at, host::HuntSummary::time, scan::ScanSummary::finished,
// scan::QuarantineRecord::quarantined_at) and every record's `@timestamp` is taken from it, never
// converted in a record builder. Not EventTime, on purpose: the OS's facts about files and
// processes (platform's mtime_ns, atime_ns, start_time_ns: attributes of a thing, kept as the OS
// gives them, not moments otguard observed) and nba's packet time `Micros` (the engine's unit;
// an alert converts it once, EventTime::FromMicros in src/nba/alert.cc).
class EventTime {
 public:
  EventTime() = default;
  static EventTime Now();
  static EventTime FromSystemClock(std::chrono::system_clock::time_point t);
  static EventTime FromNanos(int64_t ns_since_epoch) { return EventTime(ns_since_epoch); }
  static EventTime FromMicros(int64_t us_since_epoch) { return EventTime(us_since_epoch * 1000); }
  // The inverse of Rfc3339() for UTC: "YYYY-MM-DDTHH:MM:SS[.fraction]Z", any number of
  // fraction digits (those past nanoseconds are dropped). InvalidArgument for anything else: an
  // offset other than Z, an impossible date, a time outside what EventTime holds (1678-2261).
  static Result<EventTime> ParseRfc3339(std::string_view text);

  int64_t nanos() const { return ns_; }
  // "2026-11-27T05:30:00.123Z" (floored to the millisecond, also before 1970).
  std::string Rfc3339() const;
  // Rfc3339() of a time in microseconds since the epoch (nba's packet time).
  static std::string MicrosRfc3339(int64_t us) { return FromMicros(us).Rfc3339(); }

  friend auto operator<=>(const EventTime&, const EventTime&) = default;

 private:
  explicit EventTime(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// The one severity scale of every record. `event.severity` is 1 (info) to 5 (critical);
// `otguard.severity` spells it.
enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
inline constexpr int kSeverityCount = 5;

const char* SeverityName(Severity severity);  // "info", "low", "medium", "high", "critical"
int SeverityNumber(Severity severity);        // 1 ... 5
// The inverse of SeverityName; InvalidArgument for any other word.
Result<Severity> ParseSeverity(std::string_view name);

// Where a rule comes from: a database's name and version, never a path of the machine that
// ran it (records leave hosts). `version` may be empty when the source has none (a ClamAV
// text database).
struct Ruleset {
  std::string name;
  std::string version;
};

// The name of a rules file without its directory ("/srv/sigs/main.ndb" -> "main.ndb",
// "C:\\rules\\a.yar" -> "a.yar").
std::string RulesetFileName(std::string_view path);

// What a record is: event.kind (`alert`, `event`, `metric`, `state`), the otguard part
// (`scan`, `inventory`, ...) and the dataset (`otguard.scan.summary`).
struct RecordKind {
  std::string_view kind;
  std::string_view module;
  std::string_view dataset;
};

// A new record with the envelope's fields. `host_name` may be empty only for records that are
// about no host (network alerts of a sensor): host.name is then left out.
nlohmann::json StartRecord(const RecordKind& what, EventTime time, std::string_view host_name);

// event.severity (1-5) and otguard.severity ("high").
void SetSeverity(nlohmann::json& record, Severity severity);

// rule.ruleset and rule.version (left out when empty). A name that still holds a directory is
// cut to its file name, so a record never carries the path of the machine it ran on.
void SetRuleset(nlohmann::json& record, const Ruleset& ruleset);

// Writes one record per line. A string that is not valid UTF-8 (a file name on Linux can be
// any bytes) is written with U+FFFD in place of the bad bytes and counted; it never aborts the
// output. Not thread-safe; the FILE is not owned.
class JsonLinesWriter {
 public:
  explicit JsonLinesWriter(std::FILE* out) : out_(out) {}

  // IoError when the stream fails (a closed pipe, a full disk).
  Status Write(const nlohmann::json& record);

  uint64_t written() const { return written_; }
  uint64_t replaced() const { return replaced_; }  // records that needed U+FFFD

 private:
  std::FILE* out_;
  uint64_t written_ = 0;
  uint64_t replaced_ = 0;
};

// One record as one line of JSON (no newline), invalid UTF-8 replaced; *replaced is set when
// something had to be.
std::string JsonLine(const nlohmann::json& record, bool* replaced = nullptr);

// "otguard <command>: <message>" on stderr: the one form of a command's error line.
void PrintCommandError(std::string_view command, std::string_view message);

}  // namespace otguard

#endif  // OTGUARD_BASE_EVENT_H_
