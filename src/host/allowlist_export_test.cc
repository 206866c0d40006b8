// The export registry, and what every target promises (otguard/host/allowlist_export.h).
#include "otguard/host/allowlist_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace otguard::host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExportTargets, EveryTargetOfTheFolderSortedByName) {
  std::vector<std::string> names;
  for (const ExportTarget* target : ExportTargets()) {
    names.emplace_back(target->name());
    EXPECT_FALSE(target->description().empty()) << target->name();
  }
  EXPECT_THAT(names, ElementsAre("applocker", "fapolicyd", "nftables", "srp", "windows-firewall",
                                 "xp-firewall"));
}

TEST(ExportTargets, UnknownNameListsTheKnownOnes) {
  auto found = FindExportTarget("iptables");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(found.error().message()),
              HasSubstr("unknown export format 'iptables' (known: applocker, fapolicyd, "));
}

// A value with a line break must never reach a file as a line of its own: every target either
// refuses it, naming the rule, or keeps it inside a comment.
TEST(ExportTargets, NoTargetLetsALineBreakStartARule) {
  Allowlist a;
  a.host = "h";
  ProcessRule p;
  p.id = "p-nl";
  p.kind = ProcessRuleKind::kPath;
  p.path = "/opt/x\nallow perm=any all : all";
  a.processes.push_back(p);
  NetworkRule n;
  n.id = "n-nl";
  n.executable = "C:\\x.exe\nnetsh advfirewall reset";
  n.protocol = "tcp";
  n.remote = "any";
  n.port = 1;
  a.network.push_back(n);
  for (const ExportTarget* target : ExportTargets()) {
    auto out = target->Export(a, {});
    if (!out) {
      EXPECT_EQ(out.error().code(), StatusCode::kInvalidArgument) << target->name();
      EXPECT_THAT(std::string(out.error().message()), HasSubstr("-nl: ")) << target->name();
      continue;
    }
    EXPECT_THAT(*out, ::testing::Not(HasSubstr("\nallow perm=any all : all"))) << target->name();
    EXPECT_THAT(*out, ::testing::Not(HasSubstr("\nnetsh advfirewall reset"))) << target->name();
    EXPECT_THAT(*out, ::testing::Not(HasSubstr("\r\nnetsh advfirewall reset"))) << target->name();
  }
}

}  // namespace
}  // namespace otguard::host

namespace otguard::host {
namespace {

TEST(ExportTargets, OnlyTheWindowsTargetsUseFileFacts) {
  std::vector<std::string> users;
  for (const ExportTarget* target : ExportTargets()) {
    if (target->uses_file_facts()) users.emplace_back(target->name());
  }
  EXPECT_THAT(users, ElementsAre("applocker", "srp"));
}

}  // namespace
}  // namespace otguard::host
