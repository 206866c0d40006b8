// Scheduled jobs (inventory, scan, hunt) on a thread of their own, one at a time, at the
// process's low priority. A job returns its records; the agent's loop takes them with
// TakeRecords() and spools them, so only the loop writes the spool.
#ifndef OTGUARD_SRC_AGENT_JOBS_H_
#define OTGUARD_SRC_AGENT_JOBS_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/agent/policy.h"

namespace otguard::agent::internal {

struct JobSpec {
  std::string name;  // "inventory", "scan", "hunt"
  JobSchedule schedule;
  // Runs the job; returns its records or why it failed.
  std::function<Result<std::vector<nlohmann::json>>()> run;
};

// The policy's enabled jobs. `state_dir` holds the scan's report while it is written.
std::vector<JobSpec> ScheduledJobs(const Policy& policy, const std::string& host_name,
                                   const std::string& state_dir);

class JobRunner {
 public:
  explicit JobRunner(std::string host_name = "") : host_name_(std::move(host_name)) {}
  ~JobRunner() { Wait(); }
  bool busy() const { return busy_.load(); }
  // Starts `job` on the job thread; the caller checks busy() first.
  void Start(JobSpec job);
  // Waits for a running job to end.
  void Wait();
  // The records of finished jobs (each job's own, then an otguard.agent.job record with its
  // outcome), oldest first.
  std::vector<nlohmann::json> TakeRecords();

 private:
  std::string host_name_;
  std::thread thread_;
  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::vector<nlohmann::json> records_;
};

}  // namespace otguard::agent::internal

#endif  // OTGUARD_SRC_AGENT_JOBS_H_
