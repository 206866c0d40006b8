// `otguard hunt [--pack P]... [--stix B]... [--json] [--plan text|json|script]`: this host
// against IOC packs, with a remediation plan (src/host/hunt_*.cc). Reads only.
// Exit codes: 0 clean, 1 findings, 2 errors (a pack or bundle that does not load, bad options,
// or a clean result from a hunt that could not look everywhere).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/time_format.h"
#include "otguard/host/hunt.h"
#include "otguard/host/hunt_events.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"

namespace otguard::cli {
namespace {

struct HuntArgs {
  std::vector<std::string> packs;
  std::vector<std::string> stix;
  bool no_builtin = false;
  bool json = false;
  std::string plan;
  std::string root;
  std::vector<std::string> paths;
};

void PrintLine(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

void Write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Loads the packs: built-in, files, STIX bundles. Problems are printed; false when one failed.
bool LoadPacks(const HuntArgs& args, std::vector<host::Pack>& packs) {
  bool ok = true;
  if (!args.no_builtin) packs = host::BuiltinPacks();
  for (const std::string& path : args.packs) {
    auto pack = host::LoadPackFile(path);
    if (!pack) {
      std::fprintf(stderr, "otguard hunt: %s\n", pack.error().ToString().c_str());
      ok = false;
      continue;
    }
    packs.push_back(std::move(*pack));
  }
  for (const std::string& path : args.stix) {
    auto text = platform::ReadFileToString(path, uint64_t{64} << 20);
    if (!text) {
      std::fprintf(stderr, "otguard hunt: %s: %s\n", path.c_str(), text.error().ToString().c_str());
      ok = false;
      continue;
    }
    auto imported = host::ImportStixBundle(*text, path);
    if (!imported) {
      std::fprintf(stderr, "otguard hunt: %s\n", imported.error().ToString().c_str());
      ok = false;
      continue;
    }
    for (const auto& u : imported->unsupported) {
      std::fprintf(stderr, "otguard hunt: %s: %s: left out: %s (%s)\n", path.c_str(),
                   u.stix_id.c_str(), u.part.c_str(), u.reason.c_str());
    }
    packs.push_back(std::move(imported->pack));
  }
  return ok;
}

void PrintFindings(const std::vector<host::Finding>& findings, const host::HuntSummary& summary) {
  std::printf("otguard hunt on %s:", summary.host_name.c_str());
  for (const host::Pack* p : summary.packs) {
    std::printf(" %s %s (%zu indicators)", p->id.c_str(), p->version.c_str(), p->indicators.size());
  }
  std::printf("\n");
  if (findings.empty()) {
    std::printf("\nNo findings.\n");
    return;
  }
  std::printf("\nfindings (%zu)\n", findings.size());
  for (const host::Finding& f : findings) {
    std::string technique = f.indicator.technique.empty()
                                ? ""
                                : ", " + f.indicator.technique + " " +
                                      std::string(host::IcsTechniqueName(f.indicator.technique));
    std::printf("  %-8s %s\n           %s [%s/%s%s]\n", SeverityName(f.indicator.severity),
                f.object.c_str(), f.indicator.title.c_str(), f.pack_id.c_str(),
                f.indicator.id.c_str(), technique.c_str());
    for (const std::string& e : f.evidence) std::printf("           - %s\n", e.c_str());
  }
}

int RunHunt(const HuntArgs& args) {
  if (!args.plan.empty() && args.plan != "text" && args.plan != "json" && args.plan != "script") {
    std::fprintf(stderr, "otguard hunt: --plan must be text, json or script\n");
    return 2;
  }
  (void)platform::LowerPriority();
  double start = platform::MonotonicSeconds();
  std::vector<host::Pack> packs;
  if (!LoadPacks(args, packs)) return 2;
  if (packs.empty()) {
    std::fprintf(stderr, "otguard hunt: no packs (--no-builtin without --pack or --stix)\n");
    return 2;
  }
  host::HuntOptions options;
  options.root.root = args.root;
  options.extra_paths = args.paths;
  auto snapshot = host::CollectHuntSnapshot(packs, options);
  if (!snapshot) {
    std::fprintf(stderr, "otguard hunt: %s\n", snapshot.error().ToString().c_str());
    return 2;
  }
  std::vector<host::Finding> findings = host::MatchIndicators(packs, *snapshot);
  host::Plan plan = host::PlanRemediation(findings, packs, *snapshot);

  host::HuntSummary summary;
  summary.host_name = snapshot->inventory.host_name;
  summary.time = EventTime::FromNanos(snapshot->inventory.taken_at_ns);
  for (const host::Pack& p : packs) summary.packs.push_back(&p);
  summary.incomplete = snapshot->incomplete;
  summary.seconds = platform::MonotonicSeconds() - start;

  if (args.plan == "json") {
    Write(host::PlanJson(plan));
  } else if (args.plan == "script") {
    Write(host::PlanScript(plan));
  } else if (args.plan == "text") {
    Write(host::PlanText(plan));
  } else if (args.json) {
    for (const host::Finding& f : findings) PrintLine(host::FindingRecord(f, summary));
    for (const host::PlanStep& s : plan.steps) PrintLine(host::StepRecord(s, summary));
    PrintLine(host::SummaryRecord(findings, plan, summary));
  } else {
    PrintFindings(findings, summary);
    if (!findings.empty()) Write("\n" + host::PlanText(plan));
  }
  for (const std::string& gap : snapshot->incomplete) {
    std::fprintf(stderr, "otguard hunt: not looked at: %s\n", gap.c_str());
  }
  if (!args.plan.empty() || args.json) {
    std::fprintf(stderr, "otguard hunt: %zu findings, %zu plan steps\n", findings.size(),
                 plan.steps.size());
  }
  if (!findings.empty()) return 1;
  return snapshot->incomplete.empty() ? 0 : 2;
}

}  // namespace

void RegisterHuntCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<HuntArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hunt", "Match this host against IOC packs and plan the clean-up (changes nothing)");
  cmd->add_option("--pack", args->packs, "An IOC pack file (docs/ioc-packs.md); repeatable");
  cmd->add_option("--stix", args->stix, "A STIX 2.1 bundle to hunt for; repeatable");
  cmd->add_flag("--no-builtin", args->no_builtin, "Without the built-in packs (MsraMiner)");
  cmd->add_flag("--json", args->json,
                "Findings, plan steps and a summary as JSON records (docs/event-schema.md)");
  cmd->add_option("--plan", args->plan,
                  "Print only the remediation plan: text, json, or script (a .cmd batch file on "
                  "Windows, sh on Linux, asking before each step)");
  cmd->add_option("--root", args->root,
                  "Read files under this root (a mounted disk image); processes stay live");
  cmd->add_option("--path", args->paths,
                  "Also hash and YARA-check these files or folders; repeatable");
  cmd->callback([args, exit_code] { *exit_code = RunHunt(*args); });
}

}  // namespace otguard::cli
