// otguard nba analyze|stats|learn|graph: network behaviour analysis of capture files and live
// interfaces. Thin: parse arguments, call otguard::nba, print.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/wire.h"
#include "otguard/nba/report.h"
#include "otguard/nba/run.h"
#include "otguard/platform/files.h"
#include "otguard/platform/interrupt.h"

namespace otguard::cli {
namespace {

struct NbaArgs {
  std::vector<std::string> inputs;
  std::string iface, filter, data_dir;
  int threads = 1;
  int duration = 0;
  bool json = false;
  std::string eve, summary_json, baseline, out, graph_json, graph_dot, assets;
  size_t max_flows = 2'000'000;
  size_t fanout_hosts = 4;
  double fanout_seconds = 10;
  size_t scan_hosts = 5;
  host::PackSources packs;  // analyze: IOC packs and STIX bundles to match traffic against
  bool no_builtin_iocs = false;
};

void Fail(const char* cmd, const std::string& msg) {
  PrintCommandError(std::string("nba ") + cmd, msg);
}

bool WriteOut(const char* cmd, const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return true;
  }
  Status s = platform::WriteFileAtomic(path, text, 0644);
  if (!s.ok()) Fail(cmd, s.ToString());
  return s.ok();
}

// Runs the analysis over the files or the interface. nullopt after printing the error.
std::optional<nba::AnalysisResult> Run(const char* cmd, const NbaArgs& a,
                                       nba::AnalysisOptions options,
                                       std::vector<nba::WatchedIndicator> watch = {}) {
  nba::RunRequest request;
  request.watch = std::move(watch);
  request.captures.assign(a.inputs.begin(), a.inputs.end());
  request.filter = a.filter;
  request.data_dir = a.data_dir;
  request.baseline = a.baseline;
  request.assets = a.assets;
  options.engine.max_flows = a.max_flows;
  options.detection.fanout_hosts = a.fanout_hosts;
  options.detection.fanout_window =
      static_cast<nba::Micros>(a.fanout_seconds * nba::kMicrosPerSecond);
  options.detection.scan_hosts = a.scan_hosts;
  options.threads = std::max(1, a.threads);
  if (!a.iface.empty()) {
    options.threads = 1;
    static StopSignal stop;  // Ctrl+C ends the capture; the report is still written
    if (Status s = platform::StopOnInterrupt(stop); !s.ok()) {
      Fail(cmd, s.ToString());
      return std::nullopt;
    }
    nba::LiveOptions live{.interface = a.iface, .filter = a.filter};
    live.stop = &stop;
    live.max_seconds = a.duration;
    request.open = [live]() -> Result<std::unique_ptr<nba::PacketSource>> {
      auto source = nba::OpenLiveCapture(live);
      if (source) {
        std::fprintf(stderr, "otguard nba: capturing on %s%s%s\n", live.interface.c_str(),
                     live.filter.empty() ? "" : " with filter ", live.filter.c_str());
      }
      return source;
    };
  }
  request.options = std::move(options);
  auto result = nba::RunAnalysis(std::move(request));
  if (!result) {
    Fail(cmd, result.error().ToString());
    return std::nullopt;
  }
  for (const std::string& e : result->capture.errors) Fail(cmd, "warning: " + e);
  if (!a.summary_json.empty() &&
      !WriteOut(cmd, a.summary_json, result->SummaryJson().dump(1) + "\n")) {
    return std::nullopt;
  }
  return std::move(*result);
}

// The run's counters on stderr, after what was printed (also when both are one terminal).
void PrintSummary(const nba::AnalysisResult& r, bool with_alerts = true) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", nba::RunSummaryLine(r, with_alerts).c_str());
}

void Print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int Analyze(const NbaArgs& a) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> eve_file(nullptr, &std::fclose);
  if (!a.eve.empty() && a.eve != "-") {
    eve_file.reset(std::fopen(a.eve.c_str(), "wb"));
    if (!eve_file) {
      Fail("analyze", a.eve + ": cannot write");
      return 2;
    }
  }
  JsonLinesWriter out(stdout);
  std::optional<JsonLinesWriter> eve;
  if (eve_file) eve.emplace(eve_file.get());
  Status write_status;  // the first write error, reported once at the end
  // Text offline is the story and the grouped alerts, printed at the end; JSON, EVE and a live
  // capture's text print each alert as it comes.
  bool live = !a.iface.empty();
  bool json = a.json || a.eve == "-";
  auto print = [&](const nba::Alert& alert) {
    Status s;
    if (a.eve == "-") {
      s = out.Write(nba::AlertToEve(alert));
    } else if (a.json) {
      s = out.Write(nba::AlertToEcs(alert));
    } else if (live) {
      Print(nba::AlertToText(alert) + "\n");
    }
    if (s.ok() && eve) s = eve->Write(nba::AlertToEve(alert));
    if (!s.ok() && write_status.ok()) write_status = s;
  };
  host::PackSources packs = a.packs;
  packs.builtin = !a.no_builtin_iocs;
  host::WireWatch watch = host::LoadWireWatch(packs);
  for (const std::string& note : watch.notes) Fail("analyze", note);
  for (const std::string& error : watch.errors) Fail("analyze", error);
  if (!watch.errors.empty()) return 2;
  nba::AnalysisOptions options;
  if (live) {
    options.on_alert = [&](const nba::Alert& alert) {
      print(alert);
      std::fflush(stdout);
    };
  }
  auto result = Run("analyze", a, options, std::move(watch.indicators));
  if (!result) return 2;
  if (!live) {
    for (const auto& alert : result->alerts) print(alert);
  }
  if (!json) Print(live ? "\n" + nba::IncidentSummaryText(*result) : nba::AnalyzeText(*result));
  PrintSummary(*result);
  if (!write_status.ok()) {
    Fail("analyze", write_status.ToString());
    return 2;
  }
  return result->alerts.empty() ? 0 : 1;
}

int Stats(const NbaArgs& a) {
  auto result = Run("stats", a, {});
  if (!result) return 2;
  Print(a.json ? result->stats.ToJson().dump(1) + "\n" : result->stats.ToText());
  PrintSummary(*result);
  return 0;
}

int Learn(const NbaArgs& a) {
  nba::AnalysisOptions options;
  options.learn = true;
  auto result = Run("learn", a, options);
  if (!result) return 2;
  Status s = result->learned.Save(a.out);
  if (!s.ok()) {
    Fail("learn", s.ToString());
    return 2;
  }
  Print(nba::LearnedText(*result, a.out));
  PrintSummary(*result, /*with_alerts=*/false);
  return 0;
}

int Graph(const NbaArgs& a) {
  auto result = Run("graph", a, {});
  if (!result) return 2;
  if (!a.graph_json.empty() &&
      !WriteOut("graph", a.graph_json, result->graph.ToJson().dump(1) + "\n")) {
    return 2;
  }
  if (!a.graph_dot.empty() && !WriteOut("graph", a.graph_dot, result->graph.ToDot())) return 2;
  if (a.graph_json.empty() && a.graph_dot.empty()) Print(result->graph.ToText());
  return 0;
}

void AddInputOptions(CLI::App* cmd, NbaArgs& a) {
  cmd->add_option("captures", a.inputs, "pcap or pcapng files (merged in time order)");
  cmd->add_option("--iface", a.iface, "capture live from this interface (needs CAP_NET_RAW)");
  cmd->add_option("--filter", a.filter, "BPF filter expression");
  cmd->add_option("--duration", a.duration, "live: stop after this many seconds (0: Ctrl-C)");
  cmd->add_option("--threads", a.threads, "engine threads for files")->capture_default_str();
  cmd->add_option("--data-dir", a.data_dir, "otguard data directory (default: bundled data)");
  cmd->add_option("--max-flows", a.max_flows,
                  "flow table size; the oldest flow is evicted "
                  "beyond it")
      ->capture_default_str();
  cmd->add_option("--summary-json", a.summary_json, "write counters and anomalies as JSON");
  cmd->add_option("--assets", a.assets,
                  "host names and roles: JSON {\"hosts\": [{\"ip\", \"name\", \"role\"}]}");
}

}  // namespace

void RegisterNbaCommands(CLI::App& app, int* exit_code) {
  auto* nba = app.add_subcommand("nba", "network behaviour analysis of captures and interfaces");
  nba->require_subcommand(1);
  auto args = std::make_shared<NbaArgs>();

  auto* analyze = nba->add_subcommand("analyze",
                                      "alerts: exploits, lateral movement, scans, "
                                      "downloads, mining, ICS writes, baseline changes");
  AddInputOptions(analyze, *args);
  analyze->add_option("--baseline", args->baseline, "alert on what this baseline lacks");
  analyze->add_flag("--json", args->json, "alerts as JSON lines (otguard event schema)");
  analyze->add_option("--eve", args->eve, "also write Suricata EVE JSON alerts here (- stdout)");
  analyze->add_option("--fanout-hosts", args->fanout_hosts, "SMB fan-out: distinct servers")
      ->capture_default_str();
  analyze->add_option("--fanout-window", args->fanout_seconds, "SMB fan-out: window, seconds")
      ->capture_default_str();
  analyze->add_option("--scan-hosts", args->scan_hosts, "scan: distinct unanswered hosts")
      ->capture_default_str();
  analyze
      ->add_option("--pack", args->packs.files,
                   "also alert on this IOC pack's URLs, domains, addresses and ports "
                   "(docs/ioc-packs.md); repeatable")
      ->allow_extra_args(false);
  analyze
      ->add_option("--stix", args->packs.stix,
                   "also alert on this STIX bundle's indicators; repeatable")
      ->allow_extra_args(false);
  analyze->add_flag("--no-builtin-iocs", args->no_builtin_iocs,
                    "without the built-in IOC packs (MsraMiner)");
  analyze->callback([args, exit_code] { *exit_code = Analyze(*args); });

  auto* stats = nba->add_subcommand("stats", "per-host and per-service session statistics");
  AddInputOptions(stats, *args);
  stats->add_flag("--json", args->json, "JSON instead of tables");
  stats->callback([args, exit_code] { *exit_code = Stats(*args); });

  auto* learn = nba->add_subcommand("learn", "learn a baseline from normal traffic");
  AddInputOptions(learn, *args);
  learn->add_option("--out", args->out, "baseline file to write")->required();
  learn->callback([args, exit_code] { *exit_code = Learn(*args); });

  auto* graph = nba->add_subcommand("graph", "propagation graph with patient-zero candidates");
  AddInputOptions(graph, *args);
  graph->add_option("--json", args->graph_json, "write the graph as JSON (- stdout)");
  graph->add_option("--dot", args->graph_dot, "write the graph as Graphviz DOT (- stdout)");
  graph->callback([args, exit_code] { *exit_code = Graph(*args); });
}

}  // namespace otguard::cli
