#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/allowlist_export/testing/export_run.h"
#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Export(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExportOk("fapolicyd", a, o);
}

TEST(FapolicydExport, HashRulesMatchPathAndContent) {
  std::string out = Export(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("allow perm=execute all : path=/opt/historian/bin/historiand "
                             "sha256hash=" +
                             std::string(testing::kHistorianSha256) + "\n"));
  // A hash rule without a path allows that content wherever it lies.
  EXPECT_THAT(out, HasSubstr("\nallow perm=execute all : sha256hash=" +
                             std::string(testing::kOpcSha256) + "\n"));
}

TEST(FapolicydExport, MonitorByDefaultEnforceOnRequest) {
  std::string monitor = Export(testing::LinuxHistorian(), {});
  EXPECT_THAT(monitor, HasSubstr("\nallow_audit perm=execute all : all\n"));
  EXPECT_THAT(monitor, Not(HasSubstr("\ndeny")));  // no deny rule, only comments
  std::string enforce = Export(testing::LinuxHistorian(), testing::Enforce());
  EXPECT_TRUE(enforce.ends_with("deny_audit perm=execute all : all\n")) << enforce;
  EXPECT_THAT(enforce, HasSubstr("deny_audit perm=any pattern=ld_so : all\n"));
}

TEST(FapolicydExport, PathWithASpaceIsLeftOutWithAComment) {
  std::string out = Export(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("# NOT EXPORTED p-777777777777 (path /usr/local/bin/plant tool): "
                             "fapolicyd rule values cannot hold a space or a comma"));
  EXPECT_THAT(out, Not(HasSubstr("path=/usr/local/bin/plant")));
}

TEST(FapolicydExport, PackagesBecomeOneTrustRuleAndSaySo) {
  std::string out = Export(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("openssh-server (p-888888888888), coreutils (p-999999999999)"));
  EXPECT_THAT(out, HasSubstr("# WIDENED: fapolicyd knows packaged files only through its trust"));
  size_t trust = out.find("allow perm=execute all : trust=1\n");
  ASSERT_NE(trust, std::string::npos);
  EXPECT_EQ(out.find("allow perm=execute all : trust=1\n", trust + 1), std::string::npos);
}

TEST(FapolicydExport, SignerRulesAreWidenedVisibly) {
  Allowlist a;
  a.processes = {
      testing::PRule("p-1", ProcessRuleKind::kPublisherPath, "/opt/vendor/", {}, "Vendor"),
      testing::PRule("p-2", ProcessRuleKind::kPathSigner, "C:\\X\\a.exe", {}, "Vendor")};
  std::string out = Export(a, {});
  EXPECT_THAT(out, HasSubstr("# WIDENED: fapolicyd cannot check an Authenticode signer ('Vendor'); "
                             "any file under this folder is allowed\nallow perm=execute all : "
                             "dir=/opt/vendor/\n"));
  EXPECT_THAT(out, HasSubstr("# NOT EXPORTED p-2 (path-signer C:\\X\\a.exe): it is not an "
                             "absolute Linux path"));
}

TEST(FapolicydExport, ALineBreakInAValueIsAnErrorNotANewRule) {
  Allowlist a;
  a.processes = {
      testing::PRule("p-bad", ProcessRuleKind::kPath, "/opt/x\nallow perm=any all : all")};
  auto target = FindExportTarget("fapolicyd");
  ASSERT_TRUE(target.has_value());
  auto out = (*target)->Export(a, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.error().message()), HasSubstr("p-bad: path"));
}

TEST(FapolicydExport, NetworkRulesAreReferredToNftables) {
  std::string out = Export(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("export them with --format nftables"));
  EXPECT_THAT(out, Not(HasSubstr("5450")));
}

}  // namespace
}  // namespace otguard::host
