// The agent's loop (docs/agent.md): one thread observes and checks; scheduled jobs run on a
// second thread at the process's low priority and hand their records back to the loop, which
// alone writes the spool and the history.
#include "otguard/agent/agent.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/jobs.h"
#include "agent/observe.h"
#include "agent/records.h"
#include "agent/upgrades.h"
#include "otguard/agent/spool.h"
#include "otguard/agent/state.h"
#include "otguard/base/log.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "otguard/platform/processes.h"
#include "otguard/platform/sockets.h"

namespace otguard::agent {
namespace {

using internal::Response;
using Json = nlohmann::json;

constexpr uint64_t kMaxAllowlistBytes = 64ull << 20;
// One alert per item per hour; the repeats in between are counted in the next one.
constexpr int64_t kRealertNs = int64_t{3600} * 1000000000;
// agent.json, the history's fsync and pruning: at most this often.
constexpr int64_t kHousekeepingNs = int64_t{60} * 1000000000;

Result<host::Allowlist> LoadAllowlist(const std::string& path) {
  auto text = platform::ReadFileToString(path, kMaxAllowlistBytes);
  if (!text) return Unexpected(text.error().WithContext("allowlist " + path));
  return host::ParseAllowlist(*text, path);
}

int64_t Nanos(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

struct Agent::Impl {
  AgentOptions options;
  const Policy& policy() const { return options.policy; }
  std::string host_name;
  StateDir state;
  Spool spool;
  HistoryLog history;
  std::optional<host::Allowlist> allowlist;
  std::optional<host::AllowlistMatcher> matcher;
  internal::FileFactsCache files;
  internal::ProcessTable processes;
  internal::ConnectionTracker connections;
  internal::ConnectionTracker unowned_connections;  // live sockets without an owning pid
  internal::UpgradeWatcher upgrades;
  internal::JobRunner jobs;
  struct AlertMemory {
    int64_t last_ns = 0;
    uint64_t suppressed = 0;
  };
  std::map<std::string, AlertMemory> alerted;
  std::vector<Json> pending;  // records for the next spool batch
  std::string source_name;

  Impl(AgentOptions o, std::string host, StateDir s, Spool sp, HistoryLog h)
      : options(std::move(o)),
        host_name(std::move(host)),
        state(std::move(s)),
        spool(std::move(sp)),
        history(std::move(h)),
        files(options.config_root),
        upgrades(options.config_root),
        jobs(host_name) {}

  AllowlistMode mode() const { return policy().allowlist.mode; }
  bool checking() const { return matcher.has_value(); }
  void Count(const char* name, uint64_t n = 1) { state.state().counters[name] += n; }

  void Emit(Json record, bool alert) {
    if (alert && options.alert_stream != nullptr) {
      std::fprintf(options.alert_stream, "%s\n", JsonLine(record).c_str());
      std::fflush(options.alert_stream);
    }
    pending.push_back(std::move(record));
  }

  // ---- observation ----

  void Observe(const host::Observation& observation) {
    if (const auto* p = std::get_if<host::ProcessObservation>(&observation)) {
      // Gone before its source could read it: nothing to learn or judge (the history's reader
      // refuses an observation without an executable), only counted.
      if (p->executable.empty()) {
        Count("processes_unreadable");
        return;
      }
    }
    EventTime time = std::visit([](const auto& o) { return o.time; }, observation);
    history.Append(time, host::ObservationToJson(observation));
    Count(std::holds_alternative<host::ProcessObservation>(observation) ? "processes_observed"
                                                                        : "connections_observed");
    if (!checking()) return;
    host::Verdict verdict =
        std::visit([&](const auto& o) { return matcher->Check(o); }, observation);
    if (!verdict.allowed) Violation(observation, verdict);
  }

  std::pair<Response, std::string> Respond(const host::Observation& observation) {
    const auto* p = std::get_if<host::ProcessObservation>(&observation);
    if (mode() != AllowlistMode::kEnforce || p == nullptr) return {Response::kAlerted, ""};
    const auto& critical = policy().allowlist.critical;
    if (std::find(critical.begin(), critical.end(), p->executable) != critical.end()) {
      return {Response::kSpared, "on the critical list"};
    }
    if (p->pid <= 1 || p->pid == platform::CurrentProcessId()) {
      return {Response::kSpared, "never ended: pid " + std::to_string(p->pid)};
    }
    Status ended = platform::TerminateProcess(p->pid);
    if (!ended.ok()) return {Response::kEndFailed, ended.ToString()};
    Count("processes_ended");
    return {Response::kEnded, ""};
  }

  void Violation(const host::Observation& observation, const host::Verdict& verdict) {
    auto [response, detail] = Respond(observation);
    AlertMemory& memory = alerted[internal::ItemKey(observation)];
    int64_t now = EventTime::Now().nanos();
    if (response == Response::kAlerted && memory.last_ns != 0 &&
        now - memory.last_ns < kRealertNs) {
      ++memory.suppressed;
      Count("alerts_suppressed");
      return;
    }
    Json record = internal::ViolationRecord(observation, verdict, AllowlistModeName(mode()),
                                            response, detail, memory.suppressed, host_name);
    memory = {now, 0};
    Count("alerts");
    OTGUARD_LOG_WARN("allowlist: {}", verdict.reason);
    Emit(std::move(record), true);
  }

  void OnEvent(const platform::ProcessEvent& event) {
    if (event.kind == platform::ProcessEventKind::kExit) {
      processes.Exited(event.pid);
      return;
    }
    processes.Started(event.pid, event.executable);
    // A watched program that starts with new content: decide on the upgrade before judging it.
    if (checking() && !event.executable.empty()) {
      if (auto change = upgrades.Check(event.executable, files)) OnFileChange(*change);
    }
    Observe(internal::ObserveStart(event, files, processes, source_name));
  }

  void SnapshotProcesses(bool observe) {
    auto list = platform::ListProcesses();
    if (!list) {
      OTGUARD_LOG_WARN("agent: process list: {}", list.error().ToString());
      return;
    }
    std::unordered_map<uint32_t, std::string> exe;
    for (const platform::ProcessInfo& p : *list) exe[p.pid] = p.executable;
    processes.Reset(std::move(exe));
    if (!observe) return;
    std::vector<std::string> paths;
    for (const platform::ProcessInfo& p : *list) paths.push_back(p.executable);
    files.Prefetch(paths);
    for (const platform::ProcessInfo& p : *list) {
      if (p.executable.empty() || p.pid == platform::CurrentProcessId()) continue;
      platform::ProcessEvent event{.pid = p.pid,
                                   .ppid = p.ppid,
                                   .executable = p.executable,
                                   .command_line = p.command_line,
                                   .user = p.user,
                                   .time_ns = EventTime::Now().nanos(),
                                   .start_time_ns = p.start_time_ns};
      Observe(internal::ObserveStart(event, files, processes, "snapshot"));
    }
  }

  void PollConnections() {
    auto sockets = platform::ListSockets();
    if (!sockets) {
      OTGUARD_LOG_WARN("agent: sockets: {}", sockets.error().ToString());
      return;
    }
    bool unknown = std::any_of(sockets->begin(), sockets->end(), [&](const auto& s) {
      return s.pid != 0 && !processes.Knows(s.pid);
    });
    if (unknown) SnapshotProcesses(false);  // an owner the process source has not told of
    std::vector<host::ConnectionObservation> unowned;
    for (const host::ConnectionObservation& c : connections.Update(
             internal::ClassifySockets(*sockets, processes, EventTime::Now(), &unowned))) {
      Observe(c);
    }
    // Not silently absent: counted, each connection once (a non-root agent on Linux, Wine).
    if (size_t n = unowned_connections.Update(std::move(unowned)).size()) {
      Count("connections_unowned", n);
    }
  }

  // ---- upgrades ----

  Status SaveAllowlist(const host::Allowlist& list) {
    std::string text = host::FormatAllowlist(list);
    std::string copy =
        platform::JoinPath(state.AllowlistDir(), "v" + std::to_string(list.version) + ".toml");
    OTGUARD_RETURN_IF_ERROR(platform::WriteFileAtomic(copy, text, 0600));
    return platform::WriteFileAtomic(policy().allowlist.file, text, 0644);
  }

  void OnFileChange(const host::FileChange& change) {
    host::UpgradeDecision decision = host::DecideUpgrade(
        change, internal::ConcreteUpgradePolicy(policy().upgrades, change.time));
    if (!decision.follow) {
      Count("allowlisted_modified");
      OTGUARD_LOG_WARN("allowlisted program modified: {} ({})", change.path, decision.reason);
      Emit(internal::ModifiedRecord(change, decision, host_name), true);
      return;
    }
    host::Allowlist followed = host::FollowUpgrade(*allowlist, change, decision);
    auto rebuilt = host::AllowlistMatcher::Build(followed);
    if (!rebuilt) {  // cannot happen for a list that built before; keep the old one
      OTGUARD_LOG_ERROR("allowlist after upgrade: {}", rebuilt.error().ToString());
      return;
    }
    if (Status saved = SaveAllowlist(followed); !saved.ok()) {
      OTGUARD_LOG_WARN("allowlist: followed upgrade kept in memory only: {}", saved.ToString());
    }
    allowlist = std::move(followed);
    matcher = std::move(*rebuilt);
    Count("upgrades_followed");
    Emit(internal::UpgradeFollowedRecord(change, decision, allowlist->version, host_name), false);
  }

  void PollUpgrades() {
    if (!checking()) return;
    for (const host::FileChange& change : upgrades.Poll(files)) OnFileChange(change);
  }

  // ---- jobs ----

  void StartDueJobs(EventTime now) {
    for (internal::JobSpec& job : internal::ScheduledJobs(policy(), host_name, state.path())) {
      auto last = state.state().last_run.find(job.name);
      EventTime since = last != state.state().last_run.end() ? EventTime::FromNanos(last->second)
                                                             : EventTime::FromNanos(start_ns);
      if (now < NextRun(job.schedule, since) || jobs.busy()) continue;
      state.state().last_run[job.name] = now.nanos();
      jobs.Start(std::move(job));
    }
    std::vector<Json> finished = jobs.TakeRecords();
    for (Json& record : finished) Emit(std::move(record), false);
    // A finished inventory or scan leaves its buffers free: give them back while idle.
    if (!finished.empty() && !jobs.busy()) platform::ReleaseFreeMemory();
  }

  // ---- the spool and housekeeping ----

  Status FlushPending(bool sync) {
    if (!pending.empty()) {
      OTGUARD_RETURN_IF_ERROR(spool.Append(std::move(pending)));
      pending.clear();
    }
    Status written = history.Flush(sync);
    if (!written.ok()) OTGUARD_LOG_WARN("history: {}", written.ToString());
    return Status();
  }

  void Housekeeping(EventTime now) {
    if (Status s = history.Prune(now); !s.ok()) OTGUARD_LOG_WARN("history: {}", s.ToString());
    if (Status s = history.Flush(true); !s.ok()) OTGUARD_LOG_WARN("history: {}", s.ToString());
    state.state().counters["history_dropped"] = history.stats().dropped;
    state.state().counters["spool_lost_events"] = spool.stats().lost_events;
    if (Status s = state.Save(); !s.ok()) OTGUARD_LOG_WARN("agent.json: {}", s.ToString());
  }

  Json StartRecord(const std::vector<platform::SourceProbe>& probes) {
    Json r = internal::AgentRecord("start", host_name);
    Json& a = r["otguard"]["agent"];
    a["id"] = state.state().agent_id;
    a["starts"] = state.state().starts;
    a["mode"] = AllowlistModeName(mode());
    a["policy"] = policy().origin;
    a["process_source"] = source_name;
    for (const platform::SourceProbe& probe : probes) {
      a["source_probes"].push_back(
          {{"name", probe.name}, {"status", probe.status.ok() ? "ok" : probe.status.ToString()}});
    }
    if (allowlist)
      a["allowlist"] = {{"file", policy().allowlist.file},
                        {"version", allowlist->version},
                        {"watched_files", upgrades.watched()}};
    a["spool"] = {{"torn_lines", spool.stats().torn_lines},
                  {"cursor_reset", spool.stats().cursor_reset},
                  {"next_sequence", spool.stats().next_sequence}};
    if (state.state_was_corrupt()) a["state_reset"] = true;
    return r;
  }

  Status Run(StopSignal& stop);
  int64_t start_ns = 0;
};

Status Agent::Impl::Run(StopSignal& stop) {
  start_ns = EventTime::Now().nanos();
  if (Status s = platform::LowerPriority(); !s.ok()) {
    OTGUARD_LOG_WARN("agent: cannot lower priority: {}", s.ToString());
  }
  bool observing = mode() != AllowlistMode::kOff;
  platform::ProcessEventSourceOptions source_options;
  source_options.poll_interval = policy().observe.poll_interval;
  if (policy().observe.process_source != "auto") {
    source_options.prefer = {policy().observe.process_source};
  }
  std::vector<platform::SourceProbe> probes;
  std::unique_ptr<platform::ProcessEventSource> source;
  if (observing) {
    ProcessSourceFactory open = options.open_source
                                    ? options.open_source
                                    : ProcessSourceFactory(platform::OpenProcessEventSource);
    auto opened = open(source_options, &probes);
    if (!opened) return opened.error().WithContext("process events");
    source = std::move(*opened);
    source_name = source->name();
  }
  if (checking()) upgrades.Reset(*allowlist, files);
  Emit(StartRecord(probes), false);
  if (observing) SnapshotProcesses(true);
  OTGUARD_RETURN_IF_ERROR(FlushPending(true));
  platform::ReleaseFreeMemory();  // the snapshot's buffers: idle RSS is what the agent keeps

  int64_t connections_every = Nanos(policy().observe.connections_interval);
  int64_t next_connections = 0, next_housekeeping = start_ns + kHousekeepingNs;
  uint64_t lost_reported = 0;
  while (!stop.stopped()) {
    if (source) {
      auto events = source->Next();
      if (!events) {
        // A broken source is reopened once per turn; the loop goes on meanwhile.
        OTGUARD_LOG_WARN("agent: {} source: {}", source_name, events.error().ToString());
        auto reopened =
            (options.open_source
                 ? options.open_source
                 : ProcessSourceFactory(platform::OpenProcessEventSource))(source_options, nullptr);
        if (reopened) source = std::move(*reopened);
        stop.WaitFor(policy().observe.poll_interval);
      } else {
        std::vector<std::string> paths;
        for (const platform::ProcessEvent& event : *events) paths.push_back(event.executable);
        files.Prefetch(paths);
        for (const platform::ProcessEvent& event : *events) OnEvent(event);
      }
      if (source->lost_events() > lost_reported) {
        Count("process_events_lost", source->lost_events() - lost_reported);
        lost_reported = source->lost_events();
      }
    } else {
      stop.WaitFor(policy().observe.poll_interval);
    }
    EventTime now = EventTime::Now();
    if (observing && now.nanos() >= next_connections) {
      PollConnections();
      PollUpgrades();
      next_connections = now.nanos() + connections_every;
    }
    StartDueJobs(now);
    OTGUARD_RETURN_IF_ERROR(FlushPending(false));
    if (now.nanos() >= next_housekeeping) {
      Housekeeping(now);
      next_housekeeping = now.nanos() + kHousekeepingNs;
    }
  }
  // A clean stop: the job finishes (its records are kept), everything is made durable.
  if (source) source->Stop();
  jobs.Wait();
  for (Json& record : jobs.TakeRecords()) Emit(std::move(record), false);
  Json stopped = internal::AgentRecord("stop", host_name);
  stopped["otguard"]["agent"]["counters"] = state.state().counters;
  Emit(std::move(stopped), false);
  OTGUARD_RETURN_IF_ERROR(FlushPending(true));
  OTGUARD_RETURN_IF_ERROR(spool.Flush());
  Housekeeping(EventTime::Now());
  return Status();
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

Result<std::unique_ptr<Agent>> Agent::Create(AgentOptions options) {
  std::string host = options.host_name.empty() ? platform::HostName() : options.host_name;
  OTGUARD_ASSIGN_OR_RETURN(StateDir state, StateDir::Open(options.state_dir));
  SpoolOptions spool_options{.max_bytes = options.policy.spool_max_bytes,
                             .agent_id = state.state().agent_id,
                             .host_name = host};
  OTGUARD_ASSIGN_OR_RETURN(Spool spool, Spool::Open(state.SpoolDir(), spool_options));
  OTGUARD_ASSIGN_OR_RETURN(
      HistoryLog history,
      HistoryLog::Open(state.HistoryDir(), {.max_bytes = options.policy.history_max_bytes,
                                            .keep_days = options.policy.history_keep_days}));
  std::optional<host::Allowlist> allowlist;
  std::optional<host::AllowlistMatcher> matcher;
  AllowlistMode mode = options.policy.allowlist.mode;
  if (mode == AllowlistMode::kMonitor || mode == AllowlistMode::kEnforce) {
    OTGUARD_ASSIGN_OR_RETURN(allowlist, LoadAllowlist(options.policy.allowlist.file));
    auto built = host::AllowlistMatcher::Build(*allowlist);
    if (!built) return Unexpected(built.error().WithContext(options.policy.allowlist.file));
    matcher = std::move(*built);
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(host), std::move(state),
                                     std::move(spool), std::move(history));
  impl->allowlist = std::move(allowlist);
  impl->matcher = std::move(matcher);
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Status Agent::Run(StopSignal& stop) { return impl_->Run(stop); }

}  // namespace otguard::agent
