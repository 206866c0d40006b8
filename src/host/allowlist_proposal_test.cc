// The proposal file keeps what the review shows; a policy's [merge] table is read strictly;
// approving versions the list and records who did it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "otguard/host/allowlist.h"
#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

EventTime At(std::string_view text) { return *EventTime::ParseRfc3339(text); }

Proposal Example() {
  Proposal p;
  p.rules.host = "ops-station-03";
  ProcessRule r;
  r.id = "p-0123456789ab";
  r.kind = ProcessRuleKind::kPublisherPath;
  r.path = "C:\\Program Files\\Yokogawa\\";
  r.signer = "Yokogawa Electric Corporation";
  r.comment = "4 files";
  p.rules.processes.push_back(r);
  NetworkRule n;
  n.id = "n-0123456789ab";
  n.executable = "C:\\Program Files\\Yokogawa\\opc.exe";
  n.protocol = "tcp";
  n.direction = Direction::kOutbound;
  n.remote = "10.1.2.0/24";
  n.port = 502;
  p.rules.network.push_back(n);
  p.widenings.push_back(
      {"p-0123456789ab",
       "publisher+path: any file under C:\\Program Files\\Yokogawa\\",
       {"C:\\Program Files\\Yokogawa\\a.exe", "C:\\Program Files\\Yokogawa\\b.exe"}});
  ProcessItem item;
  item.executable = "C:\\Windows\\Temp\\x.exe";
  item.sha256 = std::string(64, 'e');
  item.seen.count = 1;
  item.seen.first_seen = item.seen.last_seen = At("2026-12-05T03:00:00Z");
  p.transients.push_back({item, "seen once"});
  NetworkItem net;
  net.executable = "C:\\Windows\\Temp\\x.exe";
  net.protocol = "tcp";
  net.direction = Direction::kOutbound;
  net.remote_address = "45.76.48.72";
  net.port = 45560;
  net.seen.count = 2;
  net.seen.first_seen = At("2026-12-05T03:00:00Z");
  net.seen.last_seen = At("2026-12-05T03:04:00Z");
  p.transients.push_back({net, "seen 2 times within 4 min"});
  return p;
}

TEST(AllowlistProposal, FileKeepsRulesAndReviewNotes) {
  Proposal p = Example();
  std::string text = FormatProposal(p);
  auto back = ParseProposal(text, "proposal.toml");
  ASSERT_TRUE(back) << back.error().ToString() << "\n" << text;
  EXPECT_EQ(back->rules, p.rules);
  ASSERT_EQ(back->widenings.size(), 1u);
  EXPECT_EQ(back->widenings[0].evidence, p.widenings[0].evidence);
  ASSERT_EQ(back->transients.size(), 2u);
  const auto& item = std::get<ProcessItem>(back->transients[0].item);
  EXPECT_EQ(item.executable, "C:\\Windows\\Temp\\x.exe");
  EXPECT_EQ(item.seen.count, 1u);
  const auto& net = std::get<NetworkItem>(back->transients[1].item);
  EXPECT_EQ(net.port, 45560);
  EXPECT_EQ(net.seen.last_seen, At("2026-12-05T03:04:00Z"));
  EXPECT_EQ(back->transients[1].why, "seen 2 times within 4 min");
  // The proposal is an allowlist too (version 0): diff and replay read it as one.
  auto rules = ParseAllowlist(text, "proposal.toml");
  ASSERT_TRUE(rules) << rules.error().ToString();
  EXPECT_EQ(*rules, p.rules);
}

TEST(AllowlistProposal, AnApprovedAllowlistCannotCarryReviewNotes) {
  Proposal p = Example();
  p.rules.version = 3;
  auto a = ParseAllowlist(FormatProposal(p), "allowlist.toml");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message().find("review notes belong to a proposal"), std::string::npos)
      << a.error().message();
}

TEST(AllowlistProposal, ReviewShowsRulesWideningsWithEvidenceAndTransients) {
  std::string text = ReviewText(Example());
  EXPECT_NE(text.find("p-0123456789ab  publisher-path  C:\\Program Files\\Yokogawa\\ signed by "
                      "'Yokogawa Electric Corporation'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tcp outbound 10.1.2.0/24 port 502"), std::string::npos) << text;
  EXPECT_NE(text.find("from C:\\Program Files\\Yokogawa\\b.exe"), std::string::npos) << text;
  EXPECT_NE(text.find("45.76.48.72 port 45560: seen 2 times within 4 min"), std::string::npos)
      << text;
}

TEST(AllowlistProposal, ApprovalVersionsAndRecordsWhoAndWhat) {
  Proposal p = Example();
  Allowlist v1 = ApproveAllowlist(nullptr, p.rules, "engineer@ews-01", At("2026-12-05T08:00:00Z"));
  EXPECT_EQ(v1.version, 1u);
  ASSERT_EQ(v1.changes.size(), 1u);
  EXPECT_EQ(v1.changes[0].by, "engineer@ews-01");
  EXPECT_EQ(v1.changes[0].what, "approved 2 rules");
  Allowlist next = p.rules;
  next.network.clear();
  Allowlist v2 = ApproveAllowlist(&v1, next, "engineer@ews-01", At("2026-12-06T08:00:00Z"));
  EXPECT_EQ(v2.version, 2u);
  ASSERT_EQ(v2.changes.size(), 2u);
  EXPECT_EQ(v2.changes[1].version, 2u);
  EXPECT_EQ(v2.changes[1].what, "approved 1 rule: 0 added, 1 removed");
  auto back = ParseAllowlist(FormatAllowlist(v2), "allowlist.toml");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, v2);
}

TEST(MergePolicyFile, ReadsMergeTableAndLeavesOtherTables) {
  auto p = ParseMergePolicy(
      "[agent]\nmode = 'monitor'\n[merge]\ntransient_max_count = 5\n"
      "transient_max_span_seconds = 600\ncidr_min_prefix_v4 = 28\n"
      "folder_never = ['C:\\Temp\\', '/srv/upload/']\n",
      "policy.toml");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->transient_max_count, 5u);
  EXPECT_EQ(p->transient_max_span_ns, int64_t{600} * 1000000000);
  EXPECT_EQ(p->cidr_min_prefix_v4, 28);
  EXPECT_EQ(p->cidr_min_peers, MergePolicy().cidr_min_peers);
  EXPECT_EQ(p->folder_never, (std::vector<std::string>{"C:\\Temp\\", "/srv/upload/"}));
  auto bad = ParseMergePolicy("[merge]\ncidr_min_prefix_v4 = 4\n", "policy.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(
      bad.error().message().find("policy.toml: merge.cidr_min_prefix_v4: 4 is out of range 8..32"),
      std::string::npos)
      << bad.error().message();
  auto typo = ParseMergePolicy("[merge]\ncidr_min_peer = 4\n", "policy.toml");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message().find("did you mean 'cidr_min_peers'"), std::string::npos);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AllowlistApproveFile, KeepsEachPreviousVersionBesideTheFile) {
  testutil::TempDir dir;
  const std::string proposal = dir.path() + "/proposal.toml";
  const std::string into = dir.path() + "/allowlist.toml";
  std::ofstream(proposal) << FormatProposal(Example());
  auto v1 = ApproveProposalFile(proposal, into, "engineer@ews-01", At("2026-12-05T08:00:00Z"));
  ASSERT_TRUE(v1) << v1.error().ToString();
  EXPECT_EQ(v1->version, 1u);
  const std::string v1_text = Slurp(into);
  auto v2 = ApproveProposalFile(proposal, into, "engineer@ews-01", At("2026-12-06T08:00:00Z"));
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_EQ(v2->version, 2u);
  EXPECT_EQ(Slurp(into + ".v1"), v1_text);  // the previous version, byte for byte
  auto loaded = LoadAllowlistFile(into);
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  EXPECT_EQ(*loaded, *v2);
  EXPECT_EQ(loaded->changes.size(), 2u);
  // A kept version that differs is never overwritten.
  std::ofstream(into + ".v2") << "something else\n";
  auto v3 = ApproveProposalFile(proposal, into, "x", At("2026-12-07T08:00:00Z"));
  ASSERT_FALSE(v3);
  EXPECT_EQ(v3.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(LoadAllowlistFile(into)->version, 2u);
  // An approved allowlist is not a proposal.
  auto again =
      ApproveProposalFile(into, dir.path() + "/other.toml", "x", At("2026-12-07T08:00:00Z"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("not a proposal"), std::string::npos);
}

}  // namespace
}  // namespace otguard::host
