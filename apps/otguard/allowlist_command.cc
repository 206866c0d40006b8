// `otguard allowlist learn|review|approve|diff|replay|compare` (docs/allowlist.md "Commands"):
// parse the arguments, call host/allowlist.h, print.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/allowlist.h"
#include "otguard/host/allowlist_events.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"

namespace otguard::cli {
namespace {

struct AllowlistArgs {
  std::string history;
  std::string policy;
  std::string out;
  std::string host;
  std::string proposal;
  std::string into;
  std::string by;
  std::string a, b;
  std::string allowlist;
  bool json = false;
  std::vector<std::string> hosts;
};

void Print(FILE* out, const std::string& text) { std::fwrite(text.data(), 1, text.size(), out); }

int Fail(std::string_view command, const Status& status) {
  PrintCommandError(command, status.message());
  return 2;
}

void PrintReadReport(const host::HistoryReadReport& r) {
  std::fprintf(stderr, "history: %llu files, %llu lines, %llu bad (%llu torn)\n",
               static_cast<unsigned long long>(r.files), static_cast<unsigned long long>(r.lines),
               static_cast<unsigned long long>(r.bad_lines),
               static_cast<unsigned long long>(r.torn_lines));
  for (const std::string& p : r.problems) Print(stderr, "  " + p + "\n");
}

int RunLearn(const AllowlistArgs& args) {
  host::MergePolicy policy;
  if (!args.policy.empty()) {
    auto text = platform::ReadFileToString(args.policy, 16u << 20);
    if (!text) return Fail("allowlist learn", text.error());
    auto parsed = host::ParseMergePolicy(*text, args.policy);
    if (!parsed) return Fail("allowlist learn", parsed.error());
    policy = *parsed;
  }
  host::HistoryReadReport report;
  auto history = host::ReadHistoryDir(args.history, &report);
  if (!history) return Fail("allowlist learn", history.error());
  PrintReadReport(report);
  host::Proposal proposal = host::Learn(*history, policy);
  proposal.rules.host = args.host.empty() ? platform::HostName() : args.host;
  if (Status s = platform::WriteFileAtomic(args.out, host::FormatProposal(proposal), 0644);
      !s.ok()) {
    return Fail("allowlist learn", s);
  }
  Print(stdout, host::ReviewText(proposal));
  std::printf("\nwrote %s: review it, then `otguard allowlist approve %s --into FILE --by NAME`\n",
              args.out.c_str(), args.out.c_str());
  return 0;
}

int RunReview(const AllowlistArgs& args) {
  auto text = platform::ReadFileToString(args.proposal, 16u << 20);
  if (!text) return Fail("allowlist review", text.error());
  auto proposal = host::ParseProposal(*text, args.proposal);
  if (!proposal) return Fail("allowlist review", proposal.error());
  Print(stdout, host::ReviewText(*proposal));
  return 0;
}

int RunApprove(const AllowlistArgs& args) {
  auto approved = host::ApproveProposalFile(args.proposal, args.into, args.by, EventTime::Now());
  if (!approved) return Fail("allowlist approve", approved.error());
  std::printf("%s: version %llu, %zu process and %zu network rules (%s)\n", args.into.c_str(),
              static_cast<unsigned long long>(approved->version), approved->processes.size(),
              approved->network.size(), approved->changes.back().what.c_str());
  return 0;
}

// Exit 0 when the rules are the same, 1 when they differ (as diff(1)), 2 on errors.
int RunDiff(const AllowlistArgs& args) {
  auto a = host::LoadAllowlistFile(args.a);
  if (!a) return Fail("allowlist diff", a.error());
  auto b = host::LoadAllowlistFile(args.b);
  if (!b) return Fail("allowlist diff", b.error());
  host::AllowlistDiff diff = host::Diff(*a, *b);
  Print(stdout, host::FormatDiff(diff));
  const bool same = diff.processes_added.empty() && diff.processes_removed.empty() &&
                    diff.network_added.empty() && diff.network_removed.empty();
  return same ? 0 : 1;
}

// Exit 0 when the history raises nothing, 1 when it would raise alerts, 2 on errors.
int RunReplay(const AllowlistArgs& args) {
  auto allowlist = host::LoadAllowlistFile(args.allowlist);
  if (!allowlist) return Fail("allowlist replay", allowlist.error());
  auto matcher = host::AllowlistMatcher::Build(*allowlist);
  if (!matcher) return Fail("allowlist replay", matcher.error());
  host::Replayer replayer(*matcher);
  host::HistoryReadReport report;
  Status read = host::ForEachObservation(
      args.history, [&replayer](const host::Observation& o) { replayer.Add(o); }, &report);
  if (!read.ok()) return Fail("allowlist replay", read);
  PrintReadReport(report);
  host::ReplayReport replay = std::move(replayer).Finish();
  JsonLinesWriter out(stdout);
  for (const host::ReplayAlert& alert : replay.alerts) {
    if (args.json) {
      Status s = out.Write(host::AllowlistViolationRecord(alert.observation, alert.verdict,
                                                          allowlist->host, "replay"));
      if (!s.ok()) return Fail("allowlist replay", s);
    } else {
      Print(stdout, alert.verdict.reason + "\n");
    }
  }
  std::fprintf(stderr, "replay: %llu observations, %llu not allowed, %zu distinct alerts\n",
               static_cast<unsigned long long>(replay.observations),
               static_cast<unsigned long long>(replay.alerts_total), replay.alerts.size());
  return replay.alerts_total == 0 ? 0 : 1;
}

// Exit 0 when the hosts agree, 1 when there are outliers, 2 on errors.
int RunCompare(const AllowlistArgs& args) {
  std::vector<std::pair<std::string, host::Allowlist>> hosts;
  for (const std::string& pair : args.hosts) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      PrintCommandError("allowlist compare", "'" + pair + "': expected HOST=FILE");
      return 2;
    }
    auto allowlist = host::LoadAllowlistFile(pair.substr(eq + 1));
    if (!allowlist) return Fail("allowlist compare", allowlist.error());
    hosts.emplace_back(pair.substr(0, eq), std::move(*allowlist));
  }
  std::vector<host::Outlier> outliers = host::CompareHosts(hosts);
  for (const host::Outlier& o : outliers) Print(stdout, o.host + ": " + o.what + "\n");
  return outliers.empty() ? 0 : 1;
}

}  // namespace

void RegisterAllowlistCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AllowlistArgs>();
  CLI::App* allowlist = app.add_subcommand(
      "allowlist", "Process and network allowlists: learn, review, approve, diff, replay, compare");
  allowlist->require_subcommand(1);

  CLI::App* learn = allowlist->add_subcommand(
      "learn", "Propose rules from the agent's observation history (a file to review)");
  learn->add_option("--history", args->history, "History directory (*.jsonl)")->required();
  learn->add_option("--policy", args->policy, "Policy file whose [merge] table limits widening");
  learn->add_option("--out", args->out, "Write the proposal here (TOML)")->required();
  learn->add_option("--host", args->host, "Host or role name (default: this host's name)");
  learn->callback([args, exit_code] { *exit_code = RunLearn(*args); });

  CLI::App* review = allowlist->add_subcommand(
      "review", "Show a proposal's rules, each widening with its evidence, and the transients");
  review->add_option("proposal", args->proposal, "Proposal file")->required();
  review->callback([args, exit_code] { *exit_code = RunReview(*args); });

  CLI::App* approve = allowlist->add_subcommand(
      "approve",
      "Approve a proposal into a versioned allowlist (the previous version is kept "
      "as FILE.v<N>)");
  approve->add_option("proposal", args->proposal, "Proposal file")->required();
  approve->add_option("--into", args->into, "Allowlist file (created or replaced)")->required();
  approve->add_option("--by", args->by, "Who approves (recorded in the file's history)")
      ->required();
  approve->callback([args, exit_code] { *exit_code = RunApprove(*args); });

  CLI::App* diff = allowlist->add_subcommand(
      "diff", "Rules added and removed between two allowlists (exit 0 same, 1 different)");
  diff->add_option("a", args->a, "Older allowlist")->required();
  diff->add_option("b", args->b, "Newer allowlist")->required();
  diff->callback([args, exit_code] { *exit_code = RunDiff(*args); });

  CLI::App* replay = allowlist->add_subcommand(
      "replay", "Which alerts an allowlist would have raised on recorded history (exit 1 if any)");
  replay->add_option("--allowlist", args->allowlist, "Allowlist or proposal file")->required();
  replay->add_option("--history", args->history, "History directory (*.jsonl)")->required();
  replay->add_flag("--json", args->json, "The alerts as event records (docs/event-schema.md)");
  replay->callback([args, exit_code] { *exit_code = RunReplay(*args); });

  CLI::App* compare = allowlist->add_subcommand(
      "compare",
      "Golden image: the outliers among allowlists of hosts of one role (exit 1 if "
      "any)");
  compare->add_option("hosts", args->hosts, "HOST=FILE, two or more")->required()->expected(2, -1);
  compare->callback([args, exit_code] { *exit_code = RunCompare(*args); });
}

}  // namespace otguard::cli
