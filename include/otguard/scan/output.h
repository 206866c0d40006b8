// How a scan is shown: clamscan-like text ("path: Rule FOUND", a summary) or JSON lines in
// otguard's event schema (docs/event-schema.md), one event per line and a final summary.
#ifndef OTGUARD_SCAN_OUTPUT_H_
#define OTGUARD_SCAN_OUTPUT_H_

#include <cstdio>
#include <memory>
#include <string>

#include "otguard/scan/scanner.h"

namespace otguard::scan {

struct OutputOptions {
  bool json = false;
  // Text: only detections and errors (no warnings, notes, summary or progress). JSON: no
  // effect, events are for machines.
  bool quiet = false;
  bool progress = false;  // a progress line on `err` (only sensible on a terminal)
  std::FILE* out = stdout;
  std::FILE* err = stderr;
  std::string host;  // host.name of the events
};

class ScanReporter : public ScanObserver {
 public:
  // Writes the end of the report (summary). Call once, after Scan() returned.
  virtual void Finish(const ScanSummary& summary) = 0;
  // The first failure to write the report (JSON: a closed pipe, a full disk); OK otherwise.
  virtual Status OutputStatus() const { return Status(); }
};

std::unique_ptr<ScanReporter> MakeReporter(const OutputOptions& options);

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_OUTPUT_H_
