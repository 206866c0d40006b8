// A CPU budget for a whole scan across its threads: process CPU time is compared with wall
// time since the start, and a thread that finds the scan over budget sleeps until it is not.
#ifndef OTGUARD_SRC_SCAN_THROTTLE_H_
#define OTGUARD_SRC_SCAN_THROTTLE_H_

#include <atomic>
#include <functional>

namespace otguard::scan {

// How long to pause so that `cpu_seconds` used over `wall_seconds` stays within `percent` of
// `cpus` CPUs (100 percent = all of them). 0 when within budget or when percent <= 0.
// The pause is the wall time at which the CPU used so far would be exactly on budget, minus
// the wall time already passed.
double PauseForBudget(double percent, unsigned cpus, double cpu_seconds, double wall_seconds);

// Thread-safe: any worker may call MaybePause(), between files and after every chunk it reads
// (so one big file cannot overshoot the budget). Cheap enough for that: two clock reads
// when within budget, nothing at all when disabled.
class CpuThrottle {
 public:
  // Where the throttle gets its times and how it sleeps; the default is the process CPU
  // clock, the monotonic clock and a real sleep. Tests substitute their own.
  struct Clock {
    std::function<double()> process_cpu_seconds;  // negative when unavailable
    std::function<double()> wall_seconds;
    std::function<void(double seconds)> sleep;
  };
  static Clock SystemClock();

  // percent <= 0 disables throttling.
  CpuThrottle(double percent, unsigned cpus) : CpuThrottle(percent, cpus, SystemClock()) {}
  CpuThrottle(double percent, unsigned cpus, Clock clock);
  // Sleeps as long as PauseForBudget() says, at most `max_pause_seconds` per call so a
  // thread stays responsive to the end of the scan.
  void MaybePause(double max_pause_seconds = 1.0);
  double paused_seconds() const { return paused_seconds_.load(); }

 private:
  double percent_;
  unsigned cpus_;
  Clock clock_;
  double start_wall_;
  double start_cpu_;
  std::atomic<double> paused_seconds_{0};
};

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_THROTTLE_H_
