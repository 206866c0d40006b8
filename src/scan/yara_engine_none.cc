// The YARA engine of a build without libyara (the Windows build, DESIGN.md): asking for rules
// is an error that says so; nothing else of the scanner changes.
#include "scan/yara_engine.h"

namespace otguard::scan {
namespace {
Status NoYara() { return Unimplemented("YARA rules are not supported by this build (Linux only)"); }
}  // namespace

Result<std::shared_ptr<YaraLibrary>> YaraLibrary::Acquire() { return Unexpected(NoYara()); }
YaraLibrary::~YaraLibrary() = default;

Result<std::shared_ptr<const YaraRules>> YaraRules::CompileFiles(std::span<const std::string>) {
  return Unexpected(NoYara());
}
Result<std::shared_ptr<const YaraRules>> YaraRules::CompileText(std::span<const YaraSource>) {
  return Unexpected(NoYara());
}
YaraRules::~YaraRules() = default;

Result<YaraScanner> YaraScanner::Create(std::shared_ptr<const YaraRules>) {
  return Unexpected(NoYara());
}
YaraScanner::YaraScanner(YaraScanner&& other) noexcept = default;
YaraScanner& YaraScanner::operator=(YaraScanner&& other) noexcept = default;
YaraScanner::~YaraScanner() = default;
Status YaraScanner::Scan(ByteSpan, bool, std::vector<YaraMatch>*) { return NoYara(); }

}  // namespace otguard::scan
