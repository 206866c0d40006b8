// Measures the allowlist's learning at the scale (not a test):
//   allowlist_merge [OBSERVATIONS]   (default 1,000,000)
// Generates a DCS station's history (src/host/testing/station_history.h) in memory, untimed
// apart from its own line, then times History aggregation, Learn(), building the matcher and
// replaying the history against the learned rules, each on one core; then the same for a
// "wide" history of 120,000 distinct items, the worst case for Learn().
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "host/testing/station_history.h"
#include "otguard/host/allowlist.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// This process's CPU seconds: on a shared build machine wall time also counts the neighbours.
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

long PeakRssKb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

// The worst case for Learn(): many distinct items (a busy server), each seen often enough not to
// be transient. 20,000 signed files under 200 product folders and 100,000 peers (200
// processes, 50 service ports, 10 peers each in one /24), each item seen `times` times over 14
// days.
std::vector<otguard::host::Observation> WideHistory(int times) {
  using namespace otguard::host;
  std::vector<Observation> out;
  const int64_t start = int64_t{1793491200} * 1000000000;
  const int64_t step = int64_t{14} * 86400 * 1000000000 / times;
  for (int k = 0; k < times; ++k) {
    otguard::EventTime t = otguard::EventTime::FromNanos(start + k * step);
    for (int product = 0; product < 200; ++product) {
      std::string folder = "C:\\Program Files\\Vendor" + std::to_string(product / 10) +
                           "\\Product" + std::to_string(product) + "\\bin\\";
      for (int file = 0; file < 100; ++file) {
        ProcessObservation p;
        p.time = t;
        p.executable = folder + "f" + std::to_string(file) + ".exe";
        p.sha256 = testing::StationHistory::Hash(p.executable);
        p.signer = "Vendor " + std::to_string(product / 10);
        out.push_back(std::move(p));
      }
      for (int port = 0; port < 50; ++port) {
        for (int peer = 0; peer < 10; ++peer) {
          ConnectionObservation c;
          c.time = t;
          c.executable = folder + "f0.exe";
          c.protocol = "tcp";
          c.direction = Direction::kOutbound;
          c.local_address = "10.0.0.5";
          c.local_port = static_cast<uint16_t>(49152 + peer);
          c.remote_address = "10." + std::to_string(product / 2) + "." + std::to_string(port) +
                             "." + std::to_string(peer + 1);
          c.remote_port = static_cast<uint16_t>(1000 + port);
          out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

int Measure(const char* name, const std::vector<otguard::host::Observation>& observations) {
  using namespace otguard::host;
  std::printf("== %s: %zu observations\n", name, observations.size());
  const double n = static_cast<double>(observations.size());

  auto t = Clock::now();
  double cpu = CpuSeconds();
  History history;
  for (const Observation& o : observations) history.Add(o);
  double wall = Seconds(t);
  cpu = CpuSeconds() - cpu;
  std::printf(
      "history   %8.3f s (cpu %.3f s, %.0f ns/observation)  %zu process items, %zu "
      "network items\n",
      wall, cpu, cpu * 1e9 / n, history.processes().size(), history.network().size());

  t = Clock::now();
  cpu = CpuSeconds();
  Proposal proposal = Learn(history, MergePolicy{});
  wall = Seconds(t);
  cpu = CpuSeconds() - cpu;
  std::printf(
      "learn     %8.3f s (cpu %.3f s)  %zu rules (%zu process, %zu network), %zu "
      "widenings, %zu transients\n",
      wall, cpu, proposal.rules.processes.size() + proposal.rules.network.size(),
      proposal.rules.processes.size(), proposal.rules.network.size(), proposal.widenings.size(),
      proposal.transients.size());

  auto matcher = AllowlistMatcher::Build(proposal.rules);
  if (!matcher) {
    std::fprintf(stderr, "allowlist_merge: %s\n", matcher.error().ToString().c_str());
    return 1;
  }
  t = Clock::now();
  cpu = CpuSeconds();
  ReplayReport report = Replay(*matcher, observations);
  wall = Seconds(t);
  cpu = CpuSeconds() - cpu;
  std::printf(
      "replay    %8.3f s (cpu %.3f s, %.0f ns/observation)  %llu alerts (%zu distinct "
      "items)\n",
      wall, cpu, cpu * 1e9 / n, static_cast<unsigned long long>(report.alerts_total),
      report.alerts.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace otguard::host;
  testing::StationHistoryOptions options;
  options.observations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  auto t = Clock::now();
  std::vector<Observation> station = testing::StationHistory(options).All();
  std::printf("generated the station in %.3f s\n", Seconds(t));
  if (Measure("DCS station (src/host/testing/station_history.h)", station) != 0) return 1;
  station = {};
  // 120,000 items seen 8 times each: about the same number of observations.
  if (Measure("wide: 120,000 distinct items", WideHistory(8)) != 0) return 1;
  std::printf("peak RSS  %ld kB (the generated observations dominate)\n", PeakRssKb());
  return 0;
}
