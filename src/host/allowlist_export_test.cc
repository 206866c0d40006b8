// The export registry, and what every target promises (otguard/host/allowlist_export.h).
#include "otguard/host/allowlist_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "host/file_hasher.h"
#include "testing/temp_dir.h"

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

#ifndef _WIN32
// On the station, a hash rule's file gives AppLocker its Authenticode hash and SRP its MD5 and
// size; a file changed since approval gives nothing (and says so), so the rule is widened with
// a comment instead of allowing the new content by hash.
TEST(CollectExportFacts, HashRulesGetTheStationsFileFacts) {
  const std::string source = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/notepad.exe";
  ASSERT_TRUE(std::filesystem::exists(source)) << "wine64 is missing: run scripts/install-deps.sh";
  testutil::TempDir dir;
  const std::string program = dir.Write("opc.exe", testutil::ReadAll(source));
  const std::string changed = dir.Write("hmi.exe", testutil::ReadAll(source) + "x");
  auto hasher = internal::FileHasher::Create(uint64_t{1} << 30);
  ASSERT_TRUE(hasher.has_value());
  const internal::FileHashes want = hasher->Hash(program, true);
  ASSERT_EQ(want.authenticode_sha256.size(), 64u) << want.authenticode_error;

  Allowlist a;
  a.host = "es-01";
  a.version = 1;
  a.processes.push_back({.id = "p-000000000001",
                         .kind = ProcessRuleKind::kHash,
                         .path = program,
                         .sha256 = {want.sha256}});
  a.processes.push_back({.id = "p-000000000002",
                         .kind = ProcessRuleKind::kHash,
                         .path = changed,
                         .sha256 = {std::string(64, 'a')}});
  a.processes.push_back({.id = "p-000000000003",
                         .kind = ProcessRuleKind::kPublisherPath,
                         .path = dir.path() + "/",
                         .signer = "Yokogawa Electric Corporation"});
  ExportOptions options;
  ExportFactsReport report;
  CollectExportFacts(a, &options, &report);
  EXPECT_EQ(report.files_hashed, 2u);
  EXPECT_EQ(report.hashes_found, 1u);
  EXPECT_EQ(report.publishers_found, 0u);
  ASSERT_EQ(options.files.count(want.sha256), 1u);
  const ExportFileFacts& facts = options.files.at(want.sha256);
  EXPECT_EQ(facts.file_name, "opc.exe");
  EXPECT_EQ(facts.size, want.size);
  EXPECT_EQ(facts.md5, want.md5);
  EXPECT_EQ(facts.authenticode_sha256, want.authenticode_sha256);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_THAT(report.problems[0], HasSubstr("p-000000000002: " + changed + ": its SHA-256 "));
  EXPECT_THAT(report.problems[0], HasSubstr("none the rule allows"));
  EXPECT_THAT(report.problems[1], HasSubstr("p-000000000003: "));
  EXPECT_THAT(report.problems[1], HasSubstr("checked on Windows only"));

  // The AppLocker export now has a hash rule for opc.exe with the Authenticode digest.
  options.windows_defaults = true;
  auto xml = (*FindExportTarget("applocker"))->Export(a, options);
  ASSERT_TRUE(xml.has_value()) << xml.error().ToString();
  std::string upper = want.authenticode_sha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_THAT(*xml, HasSubstr("<FileHash Type=\"SHA256\" Data=\"0x" + upper +
                              "\" SourceFileName=\"opc.exe\" SourceFileLength=\"" +
                              std::to_string(want.size) + "\" />"));
  // An operator's --publisher is never overridden nor looked for.
  options = {};
  options.publishers["Yokogawa Electric Corporation"] = "O=YOKOGAWA, C=JP";
  report = {};
  CollectExportFacts(a, &options, &report);
  EXPECT_EQ(options.publishers.at("Yokogawa Electric Corporation"), "O=YOKOGAWA, C=JP");
  EXPECT_EQ(report.problems.size(), 1u);
}
#endif

}  // namespace
}  // namespace otguard::host
