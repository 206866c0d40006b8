// A stop request that a long-running loop waits on (the agent's service loop): one thread or a
// signal handler's thread asks, the loop sees it at its next wait and ends.
//
// Thread-safety: all members are thread-safe.
#ifndef OTGUARD_BASE_STOP_SIGNAL_H_
#define OTGUARD_BASE_STOP_SIGNAL_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace otguard {

class StopSignal {
 public:
  void Notify() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Waits up to `timeout` for a stop request; returns true when stopped.
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
};

}  // namespace otguard

#endif  // OTGUARD_BASE_STOP_SIGNAL_H_
