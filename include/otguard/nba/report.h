// Text for a person about one analysis: the incident told first (what was seen, patient zero,
// the infected hosts in order), then the alerts grouped by rule, and the one-line summaries of
// a run and of a learned baseline. Pure functions of an AnalysisResult: nothing here knows a
// particular capture, and the JSON outputs (alert.h, AnalysisResult::SummaryJson) are apart.
// Thread-safe (no shared state).
#ifndef OTGUARD_NBA_REPORT_H_
#define OTGUARD_NBA_REPORT_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "otguard/nba/alert.h"
#include "otguard/nba/analysis.h"

namespace otguard::nba {

struct TextReportOptions {
  size_t examples_per_rule = 3;  // alert lines shown under each rule, then "… N more"
  size_t hosts_per_line = 4;     // host names listed in one line, then "+N"
  size_t label_columns = 64;     // an activity's label is cut (at a word) beyond this
};

// The story: a headline (how many hosts were attacked, infected, mining; the time span), what
// was seen (one line per kind of activity: attack kinds first, then baseline deviations, each
// in time order), patient zero, the infected hosts in the order they were infected, and the
// hosts attacked without being seen to spread. Built from result.alerts and result.graph.
std::string IncidentSummaryText(const AnalysisResult& result,
                                const TextReportOptions& options = {});

// The alerts grouped by rule, most severe first (then by first time): severity, category,
// rule, count and message, a few example lines (time, source -> destination), "… N more".
std::string AlertGroupsText(const std::vector<Alert>& alerts,
                            const TextReportOptions& options = {});

// `otguard nba analyze` as text: IncidentSummaryText, a blank line, AlertGroupsText.
std::string AnalyzeText(const AnalysisResult& result, const TextReportOptions& options = {});

// "otguard nba: 18486 packets, 177 flows, 69 alerts, ... 0.01 s" (no newline). Without
// `with_alerts` the alert counts are left out: a learn run's alerts are not findings.
std::string RunSummaryLine(const AnalysisResult& result, bool with_alerts = true);

// What a learn run learned, for `otguard nba learn`: "Learned a baseline from N packets ...:
// H hosts, P client-server pairs, S services, T client-server-service triples, O ICS
// operations", and where it was written.
std::string LearnedText(const AnalysisResult& result, const std::filesystem::path& written_to);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_REPORT_H_
