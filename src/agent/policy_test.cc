#include "otguard/agent/policy.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace otguard::agent {
namespace {

using std::chrono::milliseconds;

constexpr char kFull[] = R"(
[observe]
process_source = "proc-poll"
poll_interval = "200ms"
connections_interval = 2

[allowlist]
mode = "enforce"
file = "/var/lib/otguard/allowlist.toml"
critical = ["/usr/sbin/sshd", "/opt/dcs/bin/opcserver"]

[upgrades]
windows = ["Sun 02:00-04:00", "2026-12-06T02:00:00Z/2026-12-06T04:00:00Z"]
trusted_updaters = ["/usr/bin/dpkg"]

[schedule.inventory]
every = "24h"

[schedule.scan]
at = "03:30"
paths = ["/opt", "/usr/local"]
exclude = ["*.log"]
max_cpu_percent = 5
threads = 2
max_filesize = "50M"

[schedule.hunt]
every = "7d"
packs = ["/etc/otguard/site.toml"]

[spool]
max_bytes = "16M"

[history]
max_bytes = "1G"
keep_days = 30
)";

TEST(PolicyTest, EmptyFileIsLearnModeWithNothingScheduled) {
  auto policy = ParsePolicy("", "agent.toml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  EXPECT_EQ(policy->allowlist.mode, AllowlistMode::kLearn);
  EXPECT_EQ(policy->observe.process_source, "auto");
  EXPECT_FALSE(policy->schedule.inventory.enabled());
  EXPECT_FALSE(policy->schedule.scan.when.enabled());
  EXPECT_GT(policy->spool_max_bytes, 0u);
}

TEST(PolicyTest, ReadsEverySection) {
  auto policy = ParsePolicy(kFull, "agent.toml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  EXPECT_EQ(policy->observe.process_source, "proc-poll");
  EXPECT_EQ(policy->observe.poll_interval, milliseconds(200));
  EXPECT_EQ(policy->observe.connections_interval, milliseconds(2000));
  EXPECT_EQ(policy->allowlist.mode, AllowlistMode::kEnforce);
  EXPECT_EQ(policy->allowlist.critical.size(), 2u);
  ASSERT_EQ(policy->upgrades.windows.size(), 2u);
  EXPECT_TRUE(policy->upgrades.windows[0].weekly);
  EXPECT_EQ(policy->upgrades.windows[0].begin_minute, 120);
  EXPECT_FALSE(policy->upgrades.windows[1].weekly);
  EXPECT_EQ(policy->upgrades.trusted_updaters, std::vector<std::string>{"/usr/bin/dpkg"});
  EXPECT_EQ(policy->schedule.inventory.every, std::chrono::hours(24));
  EXPECT_EQ(policy->schedule.scan.when.at_minute, 3 * 60 + 30);
  EXPECT_EQ(policy->schedule.scan.paths.size(), 2u);
  EXPECT_EQ(policy->schedule.scan.max_cpu_percent, 5);
  EXPECT_EQ(policy->schedule.scan.threads, 2u);
  EXPECT_EQ(policy->schedule.scan.max_filesize, 50ull << 20);
  EXPECT_EQ(policy->schedule.hunt.when.every, std::chrono::hours(24 * 7));
  EXPECT_EQ(policy->spool_max_bytes, 16ull << 20);
  EXPECT_EQ(policy->history_max_bytes, 1ull << 30);
  EXPECT_EQ(policy->history_keep_days, 30);
}

TEST(PolicyTest, AllowlistFileMakesMonitorTheDefaultNeverEnforce) {
  auto policy = ParsePolicy("[allowlist]\nfile = \"a.toml\"\n", "p");
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->allowlist.mode, AllowlistMode::kMonitor);
}

void ExpectError(std::string_view text, std::string_view needle) {
  auto policy = ParsePolicy(text, "site.toml");
  ASSERT_FALSE(policy) << text;
  std::string message(policy.error().message());
  EXPECT_EQ(policy.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(message.find("site.toml:"), std::string::npos) << message;
  EXPECT_NE(message.find(needle), std::string::npos) << message;
}

TEST(PolicyTest, ErrorsNameTheFileAndTheKey) {
  ExpectError("[allowlist]\nmode = \"enforcing\"\nfile = \"a\"\n", "2:8: allowlist.mode: unknown");
  ExpectError("[allowlist]\nmode = \"monitor\"\n", "allowlist.mode: monitor needs allowlist.file");
  ExpectError("[observe]\npoll_interval = \"5 parsecs\"\n", "observe.poll_interval: unknown unit");
  ExpectError("[observe]\npoll_interval = \"0s\"\n", "observe.poll_interval: must be longer");
  ExpectError("[observe]\npol_interval = \"1s\"\n", "observe.pol_interval: unknown key");
  ExpectError("[spool]\nmax_bytes = \"lots\"\n", "spool.max_bytes");
  ExpectError("[history]\nkeep_days = 0\n", "history.keep_days: must be between 1");
  ExpectError("[upgrades]\nwindows = [\"Sun 02:00-04:00\", \"Funday 1-2\"]\n",
              "upgrades.windows[1]");
  ExpectError("[schedule.scan]\nevery = \"1h\"\n", "schedule.scan.paths: a scheduled scan needs");
  ExpectError("[schedule.inventory]\nat = \"25:00\"\n", "schedule.inventory.at");
  ExpectError("[sceduel]\n", "sceduel: unknown key");
  ExpectError("[observe\n", "site.toml:1:");
  ExpectError("observe = 3\n", "observe: must be a table");
}

TEST(PolicyTest, LoadPolicyNamesAMissingFile) {
  testutil::TempDir dir;
  auto missing = LoadPolicy(dir.File("none.toml"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("none.toml"), std::string::npos);
  auto good = LoadPolicy(dir.Write("p.toml", "[observe]\npoll_interval = \"2s\"\n"));
  ASSERT_TRUE(good) << good.error().ToString();
  EXPECT_EQ(good->origin, dir.File("p.toml"));
}

TEST(PolicyTest, Durations) {
  EXPECT_EQ(*ParseDuration("200ms"), milliseconds(200));
  EXPECT_EQ(*ParseDuration("5"), milliseconds(5000));
  EXPECT_EQ(*ParseDuration("10m"), std::chrono::minutes(10));
  EXPECT_EQ(*ParseDuration("2d"), std::chrono::hours(48));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration("s"));
  EXPECT_FALSE(ParseDuration("99999999999999999999d"));
  EXPECT_EQ(*ParseByteSize("64M"), 64ull << 20);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64ull << 20);
  EXPECT_EQ(*ParseByteSize("1kb"), 1024u);
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_FALSE(ParseByteSize("99999999999999999999G"));
  EXPECT_FALSE(ParseByteSize("12X"));
}

EventTime At(const char* text) { return *EventTime::ParseRfc3339(text); }

TEST(PolicyTest, WeeklyWindowsInUtc) {
  auto sunday = ParseWindow("Sun 02:00-04:00");
  ASSERT_TRUE(sunday);
  // 2026-12-06 is a Sunday.
  EXPECT_TRUE(InWindow(*sunday, At("2026-12-06T02:00:00Z")));
  EXPECT_TRUE(InWindow(*sunday, At("2026-12-06T03:59:59Z")));
  EXPECT_FALSE(InWindow(*sunday, At("2026-12-06T04:00:00Z")));
  EXPECT_FALSE(InWindow(*sunday, At("2026-12-05T03:00:00Z")));
  auto overnight = ParseWindow("sat 23:00-01:00");
  ASSERT_TRUE(overnight);
  EXPECT_TRUE(InWindow(*overnight, At("2026-12-05T23:30:00Z")));
  EXPECT_TRUE(InWindow(*overnight, At("2026-12-06T00:30:00Z")));
  EXPECT_FALSE(InWindow(*overnight, At("2026-12-06T01:30:00Z")));
  auto fixed = ParseWindow("2026-12-06T02:00:00Z/2026-12-06T04:00:00Z");
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(InWindow(*fixed, At("2026-12-06T03:00:00Z")));
  EXPECT_FALSE(InWindow(*fixed, At("2026-12-13T03:00:00Z")));
  EXPECT_FALSE(ParseWindow("2026-12-06T04:00:00Z/2026-12-06T02:00:00Z"));
  EXPECT_FALSE(ParseWindow("Sun 02:00-02:00"));
}

TEST(PolicyTest, NextRun) {
  JobSchedule every{.every = std::chrono::hours(6)};
  EXPECT_EQ(NextRun(every, At("2026-12-05T01:00:00Z")), At("2026-12-05T07:00:00Z"));
  JobSchedule daily{.at_minute = 3 * 60};
  EXPECT_EQ(NextRun(daily, At("2026-12-05T01:00:00Z")), At("2026-12-05T03:00:00Z"));
  EXPECT_EQ(NextRun(daily, At("2026-12-05T03:00:00Z")), At("2026-12-06T03:00:00Z"));
  JobSchedule off;
  EXPECT_GT(NextRun(off, At("2026-12-05T01:00:00Z")), At("2200-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace otguard::agent
