#include "agent/observe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/upgrades.h"
#include "testing/temp_dir.h"

namespace otguard::agent::internal {
namespace {

using platform::SocketEndpoint;
using platform::SocketProtocol;

SocketEndpoint Tcp(std::string local, uint16_t lport, std::string remote, uint16_t rport,
                   std::string state, uint32_t pid) {
  return {SocketProtocol::kTcp, 4,     std::move(local), lport,
          std::move(remote),    rport, std::move(state), pid};
}

TEST(ClassifySocketsTest, ListenInboundOutboundAndLeftOut) {
  ProcessTable processes;
  processes.Started(10, "/usr/sbin/opcd");
  processes.Started(20, "/usr/bin/client");
  std::vector<SocketEndpoint> sockets = {
      Tcp("0.0.0.0", 4840, "", 0, "LISTEN", 10),
      Tcp("10.0.0.5", 4840, "10.0.0.9", 51000, "ESTABLISHED", 10),  // a client of ours
      Tcp("10.0.0.5", 52000, "10.0.0.7", 502, "ESTABLISHED", 20),   // we are the client
      Tcp("10.0.0.5", 52001, "10.0.0.7", 502, "TIME_WAIT", 20),     // past its life
      Tcp("10.0.0.5", 52002, "10.0.0.7", 502, "ESTABLISHED", 0),    // owner unknown
      {SocketProtocol::kUdp, 4, "0.0.0.0", 161, "", 0, "", 10},     // bound UDP: listening
  };
  auto out = ClassifySockets(sockets, processes, EventTime::FromNanos(1));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].direction, host::Direction::kListen);
  EXPECT_EQ(out[0].executable, "/usr/sbin/opcd");
  EXPECT_EQ(out[1].direction, host::Direction::kInbound);
  EXPECT_EQ(out[1].remote_address, "10.0.0.9");
  EXPECT_EQ(out[2].direction, host::Direction::kOutbound);
  EXPECT_EQ(out[2].remote_port, 502);
  EXPECT_EQ(out[3].direction, host::Direction::kListen);
  EXPECT_EQ(out[3].protocol, "udp");
  // Asked for, the live socket without an owner is given apart (the agent counts those).
  std::vector<host::ConnectionObservation> unowned;
  EXPECT_EQ(ClassifySockets(sockets, processes, EventTime::FromNanos(1), &unowned).size(), 4u);
  ASSERT_EQ(unowned.size(), 1u);
  EXPECT_EQ(unowned[0].local_port, 52002);
  EXPECT_EQ(unowned[0].direction, host::Direction::kOutbound);
  EXPECT_EQ(unowned[0].executable, "");
}

TEST(ConnectionTrackerTest, OneConnectionIsOneObservation) {
  ProcessTable processes;
  std::vector<SocketEndpoint> one = {Tcp("10.0.0.5", 52000, "10.0.0.7", 502, "ESTABLISHED", 20)};
  ConnectionTracker tracker;
  EXPECT_EQ(tracker.Update(ClassifySockets(one, processes, {})).size(), 1u);
  EXPECT_EQ(tracker.Update(ClassifySockets(one, processes, {})).size(), 0u);  // same, later poll
  EXPECT_EQ(tracker.Update({}).size(), 0u);                                   // closed
  EXPECT_EQ(tracker.Update(ClassifySockets(one, processes, {})).size(), 1u);  // a new one
}

TEST(FileFactsCacheTest, HashesOncePerSizeAndMtime) {
  testutil::TempDir dir;
  std::string path = dir.Write("prog", "version 1");
  FileFactsCache files(platform::ConfigRoot{dir.path()});
  std::string first = files.Get(path).sha256;
  EXPECT_EQ(first.size(), 64u);
  for (int i = 0; i < 100; ++i) files.Get(path);
  EXPECT_EQ(files.hashed(), 1u);
  std::ofstream(path, std::ios::app) << " and 2";
  EXPECT_NE(files.Get(path).sha256, first);
  EXPECT_EQ(files.hashed(), 2u);
  EXPECT_FALSE(files.Get(dir.File("missing")).error.empty());
}

TEST(UpgradeWatcherTest, ReportsAContentChangeOnce) {
  testutil::TempDir dir;
  std::string path = dir.Write("opcd", "v1");
  host::Allowlist list;
  list.processes.push_back({.id = "p-1", .kind = host::ProcessRuleKind::kHash, .path = path});
  FileFactsCache files(platform::ConfigRoot{dir.path()});
  UpgradeWatcher watcher(platform::ConfigRoot{dir.path()});
  watcher.Reset(list, files);
  EXPECT_EQ(watcher.watched(), 1u);
  EXPECT_TRUE(watcher.Poll(files).empty());
  std::ofstream(path, std::ios::app) << "-v2";
  auto changes = watcher.Poll(files);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, path);
  EXPECT_NE(changes[0].old_sha256, changes[0].new_sha256);
  EXPECT_TRUE(watcher.Poll(files).empty());
}

TEST(UpgradeWatcherTest, WeeklyWindowBecomesItsOccurrence) {
  UpgradesPolicy policy;
  policy.windows.push_back(*ParseWindow("Sat 23:00-01:00"));
  auto at = [](const char* t) { return *EventTime::ParseRfc3339(t); };
  host::UpgradePolicy inside = ConcreteUpgradePolicy(policy, at("2026-12-06T00:30:00Z"));
  ASSERT_EQ(inside.windows.size(), 1u);
  EXPECT_EQ(inside.windows[0].begin, at("2026-12-05T23:00:00Z"));
  EXPECT_EQ(inside.windows[0].end, at("2026-12-06T01:00:00Z"));
  EXPECT_TRUE(ConcreteUpgradePolicy(policy, at("2026-12-06T02:00:00Z")).windows.empty());
}

}  // namespace
}  // namespace otguard::agent::internal
