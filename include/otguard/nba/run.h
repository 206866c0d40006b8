// One `otguard nba` run from what a person names on the command line: the capture files (or a
// packet source such as a live capture), the data directory, the baseline and the asset names.
// Loads what is named, runs Analyze() (analysis.h) and returns its result.
#ifndef OTGUARD_NBA_RUN_H_
#define OTGUARD_NBA_RUN_H_

#include <filesystem>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/nba/analysis.h"
#include "otguard/nba/watchlist.h"

namespace otguard::nba {

struct RunRequest {
  std::vector<std::filesystem::path> captures;  // pcap/pcapng files, merged in time order
  std::string filter;                           // BPF expression for the captures (optional)
  // Another packet source (a live capture); used instead of `captures`, which must be empty.
  SourceFactory open;
  // An otguard data directory; its nba/ folder holds the intel files. Empty: the bundled data
  // (Intel::DefaultDir()).
  std::filesystem::path data_dir;
  std::filesystem::path baseline;  // alert on what this baseline lacks (empty: no baseline)
  std::filesystem::path assets;    // host names and roles (empty: addresses only)
  // IOC indicators to alert on (rule "ioc.<pack>.<indicator>"): host::WireIndicators makes
  // them from IOC packs. Empty: none.
  std::vector<WatchedIndicator> watch;
  // Thresholds, threads, learn, on_alert. Its baseline and assets pointers are set here from
  // the files above; the loaded objects live for the call only (results hold copies).
  AnalysisOptions options;
};

// Errors: kInvalidArgument when both or neither of `captures` and `open` are given; otherwise
// what loading the intel data, the baseline or the asset names, indexing `watch`
// (Watchlist::Build), or opening the input returns.
// Damaged packets are counted in the result, not errors (result.capture.errors holds warnings).
Result<AnalysisResult> RunAnalysis(RunRequest request);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_RUN_H_
