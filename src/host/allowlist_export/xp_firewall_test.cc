#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/allowlist_export/testing/export_run.h"
#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ExportOk(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExportOk("xp-firewall", a, o);
}

TEST(XpFirewallExport, InboundRulesBecomeProgramExceptions) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  // opc.exe listens on 4840 for anyone.
  EXPECT_THAT(out, HasSubstr("netsh firewall add allowedprogram program=\"C:\\Program Files\\"
                             "Yokogawa\\CENTUM\\opc.exe\" name=\"otguard opc.exe\" mode=ENABLE "
                             "scope=ALL profile=ALL\r\n"));
  // hmi.exe accepts SNMP from one peer.
  EXPECT_THAT(out, HasSubstr("program=\"C:\\Program Files\\Yokogawa\\CENTUM\\hmi.exe\" "
                             "name=\"otguard hmi.exe\" mode=ENABLE scope=CUSTOM "
                             "addresses=10.1.3.7 profile=ALL"));
  EXPECT_THAT(out, HasSubstr("WIDENED: an allowed program may accept on every port"));
}

TEST(XpFirewallExport, OutboundCannotBeExpressedAndIsListed) {
  std::string out = ExportOk(testing::WindowsStation(), {});
  EXPECT_THAT(out, HasSubstr("OUTBOUND RULES CANNOT BE EXPRESSED"));
  EXPECT_THAT(out, HasSubstr("rem   n-aaaaaaaaaaaa outbound tcp 502 10.1.2.0/24 by "));
  EXPECT_THAT(out, HasSubstr("rem   n-dddddddddddd outbound tcp 102 fd00:1::/64 by "));
  EXPECT_THAT(out, Not(HasSubstr("502 name=")));
}

TEST(XpFirewallExport, SubnetsWithMasksAndPortOpenings) {
  Allowlist a;
  a.network = {testing::NRule("n-1", "", "udp", Direction::kInbound, "10.1.2.0/24", 161),
               testing::NRule("n-2", "", "udp", Direction::kInbound, "192.168.7.9", 161),
               testing::NRule("n-3", "", "tcp", Direction::kInbound, "2001:db8::1", 22)};
  std::string out = ExportOk(a, {});
  EXPECT_THAT(out, HasSubstr("netsh firewall add portopening protocol=UDP port=161 name=\"otguard "
                             "n-1, n-2\" mode=ENABLE scope=CUSTOM addresses=10.1.2.0/255.255.255.0,"
                             "192.168.7.9 profile=ALL\r\n"));
  EXPECT_THAT(out, HasSubstr("n-3 inbound tcp 22 2001:db8::1 by ? (IPv6 peer)"));
}

TEST(XpFirewallExport, OpmodeOnlyWhenEnforcing) {
  EXPECT_THAT(ExportOk(testing::WindowsStation(), {}), Not(HasSubstr("set opmode")));
  EXPECT_THAT(ExportOk(testing::WindowsStation(), testing::Enforce()),
              HasSubstr("netsh firewall set opmode mode=ENABLE exceptions=ENABLE profile=ALL\r\n"));
}

}  // namespace
}  // namespace otguard::host
