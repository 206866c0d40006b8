// `otguard hunt` as one library call: load the packs (built-in, files, STIX bundles), collect
// the snapshot, match, plan, and summarise; plus the ways a hunt is shown (text, records). The
// CLI parses options, calls these and prints.
//
// Thread-safety: the functions are thread-safe; the structs are plain values.
#ifndef OTGUARD_HOST_HUNT_RUN_H_
#define OTGUARD_HOST_HUNT_RUN_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/status.h"
#include "otguard/host/host_root.h"
#include "otguard/host/hunt.h"
#include "otguard/host/hunt_events.h"
#include "otguard/host/ioc.h"

namespace otguard::host {

// Where indicators come from.
struct PackSources {
  bool builtin = true;             // the packs compiled into otguard (data/ioc)
  std::vector<std::string> files;  // IOC pack files (TOML)
  std::vector<std::string> stix;   // STIX 2.1 bundles
};

struct LoadedPacks {
  std::vector<Pack> packs;          // built-in first, then files, then bundles, as given
  std::vector<std::string> errors;  // one line per source that did not load ("<file>: ...")
  // What a bundle held that a pack cannot express: "<bundle>: <stix id>: left out: ... (...)".
  std::vector<std::string> notes;
};

// Loads every source; a source that fails is an error line, the others still load. A pack or
// bundle that yields no indicator is an error too: hunting with nothing to look for is not a
// clean host.
LoadedPacks LoadPacks(const PackSources& sources);

struct HuntRequest {
  HostRoot root;                         // HuntOptions::root: files under it, processes live
  std::vector<std::string> extra_paths;  // --path
};

// A finished hunt. `summary.packs` points into `packs`: a HuntRun moves, it never copies.
struct HuntRun {
  HuntRun() = default;
  HuntRun(HuntRun&&) = default;
  HuntRun& operator=(HuntRun&&) = default;
  HuntRun(const HuntRun&) = delete;
  HuntRun& operator=(const HuntRun&) = delete;

  std::vector<Pack> packs;
  std::vector<Finding> findings;
  Plan plan;
  HuntSummary summary;  // host, time, packs, the places not looked at, seconds
};

// Collects, matches and plans. InvalidArgument without packs; the collection's errors
// otherwise (a failed collector is a gap in summary.incomplete, not an error).
Result<HuntRun> Hunt(std::vector<Pack> packs, const HuntRequest& request);

// 0 clean, 1 findings, 2 a clean result from a hunt that could not look everywhere.
int HuntExitCode(const HuntRun& run);

// For a person: the packs, then each finding with its evidence (the plan is PlanText()).
std::string FindingsText(const HuntRun& run);

// Findings, plan steps and the summary, in that order (docs/event-schema.md, "Hunt").
std::vector<nlohmann::json> HuntRecords(const HuntRun& run);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_HUNT_RUN_H_
