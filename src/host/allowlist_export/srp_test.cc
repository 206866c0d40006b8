#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/allowlist_export/testing/export_run.h"
#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRoot[] =
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers";

// The file's UTF-16LE (after its byte-order mark) as UTF-8, for the assertions.
std::string Utf8(const std::string& file) {
  EXPECT_TRUE(file.starts_with("\xff\xfe")) << "no UTF-16LE byte-order mark";
  EXPECT_EQ(file.size() % 2, 0u);
  std::string out;
  for (size_t i = 2; i + 1 < file.size(); i += 2) {
    uint32_t u = static_cast<uint8_t>(file[i]) | static_cast<uint8_t>(file[i + 1]) << 8;
    if (u < 0x80) {
      out += static_cast<char>(u);
    } else if (u < 0x800) {
      out += static_cast<char>(0xc0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (u >> 12));
      out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (u & 0x3f));
    }
  }
  return out;
}

Result<std::string> Export(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExport("srp", a, o);
}
std::string ExportOk(const Allowlist& a, const ExportOptions& o) {
  return Utf8(export_test::RunExportOk("srp", a, o));
}

TEST(SrpExport, RegeditFileInUtf16WithCrlfLines) {
  std::string out = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  EXPECT_TRUE(out.starts_with("Windows Registry Editor Version 5.00\r\n\r\n"));
  for (size_t i = out.find('\n'); i != std::string::npos; i = out.find('\n', i + 1)) {
    ASSERT_GT(i, 0u);
    ASSERT_EQ(out[i - 1], '\r') << "a bare LF at byte " << i;
  }
}

TEST(SrpExport, StagedUnrestrictedByDefault) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(out, HasSubstr(std::string(kRoot) + "]\r\n\"DefaultLevel\"=dword:00040000\r\n"));
  auto refused = Export(testing::WindowsStation(), testing::Enforce());
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(std::string(refused.error().message()), HasSubstr("--windows-defaults"));
  std::string enforce = ExportOk(testing::WindowsStation(), testing::Enforce(true));
  EXPECT_THAT(enforce, HasSubstr("\"DefaultLevel\"=dword:00000000\r\n"));
  // The SystemRoot rule, a REG_EXPAND_SZ ("%" makes it hex(2)): UTF-16LE of "%HKEY_...".
  EXPECT_THAT(enforce, HasSubstr("\"ItemData\"=hex(2):25,00,48,00,4b,00,45,00,59,00,5f,00"));
}

TEST(SrpExport, HashRuleWithMd5AndSize) {
  std::string out = ExportOk(testing::WindowsStation(), testing::WindowsFacts());
  EXPECT_THAT(out, HasSubstr("\\262144\\Hashes\\{"));
  EXPECT_THAT(out, HasSubstr("\"FriendlyName\"=\"opc.exe\"\r\n\"HashAlg\"=dword:00008003\r\n"
                             "\"ItemData\"=hex:01,23,45,67,89,ab,cd,ef,01,23,45,67,89,ab,cd,ef\r\n"
                             "\"ItemSize\"=hex(b):87,d6,12,00,00,00,00,00\r\n"));
  // The old hash has no MD5: the path instead, said so.
  EXPECT_THAT(out, HasSubstr("; WIDENED p-0a1b2c3d4e5f: no MD5 known for SHA-256 " +
                             std::string(testing::kOpcOldSha256)));
  EXPECT_THAT(out,
              HasSubstr("\"ItemData\"=\"C:\\\\Program Files\\\\Yokogawa\\\\CENTUM\\\\opc.exe\""));
}

TEST(SrpExport, PathRulesEscapeAndWidenVisibly) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(out, HasSubstr("\\262144\\Paths\\{"));
  EXPECT_THAT(out, HasSubstr("\"ItemData\"=\"C:\\\\Tools\\\\R&D <test>\\\\trend.exe\"\r\n"));
  EXPECT_THAT(out, HasSubstr("; WIDENED: the signer 'Yokogawa Electric Corporation' is not "
                             "checked; any file under the folder is allowed"));
  Allowlist quoted;
  quoted.processes = {testing::PRule("p-q", ProcessRuleKind::kPath, "C:\\a \"b\".exe")};
  EXPECT_THAT(ExportOk(quoted, {}), HasSubstr("\"ItemData\"=\"C:\\\\a \\\"b\\\".exe\"\r\n"));
}

TEST(SrpExport, NonAsciiPathsAsTheyAre) {
  Allowlist a;
  a.processes = {testing::PRule("p-u", ProcessRuleKind::kPath, "C:\\\xc3\xa9")};
  EXPECT_THAT(ExportOk(a, {}), HasSubstr("\"ItemData\"=\"C:\\\\\xc3\xa9\"\r\n"));
  // A variable to expand: REG_EXPAND_SZ, UTF-16LE with its NUL ("%A%").
  a.processes[0].path = "%A%";
  EXPECT_THAT(ExportOk(a, {}), HasSubstr("\"ItemData\"=hex(2):25,00,41,00,25,00,00,00\r\n"));
}

TEST(SrpExport, GuidsAreStable) {
  EXPECT_EQ(ExportOk(testing::WindowsStation(), testing::WindowsFacts()),
            ExportOk(testing::WindowsStation(), testing::WindowsFacts()));
}

}  // namespace
}  // namespace otguard::host
