// The agent end to end on Linux, with the real proc-poll source (200 ms), the real socket
// table and real programs: learn from a scripted workload, approve what was learned, then
// monitor: an unknown program and an unknown outbound connection (port 45560) are alerted in
// the spool within the observation interval; an untrusted change to an allowlisted program
// raises one "allowlisted program modified"; a change inside a maintenance window and a change
// that dpkg's recorded checksum vouches for are followed without an alert.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "otguard/agent/agent.h"
#include "otguard/base/bytes.h"
#include "otguard/base/event.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/crypto.h"
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

// The program's bytes changed, as an upgrade (or an attacker) would change them.
void ChangeProgram(const std::string& path, const std::string& tag) {
  std::ofstream(path, std::ios::app | std::ios::binary) << "-changed-" << tag;
}

std::string Md5Hex(const std::string& path) {
  std::string bytes = testutil::ReadAll(path);
  auto digest = platform::MultiDigest::Create(DigestBit(DigestKind::kMd5));
  EXPECT_TRUE(digest);
  EXPECT_TRUE(
      digest->Update(ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())).ok());
  auto out = digest->Finish();
  return HexEncode(*out->md5);
}

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
  std::string dpkg_root = dir.Mkdir("dpkg-root");
  fs::create_directories(dpkg_root + "/var/lib/dpkg/info");
  std::string known = MakeProgram(dir, "known");
  std::string modified = MakeProgram(dir, "modified");
  std::string in_window = MakeProgram(dir, "in-window");
  std::string packaged = MakeProgram(dir, "packaged");
  std::string unknown = MakeProgram(dir, "unknown");
  std::string stop_learn = dir.File("stop-learn");

  // ---- learn ----
  {
    Policy policy = BasePolicy();
    policy.allowlist.mode = AllowlistMode::kLearn;
    RunningAgent agent(policy, state, dpkg_root);
    ASSERT_TRUE(WaitFor(state, IsStarted, std::chrono::seconds(20)));
    for (const std::string& program : {known, modified, in_window, packaged}) {
      Spawn(program + " 1");
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
    while (std::chrono::steady_clock::now() < deadline &&
           !(history_has(packaged) && history_has("\"remote_port\":" + port))) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_TRUE(history_has(known));
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
  bool known_ruled = false;
  for (const host::ProcessRule& rule : approved.processes) known_ruled |= rule.path == known;
  ASSERT_TRUE(known_ruled) << host::FormatAllowlist(approved);

  // dpkg now owns `packaged`, and records the checksum of its upgraded content.
  std::ofstream(dpkg_root + "/var/lib/dpkg/info/opc-runtime.list") << "/.\n" << packaged << "\n";
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
    EXPECT_TRUE(WaitFor(state, is_modified, std::chrono::seconds(30)));

    // dpkg's upgrade: the new content matches the md5sums dpkg recorded: followed, no alert.
    // (dpkg writes the md5sums of the new version as it unpacks it)
    fs::copy_file(packaged, packaged + ".new");
    ChangeProgram(packaged + ".new", "dpkg");
    std::ofstream(dpkg_root + "/var/lib/dpkg/info/opc-runtime.md5sums")
        << Md5Hex(packaged + ".new") << "  " << packaged.substr(1) << "\n";
    ChangeProgram(packaged, "dpkg");
    auto followed = [&](const std::string& path) {
      return [path](const Json& r) {
        return Str(r, {"event", "action"}) == "allowlist.upgrade.followed" &&
               Str(r, {"file", "path"}) == path;
      };
    };
    bool packaged_followed = WaitFor(state, followed(packaged), std::chrono::seconds(30));
    std::string about_packaged;
    for (const Json& r : SpoolRecords(state)) {
      if (Str(r, {"file", "path"}) == packaged) about_packaged += r.dump() + "\n";
    }
    EXPECT_TRUE(packaged_followed)
        << "dpkg's checksum vouches for the new content; records: " << about_packaged;
    // Let a few more cycles pass: still one alert for `modified`, none for `packaged`.
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ(Count(state, is_modified), 1u);
    EXPECT_EQ(Count(state,
                    [&](const Json& r) {
                      return Str(r, {"rule", "name"}) == "allowlisted program modified" &&
                             Str(r, {"file", "path"}) == packaged;
                    }),
              0u);
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
  // The followed upgrades made new allowlist versions, and the history survived the restarts.
  auto final_list = host::ParseAllowlist(testutil::ReadAll(allowlist_file), allowlist_file);
  ASSERT_TRUE(final_list) << final_list.error().ToString();
  EXPECT_GE(final_list->version, approved.version + 2);
  EXPECT_GE(Count(state,
                  [](const Json& r) {
                    return Str(r, {"event", "dataset"}) == "otguard.agent.stop";
                  }),
            3u);
}

}  // namespace
}  // namespace otguard::agent
