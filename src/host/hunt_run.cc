// The hunt's pipeline and its text (include/otguard/host/hunt_run.h).
#include "otguard/host/hunt_run.h"

#include <cstdio>

#include "otguard/platform/files.h"
#include "otguard/platform/process.h"

namespace otguard::host {
namespace {

// "<file>: <message>", unless the message names the file already (parse errors start with
// "<file>:<line>:<column>:").
std::string AboutFile(const std::string& file, const Status& status) {
  std::string message(status.message());
  return message.starts_with(file + ":") ? message : file + ": " + message;
}

void LoadBundle(const std::string& path, LoadedPacks& out) {
  auto imported = ImportStixFile(path);
  if (!imported) {
    out.errors.push_back(AboutFile(path, imported.error()));
    return;
  }
  for (const auto& u : imported->unsupported) {
    out.notes.push_back(path + ": " + u.stix_id + ": left out: " + u.part + " (" + u.reason + ")");
  }
  // Intelligence that yields nothing to look for would make a clean-looking hunt.
  if (imported->pack.indicators.empty()) {
    out.errors.push_back(path + ": no indicator could be imported (" +
                         std::to_string(imported->indicators_seen) + " STIX indicator objects, " +
                         std::to_string(imported->unsupported.size()) + " parts left out)");
    return;
  }
  out.packs.push_back(std::move(imported->pack));
}

}  // namespace

LoadedPacks LoadPacks(const PackSources& sources) {
  LoadedPacks out;
  if (sources.builtin) out.packs = BuiltinPacks();
  for (const std::string& path : sources.files) {
    auto pack = LoadPackFile(path);
    if (pack && pack->indicators.empty()) {
      out.errors.push_back(path + ": the pack has no indicators");
    } else if (pack) {
      out.packs.push_back(std::move(*pack));
    } else {
      out.errors.push_back(AboutFile(path, pack.error()));
    }
  }
  for (const std::string& path : sources.stix) LoadBundle(path, out);
  return out;
}

Result<HuntRun> Hunt(std::vector<Pack> packs, const HuntRequest& request) {
  if (packs.empty()) {
    return Unexpected(InvalidArgument("no packs (--no-builtin without --pack or --stix)"));
  }
  double start = platform::MonotonicSeconds();
  HuntOptions options;
  options.root = request.root.config();
  options.extra_paths = request.extra_paths;
  OTGUARD_ASSIGN_OR_RETURN(HuntSnapshot snapshot, CollectHuntSnapshot(packs, options));
  HuntRun run;
  run.packs = std::move(packs);
  run.findings = MatchIndicators(run.packs, snapshot);
  run.plan = PlanRemediation(run.findings, run.packs, snapshot);
  run.summary.host_name = snapshot.inventory.host_name;
  run.summary.time = snapshot.inventory.taken_at;
  for (const Pack& p : run.packs) run.summary.packs.push_back(&p);
  run.summary.incomplete = std::move(snapshot.incomplete);
  run.summary.seconds = platform::MonotonicSeconds() - start;
  return run;
}

int HuntExitCode(const HuntRun& run) {
  if (!run.findings.empty()) return 1;
  return run.summary.incomplete.empty() ? 0 : 2;
}

std::string FindingsText(const HuntRun& run) {
  std::string text = "otguard hunt on " + run.summary.host_name + ":";
  for (const Pack* p : run.summary.packs) {
    text += " " + p->id + " " + p->version + " (" + std::to_string(p->indicators.size()) +
            " indicators)";
  }
  text += "\n";
  if (run.findings.empty()) return text + "\nNo findings.\n";
  text += "\nfindings (" + std::to_string(run.findings.size()) + ")\n";
  for (const Finding& f : run.findings) {
    std::string technique = f.indicator.technique.empty()
                                ? ""
                                : ", " + f.indicator.technique + " " +
                                      std::string(IcsTechniqueName(f.indicator.technique));
    char severity[16];
    std::snprintf(severity, sizeof severity, "%-8s", SeverityName(f.indicator.severity));
    text += std::string("  ") + severity + " " + f.object + "\n           " + f.indicator.title +
            " [" + f.pack_id + "/" + f.indicator.id + technique + "]\n";
    for (const std::string& e : f.evidence) text += "           - " + e + "\n";
  }
  return text;
}

std::vector<nlohmann::json> HuntRecords(const HuntRun& run) {
  std::vector<nlohmann::json> records;
  for (const Finding& f : run.findings) records.push_back(FindingRecord(f, run.summary));
  for (const PlanStep& s : run.plan.steps) records.push_back(StepRecord(s, run.summary));
  records.push_back(SummaryRecord(run.findings, run.plan, run.summary));
  return records;
}

}  // namespace otguard::host
