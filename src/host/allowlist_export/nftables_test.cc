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
  return export_test::RunExport("nftables", a, o);
}
std::string ExportOk(const Allowlist& a, const ExportOptions& o) {
  return export_test::RunExportOk("nftables", a, o);
}

TEST(NftablesExport, PeersOfOnePortShareOneSetPerFamily) {
  std::string out = ExportOk(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("\tset in_tcp_22_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
                             "\t\tauto-merge\n\t\telements = { 10.1.2.0/24, 10.1.2.9 }\n\t}\n"));
  EXPECT_THAT(out, HasSubstr("\t\ttcp dport 22 ip saddr @in_tcp_22_v4 accept\n"));
  EXPECT_THAT(out, HasSubstr("\t\ttcp dport 502 ip daddr @out_tcp_502_v4 accept\n"));
  EXPECT_THAT(out, HasSubstr("elements = { 2001:db8::123 }"));
  EXPECT_THAT(out, HasSubstr("\t\tudp dport 123 ip6 daddr @out_udp_123_v6 accept\n"));
}

TEST(NftablesExport, ListenAndAnyPortRules) {
  std::string out = ExportOk(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("\t\ttcp dport 5450 accept\n"));    // listening: any peer
  EXPECT_THAT(out, HasSubstr("\t\tmeta l4proto tcp accept\n"));  // by hand: any port, any peer
}

TEST(NftablesExport, MonitorAcceptsEnforceDrops) {
  std::string monitor = ExportOk(testing::LinuxHistorian(), {});
  EXPECT_THAT(monitor, HasSubstr("priority filter; policy accept;"));
  EXPECT_THAT(monitor, Not(HasSubstr("policy drop")));
  std::string enforce = ExportOk(testing::LinuxHistorian(), testing::Enforce());
  EXPECT_THAT(enforce, HasSubstr("type filter hook input priority filter; policy drop;"));
  EXPECT_THAT(enforce, HasSubstr("type filter hook output priority filter; policy drop;"));
  EXPECT_THAT(enforce, HasSubstr("ct state established,related accept"));
}

TEST(NftablesExport, SaysTheProcessBindingIsLost) {
  std::string out = ExportOk(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("# PROCESS BINDING LOST"));
  EXPECT_THAT(out, HasSubstr("n-444444444444 outbound by /opt/historian/bin/historiand"));
}

TEST(NftablesExport, ReplacesOnlyItsOwnTable) {
  std::string out = ExportOk(testing::LinuxHistorian(), {});
  EXPECT_THAT(out, HasSubstr("\ntable inet otguard\ndelete table inet otguard\n"));
  EXPECT_THAT(out, Not(HasSubstr("flush ruleset")));
}

TEST(NftablesExport, BadValuesAreErrorsNamingTheRule) {
  Allowlist a;
  a.network = {testing::NRule("n-x", "", "tcp", Direction::kOutbound, "10.1.2.300", 1)};
  auto out = Export(a, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_THAT(std::string(out.error().message()), HasSubstr("n-x: remote '10.1.2.300'"));
  a.network[0].remote = "10.1.2.5/24";
  out = Export(a, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_THAT(std::string(out.error().message()), HasSubstr("beyond its prefix length"));
  a.network[0].remote = "any";
  a.network[0].protocol = "sctp";
  out = Export(a, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_THAT(std::string(out.error().message()), HasSubstr("n-x: protocol 'sctp'"));
}

TEST(NftablesExport, ACommentCannotEscapeIntoARule) {
  Allowlist a;
  a.network = {testing::NRule("n-y", "/opt/x\naccept", "udp", Direction::kOutbound, "any", 53)};
  std::string out = ExportOk(a, {});
  EXPECT_THAT(out, HasSubstr("\t\t# allows n-y outbound by /opt/x\n\t\t# accept\n"));
}

}  // namespace
}  // namespace otguard::host
