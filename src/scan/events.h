// The scan's events in otguard's JSON event schema (ECS field names, docs/event-schema.md):
// one detection event per Detection, one error event per FileProblem, a final summary.
#ifndef OTGUARD_SRC_SCAN_EVENTS_H_
#define OTGUARD_SRC_SCAN_EVENTS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "otguard/scan/scanner.h"

namespace otguard::scan {

constexpr int kEventSchemaVersion = 1;

nlohmann::json DetectionEvent(const FileVerdict& verdict, const Detection& detection,
                              const std::string& host, const std::string& timestamp);
nlohmann::json ProblemEvent(const FileProblem& problem, const std::string& timestamp);
nlohmann::json SummaryEvent(const ScanSummary& summary, const std::string& timestamp);

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_EVENTS_H_
