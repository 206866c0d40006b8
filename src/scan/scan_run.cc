#include "otguard/scan/scan_run.h"

#include <memory>

#include "otguard/scan/quarantine.h"

namespace otguard::scan {
namespace {

Result<std::unique_ptr<QuarantineStore>> OpenStore(const std::string& dir) {
  if (dir.empty()) return std::unique_ptr<QuarantineStore>();
  auto store = QuarantineStore::Open(dir, /*create=*/true);
  if (!store) return Unexpected(store.error().WithContext("quarantine"));
  return store;
}

}  // namespace

Result<ScanSummary> RunScan(const ScanRequest& request) {
  std::vector<sigdb::Diagnostic> diagnostics;
  auto engines = LoadEngines(request.engines, &diagnostics);
  if (request.on_diagnostic) {
    for (const sigdb::Diagnostic& d : diagnostics) request.on_diagnostic(d);
  }
  if (!engines) return Unexpected(engines.error());
  OTGUARD_ASSIGN_OR_RETURN(std::unique_ptr<QuarantineStore> store,
                           OpenStore(request.quarantine_dir));
  ScanOptions options = request.scan;
  options.quarantine = store.get();
  std::unique_ptr<ScanReporter> reporter = MakeReporter(request.output);
  OTGUARD_ASSIGN_OR_RETURN(ScanSummary summary,
                           Scan(request.paths, *engines, options, reporter.get()));
  summary.yara_files_rejected = engines->yara_files_rejected;
  reporter->Finish(summary);
  OTGUARD_RETURN_IF_ERROR(reporter->OutputStatus());
  return summary;
}

}  // namespace otguard::scan
