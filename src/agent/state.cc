#include "otguard/agent/state.h"

#include <algorithm>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/log.h"
#include "otguard/platform/files.h"

namespace otguard::agent {
namespace {

constexpr char kStateFile[] = "agent.json";
constexpr char kLockFile[] = "agent.lock";
constexpr uint64_t kMaxStateBytes = 1 << 20;
constexpr int64_t kStateNsPerDay = int64_t{86400} * 1000000000;

std::string NewAgentId() {
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t word = random();
    for (int j = 0; j < 8; ++j) id += kHex[(word >> (j * 4)) & 0xf];
  }
  return id;
}

bool IsDayFile(const std::string& name) {
  // "YYYY-MM-DD.jsonl"
  if (name.size() != 16 || !name.ends_with(".jsonl")) return false;
  for (size_t i = 0; i < 10; ++i) {
    bool dash = i == 4 || i == 7;
    if (dash ? name[i] != '-' : (name[i] < '0' || name[i] > '9')) return false;
  }
  return true;
}

}  // namespace

std::string FormatAgentState(const AgentState& state) {
  nlohmann::json j = {{"agent_id", state.agent_id},
                      {"starts", state.starts},
                      {"counters", state.counters},
                      {"last_run", state.last_run}};
  return j.dump(2) + "\n";
}

Result<AgentState> ParseAgentState(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Unexpected(InvalidArgument("not a JSON object"));
  AgentState state;
  auto id = j.find("agent_id");
  if (id == j.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Unexpected(InvalidArgument("agent_id: missing or not a string"));
  }
  state.agent_id = id->get<std::string>();
  if (auto starts = j.find("starts"); starts != j.end()) {
    if (!starts->is_number_unsigned()) return Unexpected(InvalidArgument("starts: not a count"));
    state.starts = starts->get<uint64_t>();
  }
  if (auto counters = j.find("counters"); counters != j.end()) {
    if (!counters->is_object()) return Unexpected(InvalidArgument("counters: not an object"));
    for (const auto& [name, value] : counters->items()) {
      if (!value.is_number_unsigned()) {
        return Unexpected(InvalidArgument("counters." + name + ": not a count"));
      }
      state.counters[name] = value.get<uint64_t>();
    }
  }
  if (auto last = j.find("last_run"); last != j.end()) {
    if (!last->is_object()) return Unexpected(InvalidArgument("last_run: not an object"));
    for (const auto& [name, value] : last->items()) {
      if (!value.is_number_integer()) {
        return Unexpected(InvalidArgument("last_run." + name + ": not a time"));
      }
      state.last_run[name] = value.get<int64_t>();
    }
  }
  return state;
}

Result<StateDir> StateDir::Open(const std::string& path) {
  OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(path, 0700));
  auto lock = platform::DirectoryLock::Acquire(platform::JoinPath(path, kLockFile));
  if (!lock) {
    if (lock.error().code() == StatusCode::kFailedPrecondition) {
      return Unexpected(
          FailedPrecondition("state directory " + path + " is in use by another otguard agent"));
    }
    return Unexpected(lock.error());
  }
  StateDir dir(path, std::move(*lock));
  for (const std::string& sub : {dir.HistoryDir(), dir.SpoolDir(), dir.AllowlistDir()}) {
    OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(sub, 0700));
  }
  std::string file = platform::JoinPath(path, kStateFile);
  if (platform::PathExists(file)) {
    auto text = platform::ReadFileToString(file, kMaxStateBytes);
    if (!text) return Unexpected(text.error().WithContext(file));
    auto state = ParseAgentState(*text);
    if (state) {
      dir.state_ = std::move(*state);
    } else {
      OTGUARD_LOG_WARN("{}: {}; kept as {}.corrupt, starting a new identity", file,
                       state.error().message(), kStateFile);
      OTGUARD_RETURN_IF_ERROR(platform::RenamePath(file, file + ".corrupt"));
      dir.state_was_corrupt_ = true;
    }
  }
  if (dir.state_.agent_id.empty()) dir.state_.agent_id = NewAgentId();
  ++dir.state_.starts;
  OTGUARD_RETURN_IF_ERROR(dir.Save());
  return dir;
}

std::string StateDir::HistoryDir() const { return platform::JoinPath(path_, "history"); }
std::string StateDir::SpoolDir() const { return platform::JoinPath(path_, "spool"); }
std::string StateDir::AllowlistDir() const { return platform::JoinPath(path_, "allowlist"); }

Status StateDir::Save() const {
  return platform::WriteFileAtomic(platform::JoinPath(path_, kStateFile), FormatAgentState(state_),
                                   0600);
}

// ---- HistoryLog ----

struct HistoryLog::Impl {
  std::string dir;
  HistoryOptions options;
  HistoryStats stats;
  std::map<std::string, uint64_t> days;  // file name -> bytes, oldest first
  std::string day;                       // the file `file` writes to
  std::optional<platform::AppendOnlyFile> file;
  std::vector<std::pair<std::string, std::string>> pending;  // (day file, lines)

  Status Load() {
    OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(dir, 0700));
    OTGUARD_ASSIGN_OR_RETURN(std::vector<std::string> names, platform::ListDirectory(dir));
    for (const std::string& name : names) {
      if (!IsDayFile(name)) continue;
      auto info = platform::StatPath(platform::JoinPath(dir, name), false);
      if (info) days[name] = info->size;
    }
    Recount();
    return Status();
  }

  void Recount() {
    stats.bytes = 0;
    for (const auto& [name, bytes] : days) stats.bytes += bytes;
  }

  // Opens the day file; a line torn by a crash at its end is closed with a newline first so
  // the next line stays whole (the reader then skips only the torn one).
  Status OpenDay(const std::string& name) {
    std::string path = platform::JoinPath(dir, name);
    OTGUARD_ASSIGN_OR_RETURN(platform::AppendOnlyFile opened, platform::AppendOnlyFile::Open(path));
    if (opened.size() > 0) {
      OTGUARD_ASSIGN_OR_RETURN(platform::ReadOnlyFile reader, platform::ReadOnlyFile::Open(path));
      uint8_t last = 0;
      OTGUARD_ASSIGN_OR_RETURN(size_t n,
                               reader.ReadAt(opened.size() - 1, std::span<uint8_t>(&last, 1)));
      if (n == 1 && last != '\n') OTGUARD_RETURN_IF_ERROR(opened.Append("\n"));
    }
    file.emplace(std::move(opened));
    day = name;
    days[name] = file->size();
    return Status();
  }

  Status RemoveOldest(const std::string& keep) {
    for (auto it = days.begin(); it != days.end(); ++it) {
      if (it->first == keep) continue;
      OTGUARD_RETURN_IF_ERROR(platform::RemoveFile(platform::JoinPath(dir, it->first)));
      days.erase(it);
      ++stats.days_removed;
      Recount();
      return Status();
    }
    return NotFound("no older day");
  }

  Status Write(const std::string& name, const std::string& lines, bool sync) {
    if (day != name || !file) OTGUARD_RETURN_IF_ERROR(OpenDay(name));
    while (stats.bytes + lines.size() > options.max_bytes) {
      if (!RemoveOldest(name).ok()) break;
    }
    if (stats.bytes + lines.size() > options.max_bytes) {
      stats.dropped += static_cast<uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
      return Status();
    }
    OTGUARD_RETURN_IF_ERROR(file->Append(lines));
    if (sync) OTGUARD_RETURN_IF_ERROR(file->Sync());
    days[name] = file->size();
    stats.written += static_cast<uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
    Recount();
    return Status();
  }
};

HistoryLog::HistoryLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HistoryLog::HistoryLog(HistoryLog&&) noexcept = default;
HistoryLog& HistoryLog::operator=(HistoryLog&&) noexcept = default;
HistoryLog::~HistoryLog() = default;

Result<HistoryLog> HistoryLog::Open(const std::string& dir, const HistoryOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  OTGUARD_RETURN_IF_ERROR(impl->Load());
  return HistoryLog(std::move(impl));
}

std::string HistoryLog::DayFileName(EventTime time) {
  return time.Rfc3339().substr(0, 10) + ".jsonl";
}

void HistoryLog::Append(EventTime time, std::string_view line) {
  std::string name = DayFileName(time);
  if (impl_->pending.empty() || impl_->pending.back().first != name) {
    impl_->pending.emplace_back(name, std::string());
  }
  std::string& lines = impl_->pending.back().second;
  lines.append(line);
  lines.push_back('\n');
}

Status HistoryLog::Flush(bool sync) {
  Impl& s = *impl_;
  while (!s.pending.empty()) {
    auto& [name, lines] = s.pending.front();
    OTGUARD_RETURN_IF_ERROR(s.Write(name, lines, sync));
    s.pending.erase(s.pending.begin());
  }
  if (sync && s.file) OTGUARD_RETURN_IF_ERROR(s.file->Sync());
  return Status();
}

Status HistoryLog::Prune(EventTime now) {
  Impl& s = *impl_;
  std::string oldest_kept =
      DayFileName(EventTime::FromNanos(now.nanos() - (s.options.keep_days - 1) * kStateNsPerDay));
  std::string today = DayFileName(now);
  for (auto it = s.days.begin(); it != s.days.end();) {
    if (it->first < oldest_kept && it->first != s.day) {
      OTGUARD_RETURN_IF_ERROR(platform::RemoveFile(platform::JoinPath(s.dir, it->first)));
      it = s.days.erase(it);
      ++s.stats.days_removed;
    } else {
      ++it;
    }
  }
  s.Recount();
  while (s.stats.bytes > s.options.max_bytes) {
    if (!s.RemoveOldest(s.day.empty() ? today : s.day).ok()) break;
  }
  return Status();
}

const HistoryStats& HistoryLog::stats() const { return impl_->stats; }

}  // namespace otguard::agent
