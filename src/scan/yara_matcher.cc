// YaraMatcher: the public face of the YARA engine (yara_engine.h) for text rules.
#include <optional>
#include <vector>

#include "otguard/scan/yara.h"
#include "scan/yara_engine.h"

namespace otguard::scan {

struct YaraMatcher::State {
  YaraScanner scanner;
};

YaraMatcher::YaraMatcher(std::unique_ptr<State> state) : state_(std::move(state)) {}
YaraMatcher::YaraMatcher(YaraMatcher&&) noexcept = default;
YaraMatcher& YaraMatcher::operator=(YaraMatcher&&) noexcept = default;
YaraMatcher::~YaraMatcher() = default;

Result<YaraMatcher> YaraMatcher::Compile(std::span<const YaraSource> sources) {
  OTGUARD_ASSIGN_OR_RETURN(std::shared_ptr<const YaraRules> rules, YaraRules::CompileText(sources));
  OTGUARD_ASSIGN_OR_RETURN(YaraScanner scanner, YaraScanner::Create(std::move(rules)));
  return YaraMatcher(std::make_unique<State>(State{std::move(scanner)}));
}

Result<bool> YaraMatcher::Matches(ByteSpan data) {
  std::vector<YaraMatch> matches;
  Status status = state_->scanner.Scan(data, /*all_matches=*/false, &matches);
  if (!matches.empty()) return true;
  if (!status.ok()) return Unexpected(status);
  return false;
}

}  // namespace otguard::scan
