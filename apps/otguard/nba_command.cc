// otguard nba analyze|stats|learn|graph: network behaviour analysis of capture files and live
// interfaces. Thin: parse arguments, call otguard::nba, print.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/nba/analysis.h"
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
};

void Fail(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "otguard nba %s: %s\n", cmd, msg.c_str());
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
                                       nba::AnalysisOptions options) {
  if (a.inputs.empty() == a.iface.empty()) {
    Fail(cmd, "give capture files or --iface (one of them)");
    return std::nullopt;
  }
  std::filesystem::path data =
      a.data_dir.empty() ? nba::Intel::DefaultDir() : std::filesystem::path(a.data_dir) / "nba";
  auto intel = nba::Intel::Load(data);
  if (!intel) {
    Fail(cmd, intel.error().ToString());
    return std::nullopt;
  }
  std::optional<nba::AssetNames> assets;
  if (!a.assets.empty()) {
    auto loaded = nba::AssetNames::Load(a.assets);
    if (!loaded) {
      Fail(cmd, loaded.error().ToString());
      return std::nullopt;
    }
    assets = std::move(*loaded);
    options.assets = &*assets;
  }
  options.engine.max_flows = a.max_flows;
  options.detection.fanout_hosts = a.fanout_hosts;
  options.detection.fanout_window =
      static_cast<nba::Micros>(a.fanout_seconds * nba::kMicrosPerSecond);
  options.detection.scan_hosts = a.scan_hosts;
  nba::SourceFactory open;
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
    open = [live]() -> Result<std::unique_ptr<nba::PacketSource>> {
      auto source = nba::OpenLiveCapture(live);
      if (source) {
        std::fprintf(stderr, "otguard nba: capturing on %s%s%s\n", live.interface.c_str(),
                     live.filter.empty() ? "" : " with filter ", live.filter.c_str());
      }
      return source;
    };
  } else {
    options.threads = std::max(1, a.threads);
    std::vector<std::filesystem::path> files(a.inputs.begin(), a.inputs.end());
    std::string filter = a.filter;
    open = [files, filter] { return nba::OpenCaptureFiles(files, filter); };
  }
  auto result = nba::Analyze(open, options, *intel);
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

void PrintSummary(const nba::AnalysisResult& r) {
  std::fflush(stdout);  // the summary follows what was printed, also when both are one terminal
  uint64_t anomalies = 0;
  for (size_t i = 0; i < r.counters.anomalies.size(); ++i) {
    // Non-IP frames (ARP, STP, LLDP) are normal; they are counted in the JSON summary only.
    if (static_cast<nba::Anomaly>(i) != nba::Anomaly::kNotIp) anomalies += r.counters.anomalies[i];
  }
  std::fprintf(stderr,
               "otguard nba: %llu packets, %llu flows, %zu alerts, %llu suppressed by the "
               "baseline, %llu packet anomalies, %.2f s\n",
               static_cast<unsigned long long>(r.counters.packets),
               static_cast<unsigned long long>(r.counters.flows), r.alerts.size(),
               static_cast<unsigned long long>(r.suppressed_by_baseline),
               static_cast<unsigned long long>(anomalies), r.seconds);
}

std::string JsonLine(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int Analyze(const NbaArgs& a) {
  nba::AnalysisOptions options;
  std::optional<nba::Baseline> baseline;
  if (!a.baseline.empty()) {
    auto b = nba::Baseline::Load(a.baseline);
    if (!b) {
      Fail("analyze", b.error().ToString());
      return 2;
    }
    baseline = std::move(*b);
    options.baseline = &*baseline;
  }
  std::unique_ptr<std::ofstream> eve;
  if (!a.eve.empty() && a.eve != "-") {
    eve = std::make_unique<std::ofstream>(a.eve, std::ios::trunc);
    if (!*eve) {
      Fail("analyze", a.eve + ": cannot write");
      return 2;
    }
  }
  auto print = [&](const nba::Alert& alert) {
    std::string line = a.json ? JsonLine(nba::AlertToEcs(alert)) : nba::AlertToText(alert) + "\n";
    if (a.eve == "-") line = JsonLine(nba::AlertToEve(alert));
    std::fwrite(line.data(), 1, line.size(), stdout);
    if (eve) *eve << JsonLine(nba::AlertToEve(alert));
  };
  bool live = !a.iface.empty();
  if (live) {
    options.on_alert = [&](const nba::Alert& alert) {
      print(alert);
      std::fflush(stdout);
    };
  }
  auto result = Run("analyze", a, options);
  if (!result) return 2;
  if (!live) {
    for (const auto& alert : result->alerts) print(alert);
  }
  if (!a.json && a.eve != "-") {
    std::string story = "\n" + result->graph.ToText();
    std::fwrite(story.data(), 1, story.size(), stdout);
  }
  PrintSummary(*result);
  return result->alerts.empty() ? 0 : 1;
}

int Stats(const NbaArgs& a) {
  auto result = Run("stats", a, {});
  if (!result) return 2;
  std::string out = a.json ? result->stats.ToJson().dump(1) + "\n" : result->stats.ToText();
  std::fwrite(out.data(), 1, out.size(), stdout);
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
  std::printf("%s: %zu client-server-service triples, %zu services, %zu ICS operations\n",
              a.out.c_str(), result->learned.talk_count(), result->learned.service_count(),
              result->learned.operation_count());
  PrintSummary(*result);
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
  if (a.graph_json.empty() && a.graph_dot.empty()) {
    std::string text = result->graph.ToText();
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
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
