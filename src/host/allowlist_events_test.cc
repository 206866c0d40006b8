// Allowlist alerts: the ECS fields an analyst and a SIEM rule rely on, in the one envelope.
#include "otguard/host/allowlist_events.h"

#include <gtest/gtest.h>

namespace otguard::host {
namespace {

using Json = nlohmann::json;

ProcessObservation Miner() {
  ProcessObservation p;
  p.time = *EventTime::ParseRfc3339("2026-12-05T06:37:19.123456Z");
  p.pid = 4242;
  p.ppid = 612;
  p.executable = "C:\\Windows\\dllhostex.exe";
  p.sha256 = std::string(64, 'c');
  p.parent_executable = "C:\\Windows\\System32\\services.exe";
  p.user = "NT AUTHORITY\\SYSTEM";
  p.command_line = "dllhostex.exe -o xmr.pool.minergate.com:45560";
  return p;
}

TEST(AllowlistEvents, UnknownProcess) {
  Verdict v{false, "", Mismatch::kNoRule, "no rule for C:\\Windows\\dllhostex.exe"};
  Json r = AllowlistViolationRecord(Miner(), v, "ops-station-03", "monitor");
  EXPECT_EQ(r["@timestamp"], "2026-12-05T06:37:19.123Z");
  EXPECT_EQ(r["event"]["kind"], "alert");
  EXPECT_EQ(r["event"]["module"], "allowlist");
  EXPECT_EQ(r["event"]["dataset"], "otguard.allowlist");
  EXPECT_EQ(r["event"]["category"], Json::array({"process"}));
  EXPECT_EQ(r["event"]["severity"], 4);
  EXPECT_EQ(r["otguard"]["severity"], "high");
  EXPECT_EQ(r["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(r["host"]["name"], "ops-station-03");
  EXPECT_EQ(r["rule"]["name"], "allowlist.process.unknown");
  EXPECT_EQ(r["rule"]["category"], "policy");
  EXPECT_EQ(r["rule"]["ruleset"], "allowlist");
  EXPECT_FALSE(r["rule"].contains("id"));
  EXPECT_EQ(r["process"]["executable"], "C:\\Windows\\dllhostex.exe");
  EXPECT_EQ(r["process"]["name"], "dllhostex.exe");
  EXPECT_EQ(r["process"]["pid"], 4242);
  EXPECT_EQ(r["process"]["hash"]["sha256"], std::string(64, 'c'));
  EXPECT_EQ(r["process"]["parent"]["executable"], "C:\\Windows\\System32\\services.exe");
  EXPECT_EQ(r["process"]["parent"]["pid"], 612);
  EXPECT_EQ(r["process"]["command_line"], Miner().command_line);
  EXPECT_EQ(r["user"]["name"], "NT AUTHORITY\\SYSTEM");
  EXPECT_EQ(r["otguard"]["allowlist"]["reason"], v.reason);
  EXPECT_EQ(r["otguard"]["allowlist"]["mismatch"], "no-rule");
  EXPECT_EQ(r["otguard"]["allowlist"]["mode"], "monitor");
  EXPECT_FALSE(r.contains("threat"));
}

// The rule name follows the structured mismatch, never the reason's wording.
TEST(AllowlistEvents, RuleNameFollowsTheMismatchNotTheWording) {
  Verdict v{false, "", Mismatch::kSignerChanged, "anything at all"};
  Json r = AllowlistViolationRecord(Miner(), v, "ops-station-03", "monitor");
  EXPECT_EQ(r["rule"]["name"], "allowlist.program.modified");
  EXPECT_EQ(r["otguard"]["allowlist"]["mismatch"], "signer-changed");
  v = {false, "", Mismatch::kSignerNotAllowed, "allowlisted program changed: (old wording)"};
  r = AllowlistViolationRecord(Miner(), v, "ops-station-03", "monitor");
  EXPECT_EQ(r["rule"]["name"], "allowlist.process.unknown");
}

// The real matcher's verdicts, so a change of its wording cannot silently turn a modified
// allowlisted program into an "unknown process" alert.
TEST(AllowlistEvents, TheMatchersVerdictsGiveTheRightRuleName) {
  Allowlist list;
  ProcessRule rule;
  rule.id = "p-0123456789ab";
  rule.kind = ProcessRuleKind::kHash;
  rule.path = "C:\\Windows\\dllhostex.exe";
  rule.sha256 = {std::string(64, 'a')};
  list.processes.push_back(rule);
  auto matcher = AllowlistMatcher::Build(list);
  ASSERT_TRUE(matcher) << matcher.error().ToString();
  ProcessObservation changed = Miner();  // same path, content 'ccc...'
  Verdict v = matcher->Check(changed);
  ASSERT_FALSE(v.allowed);
  EXPECT_EQ(AllowlistViolationRecord(changed, v, "h", "monitor")["rule"]["name"],
            "allowlist.program.modified");
  EXPECT_EQ(AllowlistViolationRecord(changed, v, "h", "monitor")["rule"]["id"], rule.id);
  ProcessObservation unknown = Miner();
  unknown.executable = "C:\\Windows\\Temp\\x.exe";
  v = matcher->Check(unknown);
  ASSERT_FALSE(v.allowed);
  EXPECT_EQ(AllowlistViolationRecord(unknown, v, "h", "monitor")["rule"]["name"],
            "allowlist.process.unknown");
}

TEST(AllowlistEvents, ModifiedProgramNamesTheRuleAndMasquerading) {
  Verdict v{false, "p-0123456789ab", Mismatch::kContentChanged,
            "sha256 cccc... is not one of the 2 hashes of p-0123456789ab"};
  Json r = AllowlistViolationRecord(Miner(), v, "ops-station-03", "enforce");
  EXPECT_EQ(r["rule"]["name"], "allowlist.program.modified");
  EXPECT_EQ(r["rule"]["id"], "p-0123456789ab");
  EXPECT_EQ(r["threat"]["technique"]["id"], Json::array({"T0849"}));
  EXPECT_EQ(r["threat"]["technique"]["name"], Json::array({"Masquerading"}));
  EXPECT_EQ(r["otguard"]["allowlist"]["mode"], "enforce");
}

ConnectionObservation Connection(Direction d) {
  ConnectionObservation c;
  c.time = *EventTime::ParseRfc3339("2026-12-05T06:37:20Z");
  c.pid = 4242;
  c.executable = "C:\\Windows\\dllhostex.exe";
  c.protocol = "tcp";
  c.direction = d;
  c.local_address = "192.168.110.121";
  c.local_port = 50123;
  if (d != Direction::kListen) {
    c.remote_address = "45.76.48.72";
    c.remote_port = 45560;
  }
  return c;
}

TEST(AllowlistEvents, UnknownOutboundConnectionGoesFromHereToThere) {
  Json r = AllowlistViolationRecord(Connection(Direction::kOutbound),
                                    {false, "", Mismatch::kUnknownService, "no rule"},
                                    "ops-station-03", "monitor");
  EXPECT_EQ(r["rule"]["name"], "allowlist.network.unknown");
  EXPECT_EQ(r["event"]["category"], Json::array({"network"}));
  EXPECT_EQ(r["event"]["severity"], 3);
  EXPECT_EQ(r["source"]["ip"], "192.168.110.121");
  EXPECT_EQ(r["source"]["port"], 50123);
  EXPECT_EQ(r["destination"]["ip"], "45.76.48.72");
  EXPECT_EQ(r["destination"]["port"], 45560);
  EXPECT_EQ(r["network"]["transport"], "tcp");
  EXPECT_EQ(r["network"]["direction"], "outbound");
  EXPECT_EQ(r["otguard"]["allowlist"]["direction"], "outbound");
  EXPECT_EQ(r["otguard"]["allowlist"]["mismatch"], "unknown-service");
  EXPECT_EQ(r["process"]["executable"], "C:\\Windows\\dllhostex.exe");
}

TEST(AllowlistEvents, InboundHasThePeerAsSourceAndListenHasNoDestination) {
  Json in = AllowlistViolationRecord(Connection(Direction::kInbound), {}, "h", "monitor");
  EXPECT_EQ(in["source"]["ip"], "45.76.48.72");
  EXPECT_EQ(in["destination"]["port"], 50123);
  EXPECT_EQ(in["network"]["direction"], "inbound");
  Json listen = AllowlistViolationRecord(Connection(Direction::kListen), {}, "h", "monitor");
  EXPECT_EQ(listen["source"]["port"], 50123);
  EXPECT_FALSE(listen.contains("destination"));
  EXPECT_FALSE(listen["network"].contains("direction"));  // ECS has no word for it
  EXPECT_EQ(listen["otguard"]["allowlist"]["direction"], "listen");
}

}  // namespace
}  // namespace otguard::host
