// The evidence on a generated DCS station (host/testing/station_history.h):
// 100,000 observations merge into a small rule set; replaying the same history alerts only the
// planted transients that no rule covers; every injected anomaly is alerted.
#include <gtest/gtest.h>

#include <set>

#include "host/testing/station_history.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using testing::StationHistory;
using testing::StationHistoryOptions;

struct Learned {
  std::vector<Observation> observations;
  History history;
  Proposal proposal;
};

const Learned& Station() {
  static const Learned* learned = [] {
    auto* l = new Learned;
    StationHistory station;
    l->observations = station.All();
    for (const Observation& o : l->observations) l->history.Add(o);
    l->proposal = Learn(l->history, MergePolicy{});
    return l;
  }();
  return *learned;
}

AllowlistMatcher StationMatcher() {
  auto m = AllowlistMatcher::Build(Station().proposal.rules);
  EXPECT_TRUE(m.has_value());
  return *m;
}

std::string Key(const Observation& o) {
  if (const auto* p = std::get_if<ProcessObservation>(&o)) return p->executable + "|" + p->sha256;
  const auto& c = std::get<ConnectionObservation>(o);
  return c.executable + "|" + c.protocol + "|" + DirectionName(c.direction) + "|" +
         c.remote_address + "|" +
         std::to_string(c.direction == Direction::kOutbound ? c.remote_port : c.local_port);
}

TEST(AllowlistStation, HundredThousandObservationsMergeIntoFewRules) {
  const Learned& s = Station();
  ASSERT_EQ(s.observations.size(), 100000u);
  const Proposal& p = s.proposal;
  size_t items = s.history.processes().size() + s.history.network().size();
  size_t rules = p.rules.processes.size() + p.rules.network.size();
  // What the station runs: 3 signed products (3 publisher+path rules for their 29 files plus
  // the historian interface alone in its folder: 1 rule), 2 plant tools, 15 Windows files (the
  // Windows folder is never a publisher folder: one rule each) = 21 process rules; 14 network
  // services (4 of them merged from 61 peers into CIDR rules). 35 in all; anything near 60 would
  // mean a merge failed (the station has ~150 distinct items).
  EXPECT_GT(items, 140u);
  EXPECT_LE(rules, 40u) << rules << " rules from " << items << " items";
  EXPECT_LT(rules, 60u);
  int publisher = 0, path_signer = 0, cidr = 0;
  for (const ProcessRule& r : p.rules.processes) {
    publisher += r.kind == ProcessRuleKind::kPublisherPath;
    path_signer += r.kind == ProcessRuleKind::kPathSigner;
    EXPECT_NE(r.kind, ProcessRuleKind::kPath);  // never made by a merge
  }
  for (const NetworkRule& r : p.rules.network) {
    cidr += r.remote.find('/') != std::string::npos;
    EXPECT_FALSE(r.executable.empty());
    if (r.remote.find('/') != std::string::npos) {
      // Never wider than the policy's /24.
      EXPECT_GE(std::stoi(r.remote.substr(r.remote.find('/') + 1)), 24) << r.remote;
    }
  }
  EXPECT_EQ(publisher, StationHistory::kPublisherFolders);
  EXPECT_EQ(path_signer, 2);  // svchost.exe and lsass.exe, patched mid-history
  EXPECT_EQ(cidr, StationHistory::kCidrRules);
  // Every widening is listed with its evidence.
  EXPECT_EQ(p.widenings.size(), static_cast<size_t>(publisher + path_signer + cidr));
  for (const Widening& w : p.widenings) EXPECT_FALSE(w.evidence.empty()) << w.what;
  // The transients are exactly the planted one-off items.
  std::set<std::string> planted, transient;
  const StationHistory station;
  for (const Observation& o : station.transients()) planted.insert(Key(o));
  for (const Transient& t : p.transients) {
    if (const auto* pi = std::get_if<ProcessItem>(&t.item)) {
      transient.insert(pi->executable + "|" + pi->sha256);
    } else {
      const auto& n = std::get<NetworkItem>(t.item);
      transient.insert(n.executable + "|" + n.protocol + "|" + DirectionName(n.direction) + "|" +
                       n.remote_address + "|" + std::to_string(n.port));
    }
  }
  EXPECT_EQ(transient, planted);
}

TEST(AllowlistStation, ReplayingTheHistoryAlertsOnlyUncoveredTransients) {
  // Transients are not in the rules, so the replay of the full history alerts them, unless a
  // merged rule covers them (the vendor's one-off diagnostic lies in its publisher folder).
  ReplayReport r = Replay(StationMatcher(), Station().observations);
  EXPECT_EQ(r.observations, 100000u);
  std::set<std::string> alerted;
  for (const ReplayAlert& a : r.alerts) alerted.insert(Key(a.observation));
  std::set<std::string> expected;
  const StationHistory station;
  for (const Observation& o : station.transients()) {
    const auto* p = std::get_if<ProcessObservation>(&o);
    if (p && p->executable.find("BKBOnceDump") != std::string::npos) continue;
    expected.insert(Key(o));
  }
  EXPECT_EQ(alerted, expected);
  EXPECT_EQ(r.alerts_total, 5u);  // DismHost.exe ran twice
  for (const ReplayAlert& a : r.alerts) EXPECT_FALSE(a.verdict.reason.empty());
}

TEST(AllowlistStation, EveryInjectedAnomalyIsAlerted) {
  AllowlistMatcher m = StationMatcher();
  std::vector<Observation> anomalies = StationHistory().Anomalies();
  ASSERT_GE(anomalies.size(), 10u);
  for (const Observation& o : anomalies) {
    Verdict v = std::visit([&m](const auto& x) { return m.Check(x); }, o);
    EXPECT_FALSE(v.allowed) << Key(o) << " allowed by " << v.rule_id;
    EXPECT_FALSE(v.reason.empty());
  }
  // And mixed into the history, a replay finds them all.
  std::vector<Observation> mixed = Station().observations;
  mixed.insert(mixed.begin() + 50000, anomalies.begin(), anomalies.end());
  ReplayReport r = Replay(m, mixed);
  std::set<std::string> alerted;
  for (const ReplayAlert& a : r.alerts) alerted.insert(Key(a.observation));
  for (const Observation& o : anomalies) EXPECT_TRUE(alerted.count(Key(o))) << Key(o);
}

TEST(AllowlistStation, TheGeneratorIsDeterministic) {
  StationHistoryOptions options;
  options.observations = 2000;
  std::vector<Observation> a = StationHistory(options).All();
  std::vector<Observation> b = StationHistory(options).All();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(Key(a[i]), Key(b[i])) << i;
}

}  // namespace
}  // namespace otguard::host
