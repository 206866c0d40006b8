#include "scan/throttle.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "otguard/platform/process.h"

namespace otguard::scan {

double PauseForBudget(double percent, unsigned cpus, double cpu_seconds, double wall_seconds) {
  if (percent <= 0 || cpus == 0) return 0;
  double cores = percent / 100.0 * cpus;  // the budget, in CPUs busy all the time
  double on_budget_wall = cpu_seconds / cores;
  return std::max(0.0, on_budget_wall - wall_seconds);
}

CpuThrottle::Clock CpuThrottle::SystemClock() {
  return Clock{
      [] { return platform::ProcessCpuSeconds().value_or(-1.0); },
      [] { return platform::MonotonicSeconds(); },
      [](double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); },
  };
}

CpuThrottle::CpuThrottle(double percent, unsigned cpus, Clock clock)
    : percent_(percent), cpus_(cpus), clock_(std::move(clock)) {
  start_wall_ = clock_.wall_seconds();
  start_cpu_ = std::max(0.0, clock_.process_cpu_seconds());
}

void CpuThrottle::MaybePause(double max_pause_seconds) {
  if (percent_ <= 0) return;
  double cpu = clock_.process_cpu_seconds();
  if (cpu < 0) return;
  double wall = clock_.wall_seconds() - start_wall_;
  double pause =
      std::min(max_pause_seconds, PauseForBudget(percent_, cpus_, cpu - start_cpu_, wall));
  if (pause <= 0) return;
  paused_seconds_.fetch_add(pause);
  clock_.sleep(pause);
}

}  // namespace otguard::scan
