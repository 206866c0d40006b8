// Runs on Linux and, under Wine, on Windows: the same schema from both.
#include "otguard/host/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "otguard/host/inventory_events.h"
#include "otguard/platform/process.h"

namespace otguard::host {
namespace {

TEST(InventoryTest, UnknownCollectorIsRejected) {
  auto inv = TakeInventory({.only = {"processes", "gpus"}});
  ASSERT_FALSE(inv.has_value());
  EXPECT_EQ(inv.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(inv.error().message().find("gpus"), std::string::npos);
}

TEST(InventoryTest, RunsOnlyTheCollectorsAsked) {
  auto inv = TakeInventory({.only = {"processes"}});
  ASSERT_TRUE(inv.has_value());
  ASSERT_EQ(inv->collectors.size(), 1u);
  EXPECT_EQ(inv->collectors[0].name, "processes");
  EXPECT_TRUE(inv->services.empty());
  EXPECT_FALSE(inv->os.has_value());
}

TEST(InventoryTest, FindsThisProcessAndTheOs) {
  auto inv = TakeInventory({});
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(inv->collectors.size(), CollectorNames().size());
  EXPECT_EQ(inv->host_name, platform::HostName());
  ASSERT_TRUE(inv->os.has_value());
  EXPECT_FALSE(inv->os->family.empty());
  auto self = std::find_if(inv->processes.begin(), inv->processes.end(),
                           [](const auto& p) { return p.pid == platform::CurrentProcessId(); });
  ASSERT_NE(self, inv->processes.end());
  // Its parent may be 0: a process started from Linux under Wine has no Windows parent.
  EXPECT_NE(self->ppid, self->pid);
  EXPECT_FALSE(self->name.empty());
  EXPECT_TRUE(std::is_sorted(inv->processes.begin(), inv->processes.end(),
                             [](const auto& a, const auto& b) { return a.pid < b.pid; }));
}

TEST(InventoryTest, RecordsFollowTheEventSchema) {
  auto inv = TakeInventory({});
  ASSERT_TRUE(inv.has_value());
  std::vector<nlohmann::json> records = InventoryRecords(*inv);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records[0]["event"]["dataset"], "otguard.inventory.host");
  EXPECT_EQ(records[0]["otguard"]["collectors"].size(), CollectorNames().size());
  size_t processes = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r["event"]["kind"], "state");
    EXPECT_EQ(r["event"]["module"], "inventory");
    EXPECT_EQ(r["otguard"]["schema_version"], kInventorySchemaVersion);
    EXPECT_EQ(r["host"]["name"], inv->host_name);
    ASSERT_TRUE(r["@timestamp"].is_string());
    EXPECT_EQ(r["@timestamp"].get<std::string>().back(), 'Z');
    if (r["event"]["dataset"] == "otguard.inventory.process") {
      ++processes;
      EXPECT_TRUE(r["process"]["pid"].is_number_unsigned());
      EXPECT_TRUE(r["process"]["parent"]["pid"].is_number_unsigned());
      EXPECT_TRUE(r["process"]["name"].is_string());
    }
    if (r["event"]["dataset"] == "otguard.inventory.socket") {
      EXPECT_TRUE(r["network"]["transport"] == "tcp" || r["network"]["transport"] == "udp");
      EXPECT_TRUE(r["source"]["port"].is_number_unsigned());
    }
  }
  EXPECT_EQ(processes, inv->processes.size());
}

TEST(InventoryTest, FailedCollectorIsAnOutcomeNotAnError) {
  // Hotfixes do not exist on Linux; on Windows the list may be empty. Either way the
  // inventory stands and says what happened.
  auto inv = TakeInventory({.only = {"hotfixes"}});
  ASSERT_TRUE(inv.has_value());
  ASSERT_EQ(inv->collectors.size(), 1u);
  const CollectorOutcome& outcome = inv->collectors[0];
  if (!outcome.status.ok()) {
    EXPECT_EQ(outcome.status.code(), StatusCode::kUnimplemented);
    auto records = InventoryRecords(*inv);
    EXPECT_EQ(records[0]["otguard"]["collectors"][0]["status"], "unsupported");
    EXPECT_TRUE(records[0]["otguard"]["collectors"][0]["message"].is_string());
  }
}

}  // namespace
}  // namespace otguard::host
