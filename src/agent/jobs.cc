#include "agent/jobs.h"

#include <cstdio>

#include "agent/records.h"
#include "otguard/base/event.h"
#include "otguard/host/hunt_run.h"
#include "otguard/host/inventory.h"
#include "otguard/host/inventory_events.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "otguard/scan/scan_run.h"

namespace otguard::agent::internal {
namespace {

using Json = nlohmann::json;

Result<std::vector<Json>> RunInventory() {
  OTGUARD_ASSIGN_OR_RETURN(host::Inventory inventory, host::TakeInventory({}));
  return host::InventoryRecords(inventory);
}

Result<std::vector<Json>> RunHunt(const HuntJob& job) {
  host::PackSources sources;
  sources.files = job.packs;
  host::LoadedPacks loaded = host::LoadPacks(sources);
  std::vector<Json> out;
  for (const std::string& error : loaded.errors) {
    Json r = AgentRecord("job", "");
    r["event"]["outcome"] = "failure";
    r["message"] = "hunt: " + error;
    out.push_back(std::move(r));
  }
  OTGUARD_ASSIGN_OR_RETURN(host::HuntRun run, host::Hunt(std::move(loaded.packs), {}));
  for (Json& record : host::HuntRecords(run)) out.push_back(std::move(record));
  return out;
}

// The scanner reports to a stream; its JSON lines are written to a file in the state
// directory and read back as records.
Result<std::vector<Json>> RunScheduledScan(const ScanJob& job, const std::string& host_name,
                                           const std::string& report_path) {
  std::FILE* report = std::fopen(report_path.c_str(), "w+b");
  if (report == nullptr) return Unexpected(IoError("cannot write " + report_path));
  scan::ScanRequest request;
  request.paths = job.paths;
  request.engines.databases = job.databases;
  request.engines.yara_files = job.yara_files;
  request.engines.bundled_dir = scan::FindBundledSignatureDir();
  request.scan.threads = job.threads;
  request.scan.max_filesize = job.max_filesize;
  request.scan.exclude = job.exclude;
  request.scan.one_file_system = job.one_file_system;
  request.scan.max_cpu_percent = job.max_cpu_percent;
  request.scan.low_priority = true;
  request.output = {.json = true, .out = report, .err = report, .host = host_name};
  auto summary = scan::RunScan(request);
  std::vector<Json> out;
  std::rewind(report);
  std::string line;
  for (int c = std::fgetc(report); c != EOF; c = std::fgetc(report)) {
    if (c != '\n') {
      line += static_cast<char>(c);
      continue;
    }
    Json record = Json::parse(line, nullptr, false);
    if (!record.is_discarded() && record.is_object()) out.push_back(std::move(record));
    line.clear();
  }
  std::fclose(report);
  (void)platform::RemoveFile(report_path);
  if (!summary) return Unexpected(summary.error());
  return out;
}

}  // namespace

std::vector<JobSpec> ScheduledJobs(const Policy& policy, const std::string& host_name,
                                   const std::string& state_dir) {
  std::vector<JobSpec> jobs;
  const SchedulePolicy& s = policy.schedule;
  if (s.inventory.enabled()) jobs.push_back({"inventory", s.inventory, RunInventory});
  if (s.scan.when.enabled()) {
    std::string report = platform::JoinPath(state_dir, "scan-report.jsonl");
    jobs.push_back({"scan", s.scan.when, [job = s.scan, host_name, report] {
                      return RunScheduledScan(job, host_name, report);
                    }});
  }
  if (s.hunt.when.enabled()) {
    jobs.push_back({"hunt", s.hunt.when, [job = s.hunt] { return RunHunt(job); }});
  }
  return jobs;
}

void JobRunner::Start(JobSpec job) {
  Wait();
  busy_ = true;
  thread_ = std::thread([this, job = std::move(job)] {
    double started = platform::MonotonicSeconds();
    Result<std::vector<Json>> records = Unexpected(Internal("job threw"));
    try {  // no exception may end the agent; a job that throws is a failed job
      records = job.run();
    } catch (const std::exception& e) {
      records = Unexpected(Internal(std::string("job threw: ") + e.what()));
    }
    Json outcome = AgentRecord("job", host_name_);
    outcome["otguard"]["job"] = {{"name", job.name},
                                 {"seconds", platform::MonotonicSeconds() - started}};
    if (records) {
      outcome["event"]["outcome"] = "success";
      outcome["otguard"]["job"]["records"] = records->size();
    } else {
      outcome["event"]["outcome"] = "failure";
      outcome["message"] = job.name + ": " + records.error().ToString();
    }
    std::lock_guard lock(mutex_);
    if (records) {
      for (Json& r : *records) records_.push_back(std::move(r));
    }
    records_.push_back(std::move(outcome));
    busy_ = false;
  });
}

void JobRunner::Wait() {
  if (thread_.joinable()) thread_.join();
}

std::vector<Json> JobRunner::TakeRecords() {
  std::lock_guard lock(mutex_);
  std::vector<Json> out = std::move(records_);
  records_.clear();
  return out;
}

}  // namespace otguard::agent::internal
