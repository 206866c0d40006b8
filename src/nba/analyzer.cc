#include "otguard/nba/analyzer.h"

namespace otguard::nba {

void ReportIocMatches(AnalyzerContext& ctx, const std::vector<WireMatch>& matches,
                      std::string_view value, std::string_view seen) {
  for (const WireMatch& m : matches) {
    ctx.Report(IocFinding(ctx.intel().watchlist().indicators()[m.indicator], m, value, seen));
  }
}

const AnalyzerInfo* FindAnalyzer(std::string_view name) {
  for (const AnalyzerInfo* a : BuiltinAnalyzers()) {
    if (a->name == name) return a;
  }
  return nullptr;
}

}  // namespace otguard::nba
