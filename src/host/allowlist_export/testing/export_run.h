// Test-only: one export target run by name, for the targets' unit tests (gtest; not for
// write_samples.cc, which is a tool).
#ifndef OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_EXPORT_RUN_H_
#define OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_EXPORT_RUN_H_

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "otguard/host/allowlist_export.h"

namespace otguard::host::export_test {

// The target `format`'s output; a test failure when there is no such target.
inline Result<std::string> RunExport(std::string_view format, const Allowlist& allowlist,
                                     const ExportOptions& options) {
  auto target = FindExportTarget(format);
  if (!target) {
    ADD_FAILURE() << target.error().ToString();
    return Unexpected(target.error());
  }
  return (*target)->Export(allowlist, options);
}

// The output of an export that must succeed ("" and a test failure when it does not).
inline std::string RunExportOk(std::string_view format, const Allowlist& allowlist,
                               const ExportOptions& options) {
  auto out = RunExport(format, allowlist, options);
  EXPECT_TRUE(out.has_value()) << format << ": " << out.error().ToString();
  return out.value_or("");
}

}  // namespace otguard::host::export_test

#endif  // OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_EXPORT_RUN_H_
