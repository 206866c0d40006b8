#include "otguard/scan/output.h"

#include "otguard/base/event.h"
#include "scan/events.h"

namespace otguard::scan {
namespace {

class JsonReporter : public ScanReporter {
 public:
  explicit JsonReporter(const OutputOptions& options) : options_(options), writer_(options.out) {}

  void OnDetection(const FileVerdict& verdict) override {
    EventTime now = EventTime::Now();
    for (const Detection& d : verdict.detections) {
      Line(DetectionEvent(verdict, d, options_.host, now));
    }
    if (!verdict.quarantine_status.ok()) {
      Line(ProblemEvent(FileProblem{verdict.path, ProblemKind::kIoError,
                                    "quarantine failed: " + verdict.quarantine_status.ToString()},
                        options_.host, now));
    }
  }
  void OnProblem(const FileProblem& problem) override {
    Line(ProblemEvent(problem, options_.host, EventTime::Now()));
  }
  void Finish(const ScanSummary& summary) override { Line(SummaryEvent(summary, options_.host)); }
  Status OutputStatus() const override { return status_; }

 private:
  // Invalid UTF-8 in a path does not abort the report: the writer replaces it.
  void Line(const nlohmann::json& event) {
    Status s = writer_.Write(event);
    if (status_.ok()) status_ = s;
  }
  OutputOptions options_;
  JsonLinesWriter writer_;
  Status status_;
};

class TextReporter : public ScanReporter {
 public:
  explicit TextReporter(const OutputOptions& options) : options_(options) {}

  void OnDetection(const FileVerdict& verdict) override {
    ClearProgress();
    for (const Detection& d : verdict.detections) {
      std::fprintf(options_.out, "%s: %s FOUND\n", verdict.path.c_str(), d.rule.c_str());
    }
    if (verdict.quarantine_id) {
      std::fprintf(options_.out, "%s: moved to quarantine as %s\n", verdict.path.c_str(),
                   verdict.quarantine_id->c_str());
    }
    std::fflush(options_.out);
    if (!verdict.quarantine_status.ok()) {
      std::fprintf(options_.err, "%s: quarantine failed: %s ERROR\n", verdict.path.c_str(),
                   std::string(verdict.quarantine_status.message()).c_str());
    }
  }

  void OnProblem(const FileProblem& p) override {
    ClearProgress();
    const char* path = p.path.c_str();
    std::string message(p.message);
    if (p.IsError()) {
      std::fprintf(options_.err, "%s: %s ERROR\n", path, message.c_str());
    } else if (options_.quiet) {
      return;
    } else if (p.kind == ProblemKind::kChanged) {
      std::fprintf(options_.err, "WARNING: %s: %s\n", path, message.c_str());
    } else {
      std::fprintf(options_.err, "%s: %s SKIPPED\n", path, message.c_str());
    }
  }

  void OnProgress(const ScanProgress& p) override {
    if (!options_.progress || options_.quiet) return;
    std::string path = p.current_path;
    if (path.size() > 50) path = "..." + path.substr(path.size() - 47);
    std::fprintf(options_.err, "\r\033[K%llu files, %.1f MB, %llu found  %s",
                 static_cast<unsigned long long>(p.files), static_cast<double>(p.bytes) / 1e6,
                 static_cast<unsigned long long>(p.detections), path.c_str());
    std::fflush(options_.err);
    progress_shown_ = true;
  }

  void Finish(const ScanSummary& s) override {
    ClearProgress();
    if (options_.quiet) return;
    std::FILE* o = options_.out;
    std::fprintf(o, "\n----------- SCAN SUMMARY -----------\n");
    std::fprintf(o, "Scanned files: %llu\n", static_cast<unsigned long long>(s.files));
    std::fprintf(o, "Infected files: %llu\n", static_cast<unsigned long long>(s.infected_files));
    std::fprintf(o, "Detections: %llu\n", static_cast<unsigned long long>(s.detections));
    std::fprintf(o, "Errors: %llu\n", static_cast<unsigned long long>(s.errors));
    std::fprintf(o, "Warnings: %llu\n", static_cast<unsigned long long>(s.warnings));
    std::fprintf(o, "Skipped: %llu\n", static_cast<unsigned long long>(s.skipped));
    if (s.yara_files_rejected > 0) {
      std::fprintf(o, "YARA rule files rejected: %llu\n",
                   static_cast<unsigned long long>(s.yara_files_rejected));
    }
    std::fprintf(o, "Data scanned: %.2f MB\n", static_cast<double>(s.bytes) / (1024.0 * 1024.0));
    std::fprintf(o, "Threads: %u\n", s.threads);
    std::fprintf(o, "Time: %.3f sec\n", s.seconds);
    std::fflush(o);
  }

 private:
  void ClearProgress() {
    if (!progress_shown_) return;
    std::fprintf(options_.err, "\r\033[K");
    progress_shown_ = false;
  }
  OutputOptions options_;
  bool progress_shown_ = false;
};

}  // namespace

std::unique_ptr<ScanReporter> MakeReporter(const OutputOptions& options) {
  if (options.json) return std::make_unique<JsonReporter>(options);
  return std::make_unique<TextReporter>(options);
}

}  // namespace otguard::scan
