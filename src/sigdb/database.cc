#include "otguard/sigdb/database.h"

namespace otguard::sigdb {
Result<std::shared_ptr<const Database>> Database::CompileFiles(std::span<const std::string>,
                                                               const CompileOptions&,
                                                               std::vector<Diagnostic>*) {
  return Unexpected(Unimplemented("sigdb"));
}
Result<std::shared_ptr<const Database>> Database::CompileText(std::span<const SourceText>,
                                                              const CompileOptions&,
                                                              std::vector<Diagnostic>*) {
  return Unexpected(Unimplemented("sigdb"));
}
Result<std::shared_ptr<const Database>> Database::Open(const std::string&) {
  return Unexpected(Unimplemented("sigdb"));
}
bool Database::IsCompiledFile(const std::string&) { return false; }
}  // namespace otguard::sigdb
