// `otguard hunt [--pack P]... [--stix B]... [--json] [--plan text|json|script]`: this host
// against IOC packs, with a remediation plan (include/otguard/host/hunt_run.h). Reads only.
// Exit codes: 0 clean, 1 findings, 2 errors (a pack or bundle that does not load, bad options,
// or a clean result from a hunt that could not look everywhere).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/hunt_run.h"
#include "otguard/platform/process.h"

namespace otguard::cli {
namespace {

struct HuntArgs {
  host::PackSources packs;
  bool no_builtin = false;
  bool json = false;
  std::string plan;
  std::string root;
  std::vector<std::string> paths;
};

void Write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int HuntFail(const std::string& message) {
  PrintCommandError("hunt", message);
  return 2;
}

// Prints the hunt as asked; false when the output could not be written.
Status Print(const HuntArgs& args, const host::HuntRun& run) {
  if (args.plan == "json") {
    Write(host::PlanJson(run.plan));
  } else if (args.plan == "script") {
    Write(host::PlanScript(run.plan));
  } else if (args.plan == "text") {
    Write(host::PlanText(run.plan));
  } else if (args.json) {
    JsonLinesWriter out(stdout);
    for (const nlohmann::json& record : host::HuntRecords(run)) {
      OTGUARD_RETURN_IF_ERROR(out.Write(record));
    }
  } else {
    Write(host::FindingsText(run));
    if (!run.findings.empty()) Write("\n" + host::PlanText(run.plan));
  }
  return Status();
}

int RunHunt(HuntArgs args) {
  if (!args.plan.empty() && args.plan != "text" && args.plan != "json" && args.plan != "script") {
    return HuntFail("--plan must be text, json or script");
  }
  auto root = host::HostRoot::Open(args.root);
  if (!root) return HuntFail(std::string(root.error().message()));
  (void)platform::LowerPriority();
  args.packs.builtin = !args.no_builtin;
  host::LoadedPacks loaded = host::LoadPacks(args.packs);
  for (const std::string& error : loaded.errors) PrintCommandError("hunt", error);
  for (const std::string& note : loaded.notes) PrintCommandError("hunt", note);
  if (!loaded.errors.empty()) return 2;
  auto run = host::Hunt(std::move(loaded.packs), {*root, args.paths});
  if (!run) return HuntFail(run.error().ToString());
  if (Status s = Print(args, *run); !s.ok()) return HuntFail(s.ToString());
  for (const std::string& gap : run->summary.incomplete) {
    PrintCommandError("hunt", "not looked at: " + gap);
  }
  if (!args.plan.empty() || args.json) {
    PrintCommandError("hunt", std::to_string(run->findings.size()) + " findings, " +
                                  std::to_string(run->plan.steps.size()) + " plan steps");
  }
  return host::HuntExitCode(*run);
}

}  // namespace

void RegisterHuntCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<HuntArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hunt", "Match this host against IOC packs and plan the clean-up (changes nothing)");
  cmd->add_option("--pack", args->packs.files, "An IOC pack file (docs/ioc-packs.md); repeatable");
  cmd->add_option("--stix", args->packs.stix, "A STIX 2.1 bundle to hunt for; repeatable");
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
