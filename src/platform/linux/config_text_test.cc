#include "platform/linux/config_text.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace otguard::platform::linux_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---- systemd ----

TEST(UnitFileTest, ReadsSectionsKeysAndContinuations) {
  auto a = ParseUnitFile(
      "# comment\n"
      "; also a comment\n"
      "[Unit]\n"
      "Description = OPC UA gateway  \n"
      "\n"
      "[Service]\r\n"
      "ExecStart=/opt/gw/bin/gw \\\n"
      "  --config /etc/gw.conf \\\n"
      "# a comment inside the continuation is skipped\n"
      "  --verbose\n"
      "User=\"gw\"\n");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].section, "Unit");
  EXPECT_EQ(a[0].key, "Description");
  EXPECT_EQ(a[0].value, "OPC UA gateway");
  EXPECT_EQ(a[1].section, "Service");
  EXPECT_EQ(a[1].value, "/opt/gw/bin/gw  --config /etc/gw.conf  --verbose");
  EXPECT_EQ(a[2].value, "\"gw\"");  // systemd leaves quotes to each setting
}

TEST(UnitFileTest, SkipsAssignmentsOutsideSectionsAndAfterBadHeaders) {
  auto a = ParseUnitFile(
      "Orphan=1\n"
      "[Service\n"
      "ExecStart=/bin/evil\n"
      "[Service]\n"
      "no equals sign here\n"
      "=novalue\n"
      "ExecStart=/bin/good\n"
      "ExecStop=/bin/stop \\");  // a continuation at the end of the file ends there
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].value, "/bin/good");
  EXPECT_EQ(a[1].value, "/bin/stop");
}

TEST(UnitFileTest, DropInsOverrideAndEmptyAssignmentResetsLists) {
  auto a = ParseUnitFile(
      "[Unit]\nDescription=Original\n"
      "[Service]\nExecStart=/usr/bin/original\nUser=plant\n");
  auto dropin = ParseUnitFile(
      "[Unit]\nDescription=Overridden\n"
      "[Service]\nExecStart=\nExecStart=/usr/local/bin/replacement -x\n");
  a.insert(a.end(), dropin.begin(), dropin.end());
  EXPECT_EQ(UnitValue(a, "Unit", "Description"), "Overridden");
  EXPECT_EQ(UnitValue(a, "Service", "User"), "plant");
  EXPECT_EQ(UnitValue(a, "Service", "Group"), "");
  EXPECT_THAT(UnitValues(a, "Service", "ExecStart"), ElementsAre("/usr/local/bin/replacement -x"));
  // Keys and sections are case-sensitive, as in systemd.
  EXPECT_THAT(UnitValues(a, "service", "ExecStart"), IsEmpty());
}

TEST(UnitFileTest, StripsExecPrefixesAndFindsTheProgram) {
  EXPECT_EQ(StripExecPrefixes("-/usr/sbin/sshd -D"), "/usr/sbin/sshd -D");
  EXPECT_EQ(StripExecPrefixes("!!@/bin/sh sh -c x"), "/bin/sh sh -c x");
  EXPECT_EQ(StripExecPrefixes("+:/bin/true"), "/bin/true");
  EXPECT_EQ(StripExecPrefixes("-"), "");
  EXPECT_EQ(CommandProgram("\"/opt/my app/bin/gw\" --x"), "/opt/my app/bin/gw");
  EXPECT_EQ(CommandProgram("'/opt/it''s/x'"), "/opt/its/x");
  EXPECT_EQ(CommandProgram("/opt/my\\ app/gw -v"), "/opt/my app/gw");
  EXPECT_EQ(CommandProgram("  LANG=C TZ=UTC  /usr/bin/backup --all"), "/usr/bin/backup");
  EXPECT_EQ(CommandProgram("test -x /usr/sbin/anacron || run-parts"), "test");
  EXPECT_EQ(CommandProgram("   "), "");
  EXPECT_EQ(CommandProgram("A=1"), "");
  EXPECT_EQ(CommandProgram("\"unterminated"), "unterminated");
}

// ---- dpkg ----

TEST(DpkgStatusTest, ReadsParagraphsAndIgnoresContinuationLines) {
  auto records = ParseDpkgStatus(
      "Package: openssh-server\n"
      "Status: install ok installed\n"
      "Priority: optional\n"
      "Architecture: amd64\n"
      "Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>\n"
      "Version: 1:9.2p1-2+deb12u3\n"
      "Description: secure shell (SSH) server\n"
      " Package: not-a-package\n"
      " .\n"
      "\t Version: 0\n"
      "\n"
      "  \n"
      "package: libc6\n"  // field names are case-insensitive
      "status: deinstall ok config-files\n"
      "architecture: amd64\n"
      "version: 2.36-9\n"
      "\n"
      "Status: install ok installed\n"  // no Package: not a package record
      "\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].package, "openssh-server");
  EXPECT_EQ(records[0].version, "1:9.2p1-2+deb12u3");
  EXPECT_EQ(records[0].architecture, "amd64");
  EXPECT_EQ(records[0].maintainer, "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>");
  EXPECT_TRUE(IsInstalledStatus(records[0].status));
  EXPECT_EQ(records[1].package, "libc6");
  EXPECT_FALSE(IsInstalledStatus(records[1].status));
  EXPECT_TRUE(IsInstalledStatus("hold ok installed"));
  EXPECT_FALSE(IsInstalledStatus("install reinstreq half-installed"));
  EXPECT_FALSE(IsInstalledStatus("install ok unpacked"));
}

TEST(DpkgListTest, NamesPackagesAndListsPaths) {
  EXPECT_EQ(PackageOfListFile("openssh-server.list"), "openssh-server");
  EXPECT_EQ(PackageOfListFile("libc6:amd64.list"), "libc6");
  EXPECT_EQ(PackageOfListFile("openssh-server.md5sums"), "");
  EXPECT_EQ(PackageOfListFile(".list"), "");
  std::vector<std::string> paths;
  ForEachListedPath("/.\n/usr\n\n/usr/bin/dpkg\r\nrelative\n/bin/ls",
                    [&](std::string_view p) { paths.emplace_back(p); });
  EXPECT_THAT(paths, ElementsAre("/.", "/usr", "/usr/bin/dpkg", "/bin/ls"));
}

// ---- cron ----

TEST(CrontabTest, ReadsSystemTableWithUserField) {
  auto jobs = ParseCrontab(
      "SHELL=/bin/sh\n"
      "PATH = /usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
      "# m h dom mon dow user  command\n"
      "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n"
      "*/5 6-18 * jan-mar mon,fri plant /opt/hist/export.sh >/dev/null 2>&1\n"
      "@reboot root /usr/local/bin/xmrig --donate-level 1\n"
      "@sometimes root /bin/false\n"  // an unknown special
      "5 4 * * root /bin/too-few\n"   // four time fields: "root" is read as the fifth, no command
      "1 2 3 4 5 lonelyuser\n"        // no command
      "1 2 3 4 5 root a=b /bin/env-in-command\n",
      /*system_table=*/true);
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[0].line, 4u);
  EXPECT_EQ(jobs[0].schedule, "17 * * * *");
  EXPECT_EQ(jobs[0].user, "root");
  EXPECT_EQ(jobs[0].command, "cd / && run-parts --report /etc/cron.hourly");
  EXPECT_EQ(jobs[1].schedule, "*/5 6-18 * jan-mar mon,fri");
  EXPECT_EQ(jobs[1].user, "plant");
  EXPECT_EQ(jobs[2].schedule, "@reboot");
  EXPECT_EQ(jobs[2].command, "/usr/local/bin/xmrig --donate-level 1");
  EXPECT_EQ(jobs[3].line, 10u);
  EXPECT_EQ(jobs[3].command, "a=b /bin/env-in-command");  // a job, not an assignment
}

TEST(CrontabTest, ReadsUserTableWithoutUserField) {
  auto jobs = ParseCrontab(
      "# DO NOT EDIT THIS FILE\n"
      "MAILTO=\"\"\n"
      "@daily /home/plant/bin/rotate\n"
      "0 3 * * * /usr/bin/python3 -c 'print(1)'\n",
      /*system_table=*/false);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].schedule, "@daily");
  EXPECT_EQ(jobs[0].user, "");
  EXPECT_EQ(jobs[0].command, "/home/plant/bin/rotate");
  EXPECT_EQ(jobs[1].line, 4u);
  EXPECT_EQ(jobs[1].command, "/usr/bin/python3 -c 'print(1)'");
}

TEST(CrontabTest, RunPartsNames) {
  EXPECT_TRUE(IsRunPartsName("logrotate"));
  EXPECT_TRUE(IsRunPartsName("0anacron"));
  EXPECT_FALSE(IsRunPartsName("backup.sh"));
  EXPECT_FALSE(IsRunPartsName("logrotate.dpkg-old"));
  EXPECT_FALSE(IsRunPartsName(".placeholder"));
  EXPECT_FALSE(IsRunPartsName(""));
}

// ---- SysV ----

TEST(SysvTest, ReadsLsbHeaderAndRcLinks) {
  EXPECT_EQ(LsbShortDescription("#!/bin/sh\n"
                                "### BEGIN INIT INFO\n"
                                "# Provides:          cron\n"
                                "# Short-Description: Regular background program processing\n"
                                "### END INIT INFO\n"),
            "Regular background program processing");
  EXPECT_EQ(LsbShortDescription("#!/bin/sh\n# Short-Description: outside the header\n"), "");
  EXPECT_EQ(RcStartLinkScript("S01cron"), "cron");
  EXPECT_EQ(RcStartLinkScript("S99rc.local"), "rc.local");
  EXPECT_EQ(RcStartLinkScript("K01cron"), "");
  EXPECT_EQ(RcStartLinkScript("Scron"), "");
  EXPECT_EQ(RcStartLinkScript("S01"), "");
  EXPECT_EQ(RcStartLinkScript("README"), "");
}

// ---- passwd / shadow ----

TEST(PasswdTest, ReadsFieldsAndRejectsMalformedLines) {
  PasswdEntry e;
  ASSERT_TRUE(ParsePasswdLine("root:x:0:0:root:/root:/bin/bash", &e));
  EXPECT_EQ(e.name, "root");
  EXPECT_EQ(e.uid, 0u);
  EXPECT_EQ(e.password, PasswordField::kShadow);
  EXPECT_EQ(e.home, "/root");
  EXPECT_EQ(e.shell, "/bin/bash");
  ASSERT_TRUE(ParsePasswdLine("op::1001:1001:Operator,,,:/home/op:/bin/sh\r", &e));
  EXPECT_EQ(e.password, PasswordField::kEmpty);
  EXPECT_EQ(e.uid, 1001u);
  EXPECT_EQ(e.shell, "/bin/sh");
  ASSERT_TRUE(ParsePasswdLine("nobody:*:65534:65534:nobody:/nonexistent:", &e));
  EXPECT_EQ(e.password, PasswordField::kLocked);
  EXPECT_EQ(e.shell, "");
  for (const char* bad :
       {"", "# comment", "+@netgroup::::::", "short:x:1:1:gecos:/home", "neg:x:-1:0::/:/bin/sh",
        "big:x:99999999999:0::/:/bin/sh", ":x:0:0::/:/bin/sh", "text:x:zero:0::/:/bin/sh"}) {
    EXPECT_FALSE(ParsePasswdLine(bad, &e)) << bad;
  }
}

TEST(ShadowTest, ClassifiesPasswordsWithoutKeepingThem) {
  ShadowEntry e;
  ASSERT_TRUE(ParseShadowLine("root:$y$j9T$abc$def:19700:0:99999:7:::", &e));
  EXPECT_EQ(e.name, "root");
  EXPECT_EQ(e.password, PasswordField::kSet);
  EXPECT_FALSE(e.expire_day.has_value());
  ASSERT_TRUE(ParseShadowLine("locked:!$6$salt$hash:19700:0:99999:7:::", &e));
  EXPECT_EQ(e.password, PasswordField::kLocked);
  ASSERT_TRUE(ParseShadowLine("daemon:*:19700:0:99999:7:::", &e));
  EXPECT_EQ(e.password, PasswordField::kLocked);
  ASSERT_TRUE(ParseShadowLine("guest::19700:0:99999:7::19000:", &e));
  EXPECT_EQ(e.password, PasswordField::kEmpty);
  ASSERT_TRUE(e.expire_day.has_value());
  EXPECT_EQ(*e.expire_day, 19000);
  EXPECT_TRUE(AccountExpired(e, 19000));  // expires at the start of that day
  EXPECT_TRUE(AccountExpired(e, 20000));
  EXPECT_FALSE(AccountExpired(e, 18999));
  ASSERT_TRUE(ParseShadowLine("zero:x:1:0:99999:7::0:", &e));
  EXPECT_FALSE(AccountExpired(e, 20000));  // 0 means "never" to shadow-utils
  EXPECT_FALSE(ParseShadowLine("short:x:1:2", &e));
  EXPECT_FALSE(ParseShadowLine("", &e));
}

}  // namespace
}  // namespace otguard::platform::linux_internal
