// RunAnalysis (run.h): load what the request names, then analyse.
#include "otguard/nba/run.h"

#include <optional>

namespace otguard::nba {

Result<AnalysisResult> RunAnalysis(RunRequest request) {
  if (request.captures.empty() == !request.open) {
    return Unexpected(
        Status(StatusCode::kInvalidArgument, "give capture files or --iface (one of them)"));
  }
  std::filesystem::path intel_dir =
      request.data_dir.empty() ? Intel::DefaultDir() : request.data_dir / "nba";
  OTGUARD_ASSIGN_OR_RETURN(Intel intel, Intel::Load(intel_dir));
  OTGUARD_ASSIGN_OR_RETURN(Watchlist watchlist, Watchlist::Build(std::move(request.watch)));
  intel.SetWatchlist(std::move(watchlist));
  std::optional<Baseline> baseline;
  if (!request.baseline.empty()) {
    OTGUARD_ASSIGN_OR_RETURN(baseline, Baseline::Load(request.baseline));
    request.options.baseline = &*baseline;
  }
  std::optional<AssetNames> assets;
  if (!request.assets.empty()) {
    OTGUARD_ASSIGN_OR_RETURN(assets, AssetNames::Load(request.assets));
    request.options.assets = &*assets;
  }
  SourceFactory open = request.open;
  if (!open) {
    open = [files = request.captures, filter = request.filter] {
      return OpenCaptureFiles(files, filter);
    };
  }
  return Analyze(open, request.options, intel);
}

}  // namespace otguard::nba
