#include "otguard/platform/services.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "platform/linux/testing/fake_host.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::ElementsAre;
using testutil::TempDir;

using fakes::FakeHost;

std::map<std::string, ServiceInfo> ByName(const std::vector<ServiceInfo>& list) {
  std::map<std::string, ServiceInfo> out;
  for (const ServiceInfo& s : list) out.emplace(s.name, s);
  return out;
}

TEST(ListServicesTest, ReadsUnitsInSystemdSearchOrder) {
  FakeHost host;
  host.Write("lib/systemd/system/plc-gw.service",
             "[Unit]\nDescription=Packaged gateway\n[Service]\nExecStart=/usr/bin/gw\n");
  host.Write("etc/systemd/system/plc-gw.service",  // the administrator's copy wins
             "[Unit]\nDescription=Local gateway\n[Service]\nExecStart=/usr/local/bin/gw -c x\n");
  host.Write("lib/systemd/system/historian.service",
             "[Unit]\nDescription=Historian\n"
             "[Service]\nUser=hist\nExecStart=-/opt/hist/bin/hist --old\n"
             "[Install]\nWantedBy=multi-user.target\n");
  host.Write("lib/systemd/system/historian.service.d/override.conf",
             "[Service]\nExecStart=/opt/hist/bin/never\n");  // shadowed by /etc's override.conf
  host.Write("lib/systemd/system/historian.service.d/10-description.conf",
             "[Unit]\nDescription=Plant historian\n");
  host.Write("etc/systemd/system/historian.service.d/override.conf",
             "[Service]\nExecStart=\nExecStart=+/opt/hist/bin/hist --new\n");
  host.Link("/lib/systemd/system/historian.service",
            "etc/systemd/system/multi-user.target.wants/historian.service");
  host.Link("/lib/systemd/system/historian.service", "etc/systemd/system/hist-alias.service");
  host.Write("usr/lib/systemd/system/late.service", "[Service]\nExecStart=/bin/late\n");
  host.Write("run/systemd/system/transient.service", "[Service]\nExecStart=/bin/t\n");
  host.Write("lib/systemd/system/getty@.service", "[Service]\nExecStart=/sbin/agetty\n");
  host.Write("lib/systemd/system/sshd-keygen.timer", "[Timer]\nOnBootSec=1\n");
  host.Write("lib/systemd/system/remote.service", "[Service]\nExecStart=/bin/remote\n");
  host.Link("/dev/null", "etc/systemd/system/remote.service");   // masked
  host.Write("lib/systemd/system/empty.service", "");            // an empty file masks too
  host.Link("loop.service", "etc/systemd/system/loop.service");  // a link to itself

  auto list = ListServices(host.root());
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  std::vector<std::string> names;
  for (const ServiceInfo& s : *list) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("empty.service", "historian.service", "late.service",
                                 "plc-gw.service", "remote.service", "transient.service"));
  auto by_name = ByName(*list);

  const ServiceInfo& gw = by_name["plc-gw.service"];
  EXPECT_EQ(gw.display_name, "Local gateway");
  EXPECT_EQ(gw.description, "Local gateway");
  EXPECT_EQ(gw.binary_path, "/usr/local/bin/gw -c x");
  EXPECT_EQ(gw.account, "root");
  EXPECT_EQ(gw.config_path, "/etc/systemd/system/plc-gw.service");
  EXPECT_EQ(gw.start_type, ServiceStartType::kManual);
  EXPECT_FALSE(gw.driver);
  // Another disk's files say nothing of what runs: the state stays unknown.
  EXPECT_EQ(gw.state, ServiceState::kUnknown);
  EXPECT_EQ(gw.pid, 0u);

  const ServiceInfo& hist = by_name["historian.service"];
  EXPECT_EQ(hist.display_name, "Plant historian");
  EXPECT_EQ(hist.binary_path, "/opt/hist/bin/hist --new");
  EXPECT_EQ(hist.account, "hist");
  EXPECT_EQ(hist.config_path, "/lib/systemd/system/historian.service");
  EXPECT_EQ(hist.start_type, ServiceStartType::kAutomatic);

  EXPECT_EQ(by_name["late.service"].config_path, "/usr/lib/systemd/system/late.service");
  EXPECT_EQ(by_name["remote.service"].start_type, ServiceStartType::kDisabled);
  EXPECT_EQ(by_name["remote.service"].config_path, "/etc/systemd/system/remote.service");
  EXPECT_EQ(by_name["empty.service"].start_type, ServiceStartType::kDisabled);
}

TEST(ListServicesTest, ListsSysvScriptsWithoutAUnit) {
  FakeHost host;
  host.Write("etc/init.d/legacy-opc",
             "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: legacy-opc\n"
             "# Short-Description: Legacy OPC DA bridge\n### END INIT INFO\nexit 0\n",
             0755);
  host.Link("../init.d/legacy-opc", "etc/rc3.d/S02legacy-opc");
  host.Link("../init.d/legacy-opc", "etc/rc0.d/K01legacy-opc");
  host.Write("etc/init.d/on-demand", "#!/bin/sh\n", 0755);
  host.Link("../init.d/on-demand", "etc/rc2.d/K01on-demand");  // stopped, never started
  host.Write("etc/init.d/historian", "#!/bin/sh\n", 0755);     // has a native unit
  host.Write("lib/systemd/system/historian.service", "[Service]\nExecStart=/bin/h\n");
  host.Write("etc/init.d/not-executable", "#!/bin/sh\n", 0644);
  host.Write("etc/init.d/README", "docs\n", 0755);

  auto list = ListServices(host.root());
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  std::vector<std::string> names;
  for (const ServiceInfo& s : *list) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("historian.service", "legacy-opc", "on-demand"));
  auto by_name = ByName(*list);
  const ServiceInfo& opc = by_name["legacy-opc"];
  EXPECT_EQ(opc.description, "Legacy OPC DA bridge");
  EXPECT_EQ(opc.display_name, "Legacy OPC DA bridge");
  EXPECT_EQ(opc.binary_path, "/etc/init.d/legacy-opc");
  EXPECT_EQ(opc.config_path, "/etc/init.d/legacy-opc");
  EXPECT_EQ(opc.account, "root");
  EXPECT_EQ(opc.start_type, ServiceStartType::kAutomatic);
  EXPECT_EQ(by_name["on-demand"].start_type, ServiceStartType::kManual);
  EXPECT_EQ(by_name["on-demand"].display_name, "on-demand");
}

TEST(ListServicesTest, MissingTreeIsNotFound) {
  TempDir dir;
  auto list = ListServices(ConfigRoot{dir.path() + "/absent"});
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code(), StatusCode::kNotFound);
}

// The live host: whatever it has (a CI container may have no systemd running and only the
// units its packages ship), a packaged unit file is listed under its name.
TEST(ListServicesTest, ListsThisHostsUnits) {
  auto list = ListServices();
  if (!list.has_value()) {
    EXPECT_EQ(list.error().code(), StatusCode::kNotFound);
    GTEST_SKIP() << "no unit directory and no /etc/init.d on this host";
  }
  std::string expected;
  std::error_code ec;
  for (const char* dir : {"/lib/systemd/system", "/usr/lib/systemd/system"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.ends_with(".service") && name.find('@') == std::string::npos &&
          e.is_regular_file() && e.file_size() > 0 && !e.is_symlink()) {
        expected = name;
        break;
      }
    }
    if (!expected.empty()) break;
  }
  bool slice = std::filesystem::is_directory("/sys/fs/cgroup/system.slice") ||
               std::filesystem::is_directory("/sys/fs/cgroup/systemd/system.slice") ||
               std::filesystem::is_directory("/sys/fs/cgroup/unified/system.slice");
  bool found = expected.empty();
  for (const ServiceInfo& s : *list) {
    EXPECT_FALSE(s.config_path.empty()) << s.name;
    if (s.name == expected) found = true;
    if (!slice) {
      EXPECT_EQ(s.state, ServiceState::kUnknown) << s.name;
    }
    if (s.state == ServiceState::kRunning) {
      EXPECT_NE(s.pid, 0u) << s.name;
    }
  }
  EXPECT_TRUE(found) << expected;
}

TEST(InstallServiceTest, WritesALowPrioritySystemdUnit) {
  TempDir dir;
  ServiceDefinition definition{.name = "otguard",
                               .display_name = "otguard agent",
                               .description = "host agent",
                               .command_line = "/usr/bin/otguard service run",
                               .auto_start = true,
                               .foreground_command_line =
                                   "/usr/bin/otguard agent run --policy /etc/otguard/agent.toml "
                                   "--state /var/lib/otguard",
                               .unit_path = dir.File("otguard.service"),
                               .memory_max_bytes = 128ull << 20};
  ASSERT_TRUE(InstallService(definition).ok());
  std::string unit = testutil::ReadAll(dir.File("otguard.service"));
  for (const char* line :
       {"ExecStart=/usr/bin/otguard agent run --policy /etc/otguard/agent.toml --state "
        "/var/lib/otguard\n",
        "Type=simple\n", "Nice=19\n", "IOSchedulingClass=idle\n", "CPUWeight=1\n",
        "MemoryMax=134217728\n", "KillSignal=SIGTERM\n", "Restart=on-failure\n",
        "WantedBy=multi-user.target\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line << " in\n" << unit;
  }
  // Never overwrites a unit someone else wrote.
  EXPECT_EQ(InstallService(definition).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(InstallService({.name = "a/b"}).code(), StatusCode::kInvalidArgument);
}

TEST(InstallServiceTest, UnitTextEscapesSpecifiers) {
  std::string unit = SystemdUnitText({.name = "x", .command_line = "/opt/100%/otguard run"});
  EXPECT_NE(unit.find("ExecStart=/opt/100%%/otguard run\n"), std::string::npos) << unit;
}

}  // namespace
}  // namespace otguard::platform
