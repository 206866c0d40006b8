// `otguard scan` as one library call: load the engines, open the quarantine store if asked,
// scan, and report as text or JSON lines (otguard/scan/output.h). The CLI parses options into
// a ScanRequest, calls RunScan and turns the summary into an exit code (ExitCodeFor).
//
// Thread-safety: RunScan may run on any thread; each call uses its own reporter.
#ifndef OTGUARD_SCAN_SCAN_RUN_H_
#define OTGUARD_SCAN_SCAN_RUN_H_

#include <functional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/scan/engines.h"
#include "otguard/scan/output.h"
#include "otguard/scan/scanner.h"

namespace otguard::scan {

struct ScanRequest {
  std::vector<std::string> paths;
  EngineOptions engines;
  ScanOptions scan;            // its `quarantine` is set from `quarantine_dir`
  std::string quarantine_dir;  // move detections into this store (created); "" for none
  OutputOptions output;
  // Each skipped or malformed signature line, and each message of a YARA rule file left out,
  // as soon as the engines are loaded (before the scan starts). May be empty.
  std::function<void(const sigdb::Diagnostic&)> on_diagnostic;
};

// The summary of a finished scan, its report written. Errors: what LoadEngines returns, the
// quarantine store's error (prefixed "quarantine: "), a scan that could not start, or the
// report's output failing (IoError).
Result<ScanSummary> RunScan(const ScanRequest& request);

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_SCAN_RUN_H_
