// The scan's events in otguard's JSON event schema (ECS field names, docs/event-schema.md):
// one detection event per Detection, one error event per FileProblem, a final summary. Every
// record goes through the envelope of otguard/base/event.h.
#ifndef OTGUARD_SRC_SCAN_EVENTS_H_
#define OTGUARD_SRC_SCAN_EVENTS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "otguard/base/event.h"
#include "otguard/scan/scanner.h"

namespace otguard::scan {

// A malware detection is high; a test signature (EICAR, ClamAV's "*.Test.*" names), which
// someone planted to see that scanning works, is low.
Severity DetectionSeverity(const Detection& detection);

// The database a detection came from, by file name ("main.ndb", "rules.yar", "builtin" with
// otguard's version), never its directory on the scanning host.
Ruleset DetectionRuleset(const Detection& detection);

// The signature's place in its database ("main.ndb:3"), without the directory; "" for YARA
// rules, which have their rule name.
std::string DetectionRuleId(const Detection& detection);

nlohmann::json DetectionEvent(const FileVerdict& verdict, const Detection& detection,
                              const std::string& host, EventTime time);
nlohmann::json ProblemEvent(const FileProblem& problem, const std::string& host, EventTime time);
// At summary.finished.
nlohmann::json SummaryEvent(const ScanSummary& summary, const std::string& host);

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_EVENTS_H_
