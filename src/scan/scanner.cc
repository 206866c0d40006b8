#include "otguard/scan/scanner.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "otguard/base/log.h"
#include "otguard/platform/process.h"
#include "otguard/scan/quarantine.h"
#include "scan/file_scanner.h"
#include "scan/throttle.h"

namespace otguard::scan {

std::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kHash:
      return "hash";
    case Engine::kBody:
      return "body";
    case Engine::kYara:
      return "yara";
  }
  return "unknown";
}

std::string_view ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kNotFound:
      return "NotFound";
    case ProblemKind::kPermissionDenied:
      return "PermissionDenied";
    case ProblemKind::kIoError:
      return "IoError";
    case ProblemKind::kChanged:
      return "Changed";
    case ProblemKind::kSkipped:
      return "Skipped";
  }
  return "Unknown";
}

int ExitCodeFor(const ScanSummary& summary) {
  if (summary.infected_files > 0) return 1;
  return summary.errors > 0 ? 2 : 0;
}

namespace {

struct WorkItem {
  std::string path;
  bool follow_symlink;
};

// A bounded queue from the walking thread to the workers; bounded so a huge tree is not
// listed into memory ahead of the scan.
class WorkQueue {
 public:
  explicit WorkQueue(size_t capacity) : capacity_(capacity) {}

  void Push(WorkItem item) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // False when the queue is closed and empty.
  bool Pop(WorkItem* item) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    *item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<WorkItem> items_;
  bool closed_ = false;
};

// Counts results and hands them to the observer, one call at a time.
class Reporter {
 public:
  explicit Reporter(ScanObserver* observer) : observer_(observer) {}

  void Problem(const FileProblem& problem) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (problem.kind == ProblemKind::kSkipped) {
      ++summary_.skipped;
    } else if (problem.kind == ProblemKind::kChanged) {
      ++summary_.warnings;
    } else {
      ++summary_.errors;
    }
    if (observer_) observer_->OnProblem(problem);
  }

  void Scanned(const FileOutcome& outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (outcome.scanned) ++summary_.files;
    summary_.bytes += outcome.bytes;
    const FileVerdict& v = outcome.verdict;
    if (!v.detections.empty()) {
      ++summary_.infected_files;
      summary_.detections += v.detections.size();
      if (!v.quarantine_status.ok()) ++summary_.errors;
      if (observer_) observer_->OnDetection(v);
    }
    MaybeProgress(v.path);
  }

  ScanSummary summary() {
    std::lock_guard<std::mutex> lock(mutex_);
    return summary_;
  }

 private:
  void MaybeProgress(const std::string& path) {
    double now = platform::MonotonicSeconds();
    if (!observer_ || now - last_progress_ < 0.1) return;
    last_progress_ = now;
    observer_->OnProgress(ScanProgress{summary_.files, summary_.bytes, summary_.detections, path});
  }

  ScanObserver* observer_;
  std::mutex mutex_;
  ScanSummary summary_;
  double last_progress_ = 0;
};

FileProblem FromWalkIssue(const platform::WalkIssue& issue) {
  using K = platform::WalkIssueKind;
  switch (issue.kind) {
    case K::kNotFound:
      return {issue.path, ProblemKind::kNotFound, issue.message};
    case K::kPermissionDenied:
      return {issue.path, ProblemKind::kPermissionDenied, issue.message};
    case K::kSpecialFile:
    case K::kSymlinkLoop:
    case K::kSymlinkSkipped:
    case K::kOtherFileSystem:
      return {issue.path, ProblemKind::kSkipped, issue.message};
    case K::kIoError:
      break;
  }
  return {issue.path, ProblemKind::kIoError, issue.message};
}

bool Excluded(const std::vector<std::string>& patterns, const std::string& path) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return platform::GlobMatch(p, path); });
}

void Quarantine(QuarantineStore* store, FileOutcome* outcome) {
  std::vector<std::string> rules;
  for (const Detection& d : outcome->verdict.detections) rules.push_back(d.rule);
  auto record = store->Add(outcome->verdict.path, outcome->info, rules);
  if (record) {
    outcome->verdict.quarantine_id = record->id;
  } else {
    outcome->verdict.quarantine_status = record.error();
  }
}

void RunWorker(FileScanner* scanner, WorkQueue* queue, Reporter* reporter, CpuThrottle* throttle,
               const ScanOptions& options) {
  WorkItem item;
  while (queue->Pop(&item)) {
    FileOutcome outcome = scanner->ScanFile(item.path, item.follow_symlink);
    if (!outcome.verdict.detections.empty() && options.quarantine != nullptr) {
      Quarantine(options.quarantine, &outcome);
    }
    for (const FileProblem& p : outcome.problems) reporter->Problem(p);
    reporter->Scanned(outcome);
    // The scanner checks the budget after every chunk it reads; this check covers the
    // matching done after the last one.
    throttle->MaybePause();
  }
}

}  // namespace

Result<ScanSummary> Scan(std::span<const std::string> roots, const Engines& engines,
                         const ScanOptions& options, ScanObserver* observer) {
  double start = platform::MonotonicSeconds();
  if (options.low_priority) {
    Status s = platform::LowerPriority();
    if (!s.ok()) OTGUARD_LOG_WARN("could not lower priority: {}", s.ToString());
  }
  unsigned threads = std::max(1u, options.threads);
  CpuThrottle throttle(options.max_cpu_percent, platform::CpuCount());
  std::vector<FileScanner> scanners;
  for (unsigned i = 0; i < threads; ++i) {
    OTGUARD_ASSIGN_OR_RETURN(FileScanner scanner, FileScanner::Create(engines, options, &throttle));
    scanners.push_back(std::move(scanner));
  }

  Reporter reporter(observer);
  WorkQueue queue(threads * 64);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.emplace_back(RunWorker, &scanners[i], &queue, &reporter, &throttle, std::cref(options));
  }

  std::set<std::string> root_set(roots.begin(), roots.end());
  platform::WalkOptions walk_options;
  walk_options.follow_symlinks = options.follow_symlinks;
  walk_options.one_file_system = options.one_file_system;
  platform::WalkCallbacks callbacks;
  callbacks.on_file = [&](const std::string& path, const platform::FileInfo& info) {
    if (Excluded(options.exclude, path)) return true;
    if (info.size > options.max_filesize) {
      // Known from the walk already: no need to open it.
      reporter.Problem({path, ProblemKind::kSkipped,
                        "larger than the maximum file size (" + std::to_string(info.size) + " > " +
                            std::to_string(options.max_filesize) + " bytes), not scanned"});
      return true;
    }
    queue.Push(WorkItem{path, root_set.count(path) > 0});
    return true;
  };
  callbacks.on_issue = [&](const platform::WalkIssue& issue) {
    // Not following symlinks is the default; saying so for each one would bury real news.
    if (issue.kind == platform::WalkIssueKind::kSymlinkSkipped) return;
    reporter.Problem(FromWalkIssue(issue));
  };
  callbacks.enter_directory = [&](const std::string& path) {
    return !Excluded(options.exclude, path);
  };
  platform::Walk(roots, walk_options, callbacks);
  queue.Close();
  for (auto& w : workers) w.join();

  ScanSummary summary = reporter.summary();
  summary.threads = threads;
  summary.seconds = platform::MonotonicSeconds() - start;
  summary.finished = EventTime::Now();
  return summary;
}

}  // namespace otguard::scan
