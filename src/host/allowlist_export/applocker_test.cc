#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "host/allowlist_export/testing/export_run.h"
#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Result<std::string> Export(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExport("applocker", a, o);
}
std::string ExportOk(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExportOk("applocker", a, o);
}

TEST(AppLockerExport, AuditOnlyByDefault) {
  std::string out = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  EXPECT_THAT(out, HasSubstr("<AppLockerPolicy Version=\"1\">\n  <RuleCollection Type=\"Exe\" "
                             "EnforcementMode=\"AuditOnly\">\n"));
  EXPECT_THAT(out, Not(HasSubstr("(Default Rule)")));
}

TEST(AppLockerExport, EnforcingNeedsMicrosoftsDefaultRules) {
  ExportOptions options = testing::WindowsFacts();
  options.enforce = true;
  auto refused = Export(testing::WindowsStation(), options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(std::string(refused.error().message()), HasSubstr("--windows-defaults"));
  options.windows_defaults = true;
  std::string out = ExportOk(testing::WindowsStation(), options);
  EXPECT_THAT(out, HasSubstr("EnforcementMode=\"Enabled\""));
  EXPECT_THAT(out, HasSubstr("<FilePathRule Id=\"a61c8b2c-a319-4cd0-9690-d2177cad7b51\""));
  EXPECT_THAT(out, HasSubstr("<FilePathCondition Path=\"%WINDIR%\\*\" />"));
  EXPECT_THAT(out, HasSubstr("<FilePathCondition Path=\"%PROGRAMFILES%\\*\" />"));
  EXPECT_THAT(out, HasSubstr("UserOrGroupSid=\"S-1-5-32-544\" Action=\"Allow\">\n      "
                             "<Conditions>\n        <FilePathCondition Path=\"*\" />"));
}

TEST(AppLockerExport, HashRuleOnlyWithTheAuthenticodeHash) {
  std::string out = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  // The known hash: its Authenticode hash, upper case, with the file's name and length.
  EXPECT_THAT(out, HasSubstr("<FileHash Type=\"SHA256\" Data=\"0x3A0F1EA1B2C3D4E5F60718293A4B5C6"
                             "D7E8F90A1B2C3D4E5F60718293A4B5C6D\" SourceFileName=\"opc.exe\" "
                             "SourceFileLength=\"1234567\" />"));
  // The flat SHA-256 never appears as an AppLocker hash.
  EXPECT_THAT(out, Not(HasSubstr("Data=\"0x9F86D081")));
  // The old hash has no facts: the path, widened and said so.
  EXPECT_THAT(out, HasSubstr("WIDENED p-0a1b2c3d4e5f: no Authenticode hash known for SHA-256 " +
                             std::string(testing::kOpcOldSha256)));
  EXPECT_THAT(out, HasSubstr("<FilePathCondition Path=\"C:\\Program Files\\Yokogawa\\CENTUM\\"
                             "opc.exe\" />"));
}

TEST(AppLockerExport, WithoutFactsNoHashRuleAtAll) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(out, Not(HasSubstr("<FileHashRule")));
}

TEST(AppLockerExport, PublisherRulesOnlyForAFullSubject) {
  std::string out = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  EXPECT_THAT(out, HasSubstr("<FilePublisherCondition PublisherName=\"O=YOKOGAWA ELECTRIC "
                             "CORPORATION, L=MUSASHINO-SHI, S=TOKYO, C=JP\" ProductName=\"*\" "
                             "BinaryName=\"*\">\n          <BinaryVersionRange LowSection=\"*\" "
                             "HighSection=\"*\" />"));
  // The signer without a known subject: its folder, never a publisher name that cannot match.
  EXPECT_THAT(out, Not(HasSubstr("PublisherName=\"Historian Vendor GmbH\"")));
  EXPECT_THAT(out, HasSubstr("<FilePathCondition Path=\"C:\\Program Files\\Historian\\*\" />"));
  EXPECT_THAT(out, HasSubstr("WIDENED: the full certificate subject of 'Historian Vendor GmbH'"));
}

TEST(AppLockerExport, EscapesXml) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(out, HasSubstr("Path=\"C:\\Tools\\R&amp;D &lt;test&gt;\\trend.exe\""));
  EXPECT_THAT(out, Not(HasSubstr("R&D")));
}

TEST(AppLockerExport, CommentsNeverCloseEarly) {
  Allowlist a = testing::WindowsStation();
  a.host = "evil --> <AppLockerPolicy";
  a.processes[1].comment = "a -- b -";
  std::string out = ExportOk(a, {});
  EXPECT_THAT(out, Not(HasSubstr("evil -->")));
  EXPECT_THAT(out, HasSubstr("evil -\u2011> <AppLockerPolicy"));
  EXPECT_THAT(out, HasSubstr("<!-- p-111111111111 path: a -\u2011 b -  -->"));
  // The same text in an attribute needs no change.
  EXPECT_THAT(out, HasSubstr("Description=\"a -- b -\""));
}

TEST(AppLockerExport, RuleIdsAreStableGuidsAndUnique) {
  std::string first = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  std::string second = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  EXPECT_EQ(first, second);
  std::regex id_re("Id=\"([^\"]*)\"");
  std::set<std::string> ids;
  size_t count = 0;
  for (auto it = std::sregex_iterator(first.begin(), first.end(), id_re);
       it != std::sregex_iterator(); ++it) {
    std::string id = (*it)[1];
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}")))
        << id;
    ids.insert(id);
    ++count;
  }
  EXPECT_GE(count, 6u);
  EXPECT_EQ(ids.size(), count);
}

TEST(AppLockerExport, BadUtf8IsAnError) {
  Allowlist a;
  a.processes = {testing::PRule("p-u", ProcessRuleKind::kPath, "C:\\\xff.exe")};
  auto out = Export(a, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_THAT(std::string(out.error().message()), HasSubstr("p-u: a value is not valid UTF-8"));
}

}  // namespace
}  // namespace otguard::host
