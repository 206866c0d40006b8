// The scanner: walks paths, reads each file once and runs every loaded engine (sigdb hash and
// body signatures, YARA rules) over that one read. It never modifies, deletes or locks a file;
// only an opt-in QuarantineStore moves detected files.
#ifndef OTGUARD_SCAN_SCANNER_H_
#define OTGUARD_SCAN_SCANNER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/platform/crypto.h"
#include "otguard/platform/files.h"
#include "otguard/scan/engines.h"

namespace otguard::scan {

class QuarantineStore;

enum class Engine { kHash, kBody, kYara };
std::string_view EngineName(Engine engine);  // "hash", "body", "yara"

// One signature or rule that matched a file. A value, never an error.
struct Detection {
  Engine engine = Engine::kHash;
  std::string rule;    // signature or rule name
  std::string source;  // "file:line" of a signature, or the YARA rules file
};

// What was found in one file.
struct FileVerdict {
  std::string path;
  uint64_t size = 0;
  Digests digests;  // only the digests the engines needed
  std::vector<Detection> detections;
  std::optional<std::string> quarantine_id;  // set when the file was moved to quarantine
  Status quarantine_status;                  // why quarantining failed (OK otherwise)
};

// Why a file was not scanned, or was scanned with a caveat.
enum class ProblemKind {
  kNotFound,          // vanished before it could be read
  kPermissionDenied,  // unreadable file or directory
  kIoError,           // read error, directory loop, other OS failure
  kChanged,           // changed while it was read (warning: what was found is still reported)
  kSkipped,           // deliberately not scanned: too large, special file, other file system
};
std::string_view ProblemKindName(ProblemKind kind);  // "NotFound", "PermissionDenied", ...

struct FileProblem {
  std::string path;
  ProblemKind kind = ProblemKind::kIoError;
  std::string message;
  // Errors count in ScanSummary::errors and make the exit code 2 when nothing was found;
  // warnings (kChanged) and skips (kSkipped) do not.
  bool IsError() const { return kind != ProblemKind::kChanged && kind != ProblemKind::kSkipped; }
};

struct ScanProgress {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t detections = 0;
  std::string current_path;
};

// Receives results. The scanner calls it from its worker threads but never concurrently: one
// call at a time, so an implementation needs no locking of its own.
class ScanObserver {
 public:
  virtual ~ScanObserver() = default;
  // A file with at least one detection (after allowlisting).
  virtual void OnDetection(const FileVerdict& verdict) = 0;
  virtual void OnProblem(const FileProblem& problem) = 0;
  // About every 100 ms of scanning; optional.
  virtual void OnProgress(const ScanProgress& progress) {}
};

struct ScanOptions {
  unsigned threads = 1;                          // worker threads (0 means 1)
  uint64_t max_filesize = 100ull * 1024 * 1024;  // larger files are skipped, like clamscan
  std::vector<std::string> exclude;              // globs on the whole path (files and dirs)
  bool one_file_system = false;
  bool follow_symlinks = false;
  bool all_matches = false;               // every matching signature, not just the first per file
  double max_cpu_percent = 0;             // of the whole machine (100 = all CPUs); 0 = no limit
  bool low_priority = false;              // nice 19 + idle I/O class for the whole process
  QuarantineStore* quarantine = nullptr;  // opt-in: move detected files there
};

struct ScanSummary {
  uint64_t files = 0;       // files read and scanned
  uint64_t bytes = 0;       // bytes read
  uint64_t detections = 0;  // Detection values reported
  uint64_t infected_files = 0;
  uint64_t errors = 0;
  uint64_t warnings = 0;
  uint64_t skipped = 0;
  uint64_t yara_files_rejected = 0;  // YARA rule files left out (set by RunScan)
  double seconds = 0;
  unsigned threads = 0;
  EventTime finished;  // when the last file was done: the summary record's `@timestamp`
};

// Scans `roots` with `engines`. Results go to `observer` as they come. Fails only when the
// scan could not start (no worker could be set up); per-file trouble is a FileProblem.
// Thread-safe as long as each call has its own observer.
Result<ScanSummary> Scan(std::span<const std::string> roots, const Engines& engines,
                         const ScanOptions& options, ScanObserver* observer);

// clamscan's exit code rule: 1 when something was found (even with errors), else 2 when
// there were errors, else 0.
int ExitCodeFor(const ScanSummary& summary);

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_SCANNER_H_
