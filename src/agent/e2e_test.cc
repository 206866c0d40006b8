// The agent end to end on Linux, with the real proc-poll source (200 ms), the real socket
// table and real programs: learn from a scripted workload, approve what was learned, then
// monitor: an unknown program and an unknown outbound connection (port 45560) are alerted in
// the spool within the observation interval; an untrusted change to an allowlisted program
// raises one "allowlisted program modified"; a change inside a maintenance window is followed
// without an alert; a package upgraded by the real dpkg (`dpkg --root` into a throw-away root)
// stays allowed by its package rule, and the same file changed by anyone else does not.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "otguard/agent/agent.h"
#include "otguard/base/bytes.h"
#include "otguard/base/event.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/crypto.h"
#include "otguard/platform/process.h"
#include "testing/temp_dir.h"

namespace otguard::agent {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::milliseconds;

// A program of our own: a copy of sleep with a tag appended, so its hash is its own (a copy
// with sleep's hash would be allowed wherever sleep's content is).
std::string MakeProgram(const testutil::TempDir& dir, const std::string& name) {
  std::string path = dir.File("bin/" + name);
  fs::create_directories(dir.File("bin"));
  fs::copy_file("/bin/sleep", path, fs::copy_options::overwrite_existing);
  std::ofstream(path, std::ios::app | std::ios::binary) << "otguard-e2e-" << name;
  fs::permissions(path, fs::perms(0755));
  return path;
}

// The program's bytes changed, as an installer (or an attacker) changes them: a new file renamed
// over the old one (a program still running cannot be written: ETXTBSY).
void ChangeProgram(const std::string& path, const std::string& tag) {
  std::string next = path + ".next";
  fs::copy_file(path, next, fs::copy_options::overwrite_existing);
  {
    std::ofstream out(next, std::ios::app | std::ios::binary);
    out << "-changed-" << tag;
    ASSERT_TRUE(out.flush()) << next;
  }
  fs::rename(next, path);
}

// The MD5 and SHA-256 of a file, as hex.
std::pair<std::string, std::string> Digests(const std::string& path) {
  std::string bytes = testutil::ReadAll(path);
  auto digest =
      platform::MultiDigest::Create(DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha256));
  EXPECT_TRUE(digest);
  EXPECT_TRUE(
      digest->Update(ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())).ok());
  auto out = digest->Finish();
  return {HexEncode(*out->md5), HexEncode(*out->sha256)};
}

// A throw-away dpkg root with one package, otguard-e2e-opc, whose program is
// ROOT/opt/otguard-e2e/bin/opc-runtime (sleep, tagged with the version: each version its own
// content). The package is built by dpkg-deb and installed and upgraded by the real dpkg
// (`dpkg --root`); without root privileges (dpkg --root needs them) the database is written as
// dpkg writes it, and the test says so.
class PackageRoot {
 public:
  explicit PackageRoot(const testutil::TempDir& dir)
      : dir_(dir),
        root_(dir.Mkdir("dpkg-root")),
        real_(platform::IsPrivileged() && fs::exists("/usr/bin/dpkg") &&
              fs::exists("/usr/bin/dpkg-deb")) {
    for (const char* sub : {"info", "updates", "triggers"}) {
      fs::create_directories(root_ + "/var/lib/dpkg/" + sub);
    }
    std::ofstream(root_ + "/var/lib/dpkg/status");
    std::ofstream(root_ + "/var/lib/dpkg/available");
    if (!real_) std::printf("NOTE not root: dpkg's database is written by the test, not by dpkg\n");
  }
  const std::string& root() const { return root_; }
  std::string program() const { return root_ + kProgram; }

  void Install(const std::string& version) {
    std::string tree = dir_.File("pkg-" + version);
    fs::create_directories(tree + "/DEBIAN");
    fs::create_directories(tree + "/opt/otguard-e2e/bin");
    std::string file = tree + kProgram;
    fs::copy_file("/bin/sleep", file, fs::copy_options::overwrite_existing);
    std::ofstream(file, std::ios::app | std::ios::binary) << "otguard-e2e-opc-runtime-" << version;
    fs::permissions(file, fs::perms(0755));
    if (real_) {
      std::ofstream(tree + "/DEBIAN/control")
          << "Package: otguard-e2e-opc\nVersion: " << version
          << "\nArchitecture: all\nMaintainer: otguard tests <tests@otguard.invalid>\n"
             "Description: otguard's end-to-end test package\n";
      std::string deb = dir_.File("otguard-e2e-opc_" + version + "_all.deb");
      Run("dpkg-deb --root-owner-group -b " + tree + " " + deb);
      Run("dpkg --root=" + root_ + " -i " + deb);
      return;
    }
    fs::create_directories(root_ + "/opt/otguard-e2e/bin");
    std::ofstream(root_ + "/var/lib/dpkg/info/otguard-e2e-opc.md5sums")
        << Digests(file).first << "  " << std::string(kProgram).substr(1) << "\n";
    std::ofstream(root_ + "/var/lib/dpkg/info/otguard-e2e-opc.list")
        << "/.\n/opt\n/opt/otguard-e2e\n/opt/otguard-e2e/bin\n"
        << kProgram << "\n";
    fs::copy_file(file, program() + ".dpkg-new", fs::copy_options::overwrite_existing);
    fs::rename(program() + ".dpkg-new", program());
  }

 private:
  static constexpr char kProgram[] = "/opt/otguard-e2e/bin/opc-runtime";
  static void Run(const std::string& command) {
    ASSERT_EQ(std::system((command + " >/dev/null").c_str()), 0) << command;
  }
  const testutil::TempDir& dir_;
  std::string root_;
  bool real_;
};

// Starts a shell command in the background; it must end by itself (a stop file, a bound).
void Spawn(const std::string& command) {
  ASSERT_EQ(std::system(("(" + command + ") >/dev/null 2>&1 &").c_str()), 0) << command;
}

// A Python helper holding a TCP listener or connection until `stop` exists (at most 60 s).
std::string Python(const std::string& body, const std::string& stop) {
  return "/usr/bin/python3 -c 'import socket,os,time\n" + body +
         "\nend=time.time()+60\nwhile not os.path.exists(\"" + stop +
         "\") and time.time()<end: time.sleep(0.05)'";
}

std::vector<Json> SpoolRecords(const std::string& state) {
  std::vector<Json> out;
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(state + "/spool")) {
    if (e.path().extension() == ".jsonl") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  for (const fs::path& segment : segments) {
    std::ifstream in(segment);
    for (std::string line; std::getline(in, line);) {
      Json r = Json::parse(line, nullptr, false);
      if (!r.is_discarded()) out.push_back(std::move(r));
    }
  }
  return out;
}

// Waits (bounded) until the spool holds a record `match` accepts.
bool WaitFor(const std::string& state, const std::function<bool(const Json&)>& match,
             milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const Json& r : SpoolRecords(state)) {
      if (match(r)) return true;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

size_t Count(const std::string& state, const std::function<bool(const Json&)>& match) {
  size_t n = 0;
  for (const Json& r : SpoolRecords(state)) n += match(r) ? 1 : 0;
  return n;
}

std::string Str(const Json& r, std::initializer_list<const char*> path) {
  const Json* at = &r;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return "";
    at = &(*at)[key];
  }
  return at->is_string() ? at->get<std::string>() : at->dump();
}

// The agent on its own thread, stopped like a service.
class RunningAgent {
 public:
  RunningAgent(Policy policy, const std::string& state, const std::string& config_root) {
    AgentOptions options;
    options.policy = std::move(policy);
    options.state_dir = state;
    options.config_root.root = config_root;
    options.alert_stream = nullptr;
    options.host_name = "e2e-station";
    options.open_source = [](const platform::ProcessEventSourceOptions& o,
                             std::vector<platform::SourceProbe>* probes) {
      platform::ProcessEventSourceOptions poll = o;
      poll.prefer = {"proc-poll"};
      return platform::OpenProcessEventSource(poll, probes);
    };
    auto agent = Agent::Create(std::move(options));
    EXPECT_TRUE(agent) << agent.error().ToString();
    if (!agent) return;
    agent_ = std::move(*agent);
    thread_ = std::thread([this] { status_ = agent_->Run(stop_); });
  }
  ~RunningAgent() { Stop(); }
  Status Stop() {
    stop_.Notify();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  std::unique_ptr<Agent> agent_;
  StopSignal stop_;
  std::thread thread_;
  Status status_;
};

Policy BasePolicy() {
  Policy policy;
  policy.origin = "e2e";
  policy.observe.process_source = "proc-poll";
  policy.observe.poll_interval = milliseconds(200);
  policy.observe.connections_interval = milliseconds(300);
  return policy;
}

bool IsStarted(const Json& r) { return Str(r, {"event", "dataset"}) == "otguard.agent.start"; }

TEST(AgentEndToEnd, LearnThenMonitorUpgradesAndUnknowns) {
  if (!fs::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "needs /usr/bin/python3";
  }
  testutil::TempDir dir;
  std::string state = dir.File("state");
  PackageRoot dpkg(dir);
  dpkg.Install("1.0");
  const std::string& dpkg_root = dpkg.root();
  std::string packaged = dpkg.program();
  std::string known = MakeProgram(dir, "known");
  std::string modified = MakeProgram(dir, "modified");
  std::string in_window = MakeProgram(dir, "in-window");
  std::string unknown = MakeProgram(dir, "unknown");
  std::string stop_learn = dir.File("stop-learn");

  // ---- learn ----
  {
    Policy policy = BasePolicy();
    policy.allowlist.mode = AllowlistMode::kLearn;
    RunningAgent agent(policy, state, dpkg_root);
    ASSERT_TRUE(WaitFor(state, IsStarted, std::chrono::seconds(20)));
    // Each lives several poll intervals, also on a loaded CI machine (a poll can come late).
    for (const std::string& program : {known, modified, in_window, packaged}) {
      Spawn(program + " 4");
    }
    // A loopback service and a client of it: what the station's programs do on the network.
    std::string port_file = dir.File("port");
    Spawn(
        Python("s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(4)\n"
               "open(\"" +
                   port_file +
                   ".tmp\",\"w\").write(str(s.getsockname()[1]))\n"
                   "os.rename(\"" +
                   port_file + ".tmp\",\"" + port_file +
                   "\")\n"
                   "c,_=s.accept()",
               stop_learn));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!fs::exists(port_file) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_TRUE(fs::exists(port_file));
    std::string port = testutil::ReadAll(port_file);
    Spawn(Python("c=socket.create_connection((\"127.0.0.1\"," + port + "))", stop_learn));
    // Learned when the history holds the programs and the client's connection.
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto history_has = [&](const std::string& needle) {
      for (const auto& e : fs::directory_iterator(state + "/history")) {
        if (testutil::ReadAll(e.path().string()).find(needle) != std::string::npos) return true;
      }
      return false;
    };
    auto learned = [&] {
      for (const std::string& program : {known, modified, in_window, packaged}) {
        if (!history_has("\"" + program + "\"")) return false;
      }
      return history_has("\"remote_port\":" + port);
    };
    while (std::chrono::steady_clock::now() < deadline && !learned()) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    for (const std::string& program : {known, modified, in_window, packaged}) {
      EXPECT_TRUE(history_has("\"" + program + "\"")) << program << " in the history";
    }
    EXPECT_TRUE(history_has("\"remote_port\":" + port)) << "the loopback connection";
    std::ofstream(stop_learn) << "stop";
    ASSERT_TRUE(agent.Stop().ok());
  }

  // ---- approve what was learned: every item a rule (a scripted workload is brief) ----
  host::HistoryReadReport report;
  auto history = host::ReadHistoryDir(state + "/history", &report);
  ASSERT_TRUE(history) << history.error().ToString();
  EXPECT_EQ(report.bad_lines, 0u) << (report.problems.empty() ? "" : report.problems[0]);
  host::MergePolicy merge;
  merge.transient_max_count = 0;
  merge.transient_max_span_ns = 0;
  host::Proposal proposal = host::Learn(*history, merge);
  host::Allowlist approved =
      host::ApproveAllowlist(nullptr, proposal.rules, "e2e@test", EventTime::Now());
  std::string allowlist_file = dir.File("allowlist.toml");
  std::ofstream(allowlist_file) << host::FormatAllowlist(approved);
  // The watched programs each have a rule by path (what upgrades are checked against).
  std::set<std::string> ruled;
  bool package_ruled = false;
  for (const host::ProcessRule& rule : approved.processes) {
    ruled.insert(rule.path);
    package_ruled |=
        rule.kind == host::ProcessRuleKind::kPackage && rule.package == "otguard-e2e-opc";
  }
  for (const std::string& program : {known, modified, in_window}) {
    ASSERT_TRUE(ruled.count(program)) << program << "\n" << host::FormatAllowlist(approved);
  }
  ASSERT_TRUE(package_ruled) << "a package rule for the packaged program\n"
                             << host::FormatAllowlist(approved);

  // ---- monitor, no maintenance window ----
  std::string stop_monitor = dir.File("stop-monitor");
  {
    Policy policy = BasePolicy();
    policy.allowlist.mode = AllowlistMode::kMonitor;
    policy.allowlist.file = allowlist_file;
    policy.upgrades.windows.push_back(*ParseWindow("2020-01-01T00:00:00Z/2020-01-01T02:00:00Z"));
    size_t starts_before = Count(state, IsStarted);
    RunningAgent agent(policy, state, dpkg_root);
    ASSERT_TRUE(WaitFor(
        state, [&](const Json& r) { return Count(state, IsStarted) > starts_before; },
        std::chrono::seconds(20)));

    // An unknown program: alerted within the observation interval (plus this machine's load).
    auto t0 = std::chrono::steady_clock::now();
    Spawn(unknown + " 3");
    EXPECT_TRUE(WaitFor(
        state,
        [&](const Json& r) {
          return Str(r, {"event", "kind"}) == "alert" &&
                 Str(r, {"process", "executable"}) == unknown;
        },
        std::chrono::seconds(30)))
        << "no alert for the unknown program";
    auto process_latency = std::chrono::steady_clock::now() - t0;

    // An unknown outbound connection to port 45560 (the MsraMiner pool's port), on loopback.
    Spawn(
        Python("s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
               "s.bind((\"127.0.0.2\",45560)); s.listen(4)\nc,_=s.accept()",
               stop_monitor));
    Spawn(
        Python("for i in range(400):\n"
               "  try:\n"
               "    c=socket.create_connection((\"127.0.0.2\",45560)); break\n"
               "  except OSError: time.sleep(0.05)",
               stop_monitor));
    t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(WaitFor(
        state,
        [&](const Json& r) {
          return Str(r, {"event", "kind"}) == "alert" &&
                 Str(r, {"destination", "port"}) == "45560" &&
                 Str(r, {"network", "direction"}) == "outbound";
        },
        std::chrono::seconds(30)))
        << "no alert for the outbound connection to 45560";
    auto connection_latency = std::chrono::steady_clock::now() - t0;
    std::printf(
        "MEASURE alert latency: unknown process %lld ms, outbound connection %lld ms\n",
        static_cast<long long>(std::chrono::duration_cast<milliseconds>(process_latency).count()),
        static_cast<long long>(
            std::chrono::duration_cast<milliseconds>(connection_latency).count()));

    // An untrusted change to an allowlisted program: one alert.
    ChangeProgram(modified, "untrusted");
    auto is_modified = [&](const Json& r) {
      return Str(r, {"rule", "name"}) == "allowlisted program modified" &&
             Str(r, {"file", "path"}) == modified;
    };
    EXPECT_TRUE(WaitFor(state, is_modified, std::chrono::seconds(30))) << [&] {
      std::string about = "records about it:\n";
      for (const Json& r : SpoolRecords(state)) {
        if (r.dump().find(modified) != std::string::npos) about += r.dump() + "\n";
      }
      return about + "allowlist:\n" + testutil::ReadAll(allowlist_file);
    }();

    // The package upgraded by dpkg: the new version runs, allowed by the package rule (its
    // content is what dpkg recorded), no alert.
    dpkg.Install("1.1");
    std::string upgraded_sha256 = Digests(packaged).second;
    auto is_packaged_alert = [&](const Json& r) {
      return Str(r, {"event", "kind"}) == "alert" && Str(r, {"process", "executable"}) == packaged;
    };
    Spawn(packaged + " 1");
    auto seen_in_history = [&](const std::string& needle) {
      for (const auto& e : fs::directory_iterator(state + "/history")) {
        if (testutil::ReadAll(e.path().string()).find(needle) != std::string::npos) return true;
      }
      return false;
    };
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!seen_in_history(upgraded_sha256) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(seen_in_history(upgraded_sha256)) << "the upgraded program was observed";
    // Let a few more cycles pass: still one alert for `modified`, none for the package.
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ(Count(state, is_modified), 1u);
    EXPECT_EQ(Count(state, is_packaged_alert), 0u) << "the upgrade by dpkg is allowed";
    // The same file changed by anyone but dpkg: the package no longer vouches for it.
    ChangeProgram(packaged, "tampered");
    Spawn(packaged + " 1");
    EXPECT_TRUE(WaitFor(state, is_packaged_alert, std::chrono::seconds(30)))
        << "a packaged program changed outside dpkg is alerted when it runs";
    std::ofstream(stop_monitor) << "stop";
    ASSERT_TRUE(agent.Stop().ok());
  }

  // ---- monitor inside a maintenance window: the change is followed, no alert ----
  {
    Policy policy = BasePolicy();
    policy.allowlist.mode = AllowlistMode::kMonitor;
    policy.allowlist.file = allowlist_file;  // as the previous run left it (versions followed)
    EventTime now = EventTime::Now();
    WindowSpec window;
    window.begin = EventTime::FromNanos(now.nanos() - int64_t{3600} * 1000000000);
    window.end = EventTime::FromNanos(now.nanos() + int64_t{3600} * 1000000000);
    policy.upgrades.windows.push_back(window);
    size_t starts_before = Count(state, IsStarted);
    RunningAgent agent(policy, state, dpkg_root);
    ASSERT_TRUE(WaitFor(
        state, [&](const Json& r) { return Count(state, IsStarted) > starts_before; },
        std::chrono::seconds(20)));
    ChangeProgram(in_window, "maintenance");
    EXPECT_TRUE(WaitFor(
        state,
        [&](const Json& r) {
          return Str(r, {"event", "action"}) == "allowlist.upgrade.followed" &&
                 Str(r, {"file", "path"}) == in_window;
        },
        std::chrono::seconds(30)));
    EXPECT_EQ(Count(state,
                    [&](const Json& r) {
                      return Str(r, {"rule", "name"}) == "allowlisted program modified" &&
                             Str(r, {"file", "path"}) == in_window;
                    }),
              0u);
    ASSERT_TRUE(agent.Stop().ok());
  }
  // The followed upgrade made a new allowlist version, and the history survived the restarts.
  auto final_list = host::ParseAllowlist(testutil::ReadAll(allowlist_file), allowlist_file);
  ASSERT_TRUE(final_list) << final_list.error().ToString();
  EXPECT_GE(final_list->version, approved.version + 1);
  EXPECT_GE(Count(state,
                  [](const Json& r) {
                    return Str(r, {"event", "dataset"}) == "otguard.agent.stop";
                  }),
            3u);
}

}  // namespace
}  // namespace otguard::agent
