// Runs on Linux and, under Wine, on Windows: the same schema from both.
#include "otguard/host/inventory.h"
#include "host/inventory_collector.h"
#include "host/inventory_internal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "otguard/base/bytes.h"
#include "otguard/host/inventory_events.h"
#include "otguard/platform/crypto.h"
#include "otguard/platform/process.h"
#include "testing/temp_dir.h"

namespace otguard::host {
// src/host/inventory.cc

namespace {

using testutil::TempDir;

InventoryOptions Only(std::set<std::string> names) {
  InventoryOptions options;
  options.only = std::move(names);
  return options;
}

TEST(InventoryTest, UnknownCollectorIsRejected) {
  auto inv = TakeInventory(Only({"processes", "gpus"}));
  ASSERT_FALSE(inv.has_value());
  EXPECT_EQ(inv.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(inv.error().message().find("gpus"), std::string::npos);
}

TEST(InventoryTest, RunsOnlyTheCollectorsAsked) {
  auto inv = TakeInventory(Only({"processes"}));
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
    EXPECT_EQ(r["otguard"]["schema_version"], kEventSchemaVersion);
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
  auto inv = TakeInventory(Only({"hotfixes"}));
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

TEST(InventoryTest, UnderARootOnlyThatSystemIsDescribed) {
  TempDir dir;
  InventoryOptions options;
  options.root.root = dir.path();
  auto inv = TakeInventory(options);
  ASSERT_TRUE(inv.has_value());
  std::vector<std::string> ran;
  for (const auto& c : inv->collectors) ran.push_back(c.name);
  EXPECT_EQ(ran, (std::vector<std::string>{"services", "packages", "autoruns", "images"}));
  EXPECT_TRUE(inv->processes.empty());
  options.only = {"processes", "images"};
  auto mixed = TakeInventory(options);
  ASSERT_FALSE(mixed.has_value());
  EXPECT_EQ(mixed.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mixed.error().message().find("processes"), std::string::npos);
}

// ---- The images collector ----

platform::ProcessInfo Process(uint32_t pid, std::string executable) {
  platform::ProcessInfo p;
  p.pid = pid;
  p.name = "p";
  p.executable = std::move(executable);
  return p;
}

platform::Autorun AutorunOf(std::string image) {
  platform::Autorun a;
  a.kind = platform::AutorunKind::kCron;
  a.command = image + " --now";
  a.image = std::move(image);
  return a;
}

Inventory Images(Inventory inv, uint64_t max_size = uint64_t{1} << 30) {
  InventoryOptions options;
  options.max_image_size = max_size;
  auto n = internal::CollectImages(inv, options);
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  if (n) {
    EXPECT_EQ(*n, inv.images.size());
  }
  return inv;
}

TEST(InventoryImagesTest, DigestsAreThoseOfTheFile) {
  TempDir dir;
  std::string abc = dir.Write("abc", "abc");
  // The FIPS 180 / RFC 1321 test vectors; a million bytes spans many 64 KiB reads.
  std::string million = dir.Write("million", std::string(1000000, 'a'));
  Inventory inv;
  inv.processes = {Process(10, abc)};
  inv.autoruns = {AutorunOf(million)};
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 2u);
  const ImageInfo* one = FindImage(inv, abc);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->size, 3u);
  EXPECT_EQ(one->md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(one->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(one->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(one->error, "");
  const ImageInfo* two = FindImage(inv, million);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->size, 1000000u);
  EXPECT_EQ(two->md5, "7707d6ae4e027c70eea2a935c2296f21");
  EXPECT_EQ(two->sha1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  EXPECT_EQ(two->sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(InventoryImagesTest, LargerThanTheLimitIsNotReadButSaysSo) {
  TempDir dir;
  std::string at_limit = dir.Write("at-limit", std::string(10, 'x'));
  std::string over = dir.Write("over", std::string(11, 'x'));
  Inventory inv;
  inv.autoruns = {AutorunOf(at_limit), AutorunOf(over)};
  inv = Images(std::move(inv), 10);
  const ImageInfo* ok = FindImage(inv, at_limit);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->error, "");
  EXPECT_EQ(ok->sha256.size(), 64u);
  const ImageInfo* big = FindImage(inv, over);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->error, "larger than 10 bytes");
  EXPECT_EQ(big->size, 11u);
  EXPECT_EQ(big->sha256, "");
  EXPECT_EQ(big->md5, "");
}

TEST(InventoryImagesTest, MissingFilesAndDirectoriesAreErrorsNotFailures) {
  TempDir dir;
  std::string missing = dir.File("no-such-program");
  std::string directory = dir.Mkdir("a-directory");
  Inventory inv;
  inv.processes = {Process(10, missing), Process(11, directory), Process(12, "")};
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 2u);  // a process without a known image adds none
  ASSERT_NE(FindImage(inv, missing), nullptr);
  EXPECT_EQ(FindImage(inv, missing)->error, "not found");
  EXPECT_EQ(FindImage(inv, missing)->sha256, "");
  ASSERT_NE(FindImage(inv, directory), nullptr);
  EXPECT_NE(FindImage(inv, directory)->error.find("not a regular file"), std::string::npos);
}

TEST(InventoryImagesTest, OneRecordPerFileWhoeverNamesIt) {
  TempDir dir;
  std::string tool = dir.Write("tool", "#!/bin/sh\n");
  std::string dll = dir.Write("plant.dll", "MZ");
  Inventory inv;
  inv.processes = {Process(10, tool), Process(11, tool)};
  inv.autoruns = {AutorunOf(tool)};
  platform::ServiceInfo service;
  service.name = "plant";
  service.binary_path = "\"" + tool + "\" -k plant";
  service.service_dll = dll;
  inv.services = {service};
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 2u);
  EXPECT_EQ(FindImage(inv, tool)->path, tool);
  EXPECT_EQ(FindImage(inv, dll)->size, 2u);
}

TEST(InventoryImagesTest, WindowsPathsMatchWithoutCaseOrSlashKind) {
  Inventory inv;
  inv.processes = {Process(10, "C:\\OtguardNoSuchDir\\Tool.EXE"),
                   Process(11, "C:\\OtguardNoSuchDir\\b.exe")};
  inv.autoruns = {AutorunOf("c:/otguardnosuchdir/tool.exe"),
                  AutorunOf("C:\\OtguardNoSuchDir\\a.exe")};
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 3u);
  const ImageInfo* tool = FindImage(inv, "c:\\OTGUARDNOSUCHDIR\\tool.exe");
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->path, "C:\\OtguardNoSuchDir\\Tool.EXE");  // as first named (the process)
  EXPECT_EQ(FindImage(inv, "C:/OtguardNoSuchDir/A.exe")->path, "C:\\OtguardNoSuchDir\\a.exe");
  EXPECT_EQ(FindImage(inv, "C:\\OtguardNoSuchDir\\c.exe"), nullptr);
  // POSIX paths keep their case.
  EXPECT_EQ(FindImage(inv, "/otguardnosuchdir/tool.exe"), nullptr);
}

TEST(InventoryImagesTest, FindImageFindsEachOfMany) {
  TempDir dir;
  Inventory inv;
  for (uint32_t i = 0; i < 50; ++i) {
    inv.processes.push_back(Process(i, dir.File("missing-" + std::to_string(i * 7919 % 50))));
  }
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    const ImageInfo* image = FindImage(inv, dir.File("missing-" + std::to_string(i)));
    ASSERT_NE(image, nullptr) << i;
    EXPECT_EQ(image->path, dir.File("missing-" + std::to_string(i)));
  }
  EXPECT_EQ(FindImage(inv, dir.File("missing-50")), nullptr);
  EXPECT_EQ(FindImage(Inventory{}, dir.File("missing-1")), nullptr);
}

TEST(InventoryImagesTest, ServiceCommandLinesNameTheirProgram) {
  auto image = [](const std::string& command) {
    platform::ServiceInfo s;
    s.binary_path = command;
    return internal::ServiceImagePath(s, {});
  };
  EXPECT_EQ(image("\"C:\\Program Files\\Plant\\hist.exe\" -k x"),
            "C:\\Program Files\\Plant\\hist.exe");
  // Unquoted with a space: Windows tries "C:\Program.exe" first; the plant's intent is this.
  EXPECT_EQ(image("C:\\Program Files\\Plant\\hist.exe -k x"), "C:\\Program Files\\Plant\\hist.exe");
  EXPECT_EQ(image("\\??\\C:\\Plant\\drv.sys"), "C:\\Plant\\drv.sys");
  EXPECT_EQ(image("/usr/sbin/sshd -D"), "/usr/sbin/sshd");
  EXPECT_EQ(image("-/usr/bin/plant-agent --x"), "/usr/bin/plant-agent");  // systemd prefixes
  EXPECT_EQ(image("@/usr/bin/plant-agent plant"), "/usr/bin/plant-agent");
  EXPECT_EQ(image("plant-agent --x"), "");  // not a path: no guess
  EXPECT_EQ(image(""), "");
  // The autorun reader's resolution of the same command wins.
  platform::ServiceInfo s;
  s.binary_path = "svchost.exe -k netsvcs";
  platform::Autorun a = AutorunOf("C:\\Windows\\System32\\svchost.exe");
  a.command = s.binary_path;
  EXPECT_EQ(internal::ServiceImagePath(s, {a}), "C:\\Windows\\System32\\svchost.exe");
}

std::string FileSha256(const std::string& path) {
  std::string data = testutil::ReadAll(path);
  auto digest =
      platform::Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  return digest ? HexEncode(*digest) : "";
}

TEST(InventoryImagesTest, OnlyImagesRunsTheListsItHashes) {
  auto inv = TakeInventory(Only({"images"}));
  ASSERT_TRUE(inv.has_value());
  std::vector<std::string> ran;
  for (const auto& c : inv->collectors) ran.push_back(c.name);
  EXPECT_EQ(ran, (std::vector<std::string>{"processes", "services", "autoruns", "images"}));
  EXPECT_TRUE(inv->collectors.back().status.ok()) << inv->collectors.back().status.ToString();
  for (const ImageInfo& image : inv->images) EXPECT_EQ(FindImage(*inv, image.path), &image);
  // This test's own executable is hashed, and its record carries the hash.
  auto self = std::find_if(inv->processes.begin(), inv->processes.end(),
                           [](const auto& p) { return p.pid == platform::CurrentProcessId(); });
  ASSERT_NE(self, inv->processes.end());
  ASSERT_FALSE(self->executable.empty());
  const ImageInfo* image = FindImage(*inv, self->executable);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->sha256, FileSha256(self->executable));
  for (const auto& r : InventoryRecords(*inv)) {
    if (r["event"]["dataset"] == "otguard.inventory.process" && r["process"]["pid"] == self->pid) {
      EXPECT_EQ(r["process"]["hash"]["sha256"], image->sha256);
    }
  }
}

// Linux names an image deleted since the process started "<path> (deleted)"; it is still
// readable through the process, which is how a binary that deleted itself gets its hash.
TEST(InventoryImagesTest, DeletedImageIsSaidAndHashedThroughTheProcess) {
  auto live = TakeInventory(Only({"os", "processes"}));
  ASSERT_TRUE(live.has_value());
  auto self = std::find_if(live->processes.begin(), live->processes.end(),
                           [](const auto& p) { return p.pid == platform::CurrentProcessId(); });
  ASSERT_NE(self, live->processes.end());
  std::string deleted = "/otguard-test/gone (deleted)";
  Inventory inv;
  inv.processes = {Process(self->pid, deleted)};
  inv = Images(std::move(inv));
  ASSERT_EQ(inv.images.size(), 1u);
  EXPECT_EQ(inv.images[0].path, deleted);
  ASSERT_TRUE(live->os.has_value());
  if (live->os->family == "linux") {
    EXPECT_EQ(inv.images[0].error, "deleted");
    EXPECT_EQ(inv.images[0].sha256, FileSha256(self->executable));
  } else {
    // Windows has no such marker: the suffix is part of a name that does not exist.
    EXPECT_EQ(inv.images[0].error, "not found");
    EXPECT_TRUE(inv.images[0].sha256.empty());
  }
}

// The collectors are one file each, registered from the folder (inventory_collector.h).
TEST(CollectorRegistryTest, EveryCollectorOnceInRunOrder) {
  const auto& specs = internal::Collectors();
  std::vector<std::string> names;
  for (const auto& c : specs) {
    names.push_back(c.name);
    EXPECT_NE(c.collect, nullptr) << c.name;
    EXPECT_NE(c.text, nullptr) << c.name;
    // The os collector's fields are on the host record, which every inventory has.
    EXPECT_EQ(c.records == nullptr, names.back() == "os") << c.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"os", "processes", "services", "sockets", "interfaces",
                                             "hotfixes", "packages", "autoruns", "images"}));
  EXPECT_EQ(names, CollectorNames());
  // A collector runs after every collector whose list it reads.
  for (size_t i = 0; i < specs.size(); ++i) {
    for (const char* need : specs[i].needs) {
      auto at = std::find(names.begin(), names.end(), need);
      ASSERT_NE(at, names.end()) << need;
      EXPECT_LT(static_cast<size_t>(at - names.begin()), i) << specs[i].name << " needs " << need;
    }
  }
}

Inventory SyntheticInventory() {
  Inventory inv;
  inv.host_name = "ops-01";
  inv.taken_at = EventTime::FromNanos(1700000000000000000LL);
  platform::OsVersion os;
  os.name = "Windows XP Professional";
  os.version = "5.1";
  os.build = "2600";
  os.service_pack = "Service Pack 3";
  os.architecture = "x86";
  inv.os = os;
  platform::ProcessInfo p;
  p.pid = 4242;
  p.ppid = 4;
  p.name = "dllhostex.exe";
  p.user = "SYSTEM";
  p.command_line = std::string(300, 'x');
  inv.processes = {p};
  platform::InstalledPackage pkg;
  pkg.name = "historian";
  pkg.source = "uninstall";
  inv.packages = {pkg};
  inv.collectors = {{"processes", Status(), 1, 0},
                    {"packages", Status(), 1, 0},
                    {"hotfixes", Unimplemented("no hotfixes on this OS"), 0, 0}};
  return inv;
}

TEST(InventoryTextTest, SectionsInCollectorOrderAndWhatWasNotCollected) {
  Inventory inv = SyntheticInventory();
  std::string text = InventoryText(inv, /*all=*/false);
  EXPECT_EQ(text.rfind("host: ops-01\nos:   Windows XP Professional (version 5.1, build 2600, "
                       "Service Pack 3, x86)\n",
                       0),
            0u)
      << text;
  size_t processes = text.find("\nprocesses (1)\n");
  size_t packages = text.find("\ninstalled packages (1; listed with --all and in --json)\n");
  ASSERT_NE(processes, std::string::npos) << text;
  ASSERT_NE(packages, std::string::npos) << text;
  EXPECT_LT(processes, packages);
  EXPECT_NE(text.find("   4242       4  SYSTEM"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(160, 'x') + " ..."), std::string::npos);  // shortened
  EXPECT_NE(text.find("hotfixes: not collected: no hotfixes on this OS\n"), std::string::npos);
  EXPECT_NE(InventoryText(inv, /*all=*/true).find("\n  historian "), std::string::npos);
}

TEST(InventoryTextTest, RecordsHostFirstThenCollectorsInOrder) {
  std::vector<nlohmann::json> records = InventoryRecords(SyntheticInventory());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["event"]["dataset"], "otguard.inventory.host");
  EXPECT_EQ(records[1]["event"]["dataset"], "otguard.inventory.process");
  EXPECT_EQ(records[2]["event"]["dataset"], "otguard.inventory.package");
  EXPECT_EQ(records[1]["@timestamp"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(records[1]["process"]["command_line"].get<std::string>().size(), 300u);  // whole
}

}  // namespace
}  // namespace otguard::host
