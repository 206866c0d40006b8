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

CpuThrottle::CpuThrottle(double percent, unsigned cpus)
    : percent_(percent),
      cpus_(cpus),
      start_wall_(platform::MonotonicSeconds()),
      start_cpu_(platform::ProcessCpuSeconds().value_or(0)) {}

void CpuThrottle::MaybePause(double max_pause_seconds) {
  if (percent_ <= 0) return;
  auto cpu = platform::ProcessCpuSeconds();
  if (!cpu) return;
  double wall = platform::MonotonicSeconds() - start_wall_;
  double pause =
      std::min(max_pause_seconds, PauseForBudget(percent_, cpus_, *cpu - start_cpu_, wall));
  if (pause <= 0) return;
  paused_seconds_.fetch_add(pause);
  std::this_thread::sleep_for(std::chrono::duration<double>(pause));
}

}  // namespace otguard::scan
