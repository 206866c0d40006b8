// The YARA engine of a build without libyara (the Windows build, DESIGN.md): asking for rules
// is an error that says so; nothing else of the scanner changes.
#include "scan/yara_engine.h"

namespace otguard::scan {
namespace {
Status NoYara() { return Unimplemented("YARA rules are not supported by this build (Linux only)"); }
}  // namespace

bool YaraAvailable() { return false; }
bool IsCompiledYaraRules(ByteSpan head) {
  return head.size() >= 4 && head[0] == 'Y' && head[1] == 'A' && head[2] == 'R' && head[3] == 'A';
}

Result<std::shared_ptr<YaraLibrary>> YaraLibrary::Acquire() { return Unexpected(NoYara()); }
YaraLibrary::~YaraLibrary() = default;

Result<std::shared_ptr<const YaraRules>> YaraRules::CompileFiles(std::span<const std::string>,
                                                                 std::span<const YaraDefine>,
                                                                 std::vector<YaraRejectedFile>*) {
  return Unexpected(NoYara());
}
Result<std::shared_ptr<const YaraRules>> YaraRules::LoadCompiled(const std::string&,
                                                                 std::span<const YaraDefine>) {
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
Status YaraScanner::Scan(ByteSpan, bool, const YaraFileFacts*, std::vector<YaraMatch>*) {
  return NoYara();
}

}  // namespace otguard::scan
