#include "otguard/nba/analyzer.h"

namespace otguard::nba {

const AnalyzerInfo* FindAnalyzer(std::string_view name) {
  for (const AnalyzerInfo* a : BuiltinAnalyzers()) {
    if (a->name == name) return a;
  }
  return nullptr;
}

}  // namespace otguard::nba
