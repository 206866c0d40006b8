#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/allowlist_export/testing/export_run.h"
#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Result<std::string> Export(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExport("windows-firewall", a, o);
}
std::string ExportOk(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExportOk("windows-firewall", a, o);
}

TEST(WindowsFirewallExport, RulesKeepTheirProgram) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(
      out,
      HasSubstr(
          "netsh advfirewall firewall add rule name=\"otguard n-aaaaaaaaaaaa\" dir=out "
          "action=allow "
          "enable=yes profile=any program=\"C:\\Program Files\\Yokogawa\\CENTUM\\opc.exe\" "
          "protocol=TCP remoteport=502 remoteip=10.1.2.0/24 description=\"otguard allowlist rule "
          "n-aaaaaaaaaaaa 5 peers\"\r\n"));
  EXPECT_THAT(out, HasSubstr("name=\"otguard n-bbbbbbbbbbbb\" dir=in action=allow enable=yes "
                             "profile=any program=\"C:\\Program Files\\Yokogawa\\CENTUM\\opc.exe\" "
                             "protocol=TCP localport=4840 remoteip=any"));
  EXPECT_THAT(out, HasSubstr("dir=in action=allow enable=yes profile=any program=\"C:\\Program "
                             "Files\\Yokogawa\\CENTUM\\hmi.exe\" protocol=UDP localport=161 "
                             "remoteip=10.1.3.7"));
  EXPECT_THAT(out, HasSubstr("protocol=TCP remoteport=102 remoteip=fd00:1::/64"));
}

TEST(WindowsFirewallExport, RerunReplacesItsOwnRules) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  size_t del = out.find("netsh advfirewall firewall delete rule name=\"otguard n-aaaaaaaaaaaa\"");
  size_t add = out.find("netsh advfirewall firewall add rule name=\"otguard n-aaaaaaaaaaaa\"");
  ASSERT_NE(del, std::string::npos);
  EXPECT_LT(del, add);
  EXPECT_THAT(out, Not(HasSubstr("name=all")));
}

TEST(WindowsFirewallExport, DefaultPolicyChangesOnlyWhenEnforcing) {
  EXPECT_THAT(ExportOk(testing::WindowsStation(), {}), Not(HasSubstr("firewallpolicy")));
  EXPECT_THAT(ExportOk(testing::WindowsStation(), testing::Enforce()),
              HasSubstr("netsh advfirewall set allprofiles firewallpolicy "
                        "blockinbound,blockoutbound\r\n"));
}

TEST(WindowsFirewallExport, QuotesAndPercentCannotBreakTheScript) {
  Allowlist a;
  a.network = {testing::NRule("n-1", "C:\\a\".exe", "tcp", Direction::kOutbound, "any", 1)};
  auto refused = Export(a, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(std::string(refused.error().message()), HasSubstr("n-1: executable"));
  a.network[0].executable = "C:\\a.exe";
  a.network[0].comment = "50% \"quoted\" ^ %~x";
  std::string out = ExportOk(a, {});
  EXPECT_THAT(out, HasSubstr("rem n-1 outbound tcp 1 any by C:\\a.exe: 50%% \"quoted\"  %%~x\r\n"));
  EXPECT_THAT(out, HasSubstr("description=\"otguard allowlist rule n-1 50  'quoted' ^  ~x\""));
}

}  // namespace
}  // namespace otguard::host
