// Test support: run the engine over a capture and keep everything it reported.
#ifndef OTGUARD_SRC_NBA_TESTING_REPLAY_H_
#define OTGUARD_SRC_NBA_TESTING_REPLAY_H_

#include <filesystem>
#include <string>
#include <vector>

#include "otguard/nba/capture.h"
#include "otguard/nba/engine.h"
#include "otguard/nba/intel.h"

namespace otguard::nba::testing {

struct RecordedFinding {
  FlowInfo flow;  // app_protocol points to a static string, so the copy stays valid
  Finding finding;
  uint64_t packet_index = 0;
  Micros ts = 0;
};

struct Replay {
  std::vector<RecordedFinding> findings;
  std::vector<FlowInfo> flows;  // as they ended
  EngineCounters counters;
  CaptureCounters capture;

  std::vector<RecordedFinding> WithRule(const std::string& rule_prefix) const;
  std::vector<RecordedFinding> Alerts() const;  // kind == kAlert
};

// The real capture `name` from the repository's tests/data/pcaps.
std::filesystem::path Pcap(const std::string& name);
// data/nba of the source tree (fails the test if it does not load).
const Intel& BundledIntel();

// Replays `files` through one engine. Fails the calling test (ADD_FAILURE) on an open error.
Replay ReplayFiles(const std::vector<std::filesystem::path>& files, EngineOptions options = {},
                   const Intel* intel = nullptr);

}  // namespace otguard::nba::testing

#endif  // OTGUARD_SRC_NBA_TESTING_REPLAY_H_
