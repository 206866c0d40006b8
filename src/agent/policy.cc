// The policy file (docs/agent.md). Every error names "<origin>:<line>:<column>: <key>: <what>",
// because an engineer fixes the file in an editor on the station.
#include "otguard/agent/policy.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "otguard/platform/files.h"

namespace otguard::agent {
namespace {

constexpr uint64_t kMaxPolicyBytes = 1 << 20;
constexpr int64_t kNsPerMinute = int64_t{60} * 1000000000;
constexpr int64_t kNsPerDay = kNsPerMinute * 60 * 24;
constexpr std::array<std::string_view, 7> kWeekdays = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads one table's keys into a Policy, keeping the origin and the key path for messages.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  Status Error(const toml::node& node, std::string_view key, std::string_view what) const {
    const toml::source_region& where = node.source();
    return InvalidArgument(origin_ + ":" + std::to_string(where.begin.line) + ":" +
                           std::to_string(where.begin.column) + ": " + std::string(key) + ": " +
                           std::string(what));
  }

  // Refuses keys of `table` not in `known`.
  Status OnlyKeys(const toml::table& table, std::string_view prefix,
                  std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string name = prefix.empty() ? std::string(key.str())
                                          : std::string(prefix) + "." + std::string(key.str());
        return Error(node, name, "unknown key");
      }
    }
    return Status();
  }

  Result<const toml::table*> Table(const toml::table& parent, std::string_view key,
                                   std::string_view name) const {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) return Unexpected(Error(*node, name, "must be a table"));
    return node->as_table();
  }

  Status String(const toml::table& t, std::string_view key, std::string_view name,
                std::string& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    if (!node->is_string()) return Error(*node, name, "must be a string");
    out = node->as_string()->get();
    return Status();
  }

  Status Strings(const toml::table& t, std::string_view key, std::string_view name,
                 std::vector<std::string>& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    const toml::array* array = node->as_array();
    if (array == nullptr) return Error(*node, name, "must be an array of strings");
    out.clear();
    for (const toml::node& item : *array) {
      if (!item.is_string()) return Error(item, name, "must be an array of strings");
      out.push_back(item.as_string()->get());
    }
    return Status();
  }

  Status Duration(const toml::table& t, std::string_view key, std::string_view name,
                  std::chrono::milliseconds& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    Result<std::chrono::milliseconds> value = Unexpected(InvalidArgument(""));
    if (const auto* seconds = node->as_integer()) {
      if (seconds->get() < 0 || seconds->get() > int64_t{100} * 365 * 86400) {
        return Error(*node, name, "out of range");
      }
      value = std::chrono::milliseconds(seconds->get() * 1000);
    } else if (const auto* text = node->as_string()) {
      value = ParseDuration(text->get());
    } else {
      return Error(*node, name, "must be a duration (\"5s\", \"10m\", \"6h\")");
    }
    if (!value) return Error(*node, name, value.error().message());
    out = *value;
    return Status();
  }

  Status Positive(const toml::table& t, std::string_view key, std::string_view name,
                  std::chrono::milliseconds& out) const {
    OTGUARD_RETURN_IF_ERROR(Duration(t, key, name, out));
    if (out.count() <= 0) return Error(*t.get(key), name, "must be longer than 0");
    return Status();
  }

  Status Bytes(const toml::table& t, std::string_view key, std::string_view name,
               uint64_t& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    Result<uint64_t> value = Unexpected(InvalidArgument(""));
    if (const auto* number = node->as_integer()) {
      if (number->get() <= 0) return Error(*node, name, "must be more than 0");
      value = static_cast<uint64_t>(number->get());
    } else if (const auto* text = node->as_string()) {
      value = ParseByteSize(text->get());
    } else {
      return Error(*node, name, "must be a size (4096, \"64M\", \"1G\")");
    }
    if (!value) return Error(*node, name, value.error().message());
    if (*value == 0) return Error(*node, name, "must be more than 0");
    out = *value;
    return Status();
  }

  Status Integer(const toml::table& t, std::string_view key, std::string_view name, int64_t min,
                 int64_t max, int64_t& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    const auto* number = node->as_integer();
    if (number == nullptr) return Error(*node, name, "must be an integer");
    if (number->get() < min || number->get() > max) {
      return Error(*node, name,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = number->get();
    return Status();
  }

  Status Number(const toml::table& t, std::string_view key, std::string_view name, double min,
                double max, double& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    double value = 0;
    if (const auto* i = node->as_integer()) {
      value = static_cast<double>(i->get());
    } else if (const auto* f = node->as_floating_point()) {
      value = f->get();
    } else {
      return Error(*node, name, "must be a number");
    }
    if (!(value >= min && value <= max)) {
      return Error(*node, name,
                   "must be between " + std::to_string(static_cast<int>(min)) + " and " +
                       std::to_string(static_cast<int>(max)));
    }
    out = value;
    return Status();
  }

  Status Bool(const toml::table& t, std::string_view key, std::string_view name, bool& out) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status();
    if (!node->is_boolean()) return Error(*node, name, "must be true or false");
    out = node->as_boolean()->get();
    return Status();
  }

  Status Observe(const toml::table& t, ObservePolicy& out) const {
    OTGUARD_RETURN_IF_ERROR(
        OnlyKeys(t, "observe", {"process_source", "poll_interval", "connections_interval"}));
    OTGUARD_RETURN_IF_ERROR(
        String(t, "process_source", "observe.process_source", out.process_source));
    if (out.process_source.empty()) {
      return Error(*t.get("process_source"), "observe.process_source",
                   "must be \"auto\" or a source name");
    }
    OTGUARD_RETURN_IF_ERROR(
        Positive(t, "poll_interval", "observe.poll_interval", out.poll_interval));
    return Positive(t, "connections_interval", "observe.connections_interval",
                    out.connections_interval);
  }

  Status Allowlist(const toml::table& t, AllowlistPolicy& out) const {
    OTGUARD_RETURN_IF_ERROR(OnlyKeys(t, "allowlist", {"mode", "file", "critical"}));
    OTGUARD_RETURN_IF_ERROR(String(t, "file", "allowlist.file", out.file));
    OTGUARD_RETURN_IF_ERROR(Strings(t, "critical", "allowlist.critical", out.critical));
    out.mode = out.file.empty() ? AllowlistMode::kLearn : AllowlistMode::kMonitor;
    const toml::node* mode = t.get("mode");
    if (mode == nullptr) return Status();
    std::string name;
    OTGUARD_RETURN_IF_ERROR(String(t, "mode", "allowlist.mode", name));
    bool known = false;
    for (AllowlistMode m : {AllowlistMode::kOff, AllowlistMode::kLearn, AllowlistMode::kMonitor,
                            AllowlistMode::kEnforce}) {
      if (name == AllowlistModeName(m)) {
        out.mode = m;
        known = true;
      }
    }
    if (!known) {
      return Error(*mode, "allowlist.mode",
                   "unknown mode '" + name + "' (off, learn, monitor, enforce)");
    }
    if ((out.mode == AllowlistMode::kMonitor || out.mode == AllowlistMode::kEnforce) &&
        out.file.empty()) {
      return Error(*mode, "allowlist.mode", name + " needs allowlist.file");
    }
    return Status();
  }

  Status Upgrades(const toml::table& t, UpgradesPolicy& out) const {
    OTGUARD_RETURN_IF_ERROR(OnlyKeys(t, "upgrades", {"windows", "trusted_updaters"}));
    OTGUARD_RETURN_IF_ERROR(
        Strings(t, "trusted_updaters", "upgrades.trusted_updaters", out.trusted_updaters));
    std::vector<std::string> windows;
    OTGUARD_RETURN_IF_ERROR(Strings(t, "windows", "upgrades.windows", windows));
    size_t i = 0;
    for (const std::string& text : windows) {
      Result<WindowSpec> window = ParseWindow(text);
      const toml::node& node = *t.get("windows")->as_array()->get(i);
      if (!window) {
        return Error(node, "upgrades.windows[" + std::to_string(i) + "]", window.error().message());
      }
      out.windows.push_back(*window);
      ++i;
    }
    return Status();
  }

  Status When(const toml::table& t, std::string_view prefix, JobSchedule& out) const {
    std::chrono::milliseconds every{0};
    std::string every_key = std::string(prefix) + ".every";
    OTGUARD_RETURN_IF_ERROR(Duration(t, "every", every_key, every));
    if (t.get("every") != nullptr && every < std::chrono::minutes(1)) {
      return Error(*t.get("every"), every_key, "must be at least 1m");
    }
    out.every = std::chrono::duration_cast<std::chrono::seconds>(every);
    std::string at;
    std::string at_key = std::string(prefix) + ".at";
    OTGUARD_RETURN_IF_ERROR(String(t, "at", at_key, at));
    if (!at.empty()) {
      int h = 0, m = 0;
      if (at.size() != 5 || at[2] != ':' ||
          std::from_chars(at.data(), at.data() + 2, h).ptr != at.data() + 2 ||
          std::from_chars(at.data() + 3, at.data() + 5, m).ptr != at.data() + 5 || h > 23 ||
          m > 59) {
        return Error(*t.get("at"), at_key, "must be HH:MM (UTC)");
      }
      out.at_minute = h * 60 + m;
    }
    if (out.every.count() > 0 && out.at_minute >= 0) {
      return Error(*t.get("at"), at_key, "give either every or at, not both");
    }
    return Status();
  }

  Status Schedule(const toml::table& t, SchedulePolicy& out) const {
    OTGUARD_RETURN_IF_ERROR(OnlyKeys(t, "schedule", {"inventory", "scan", "hunt"}));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* inventory,
                             Table(t, "inventory", "schedule.inventory"));
    if (inventory != nullptr) {
      OTGUARD_RETURN_IF_ERROR(OnlyKeys(*inventory, "schedule.inventory", {"every", "at"}));
      OTGUARD_RETURN_IF_ERROR(When(*inventory, "schedule.inventory", out.inventory));
    }
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* scan, Table(t, "scan", "schedule.scan"));
    if (scan != nullptr) OTGUARD_RETURN_IF_ERROR(Scan(*scan, out.scan));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* hunt, Table(t, "hunt", "schedule.hunt"));
    if (hunt != nullptr) {
      OTGUARD_RETURN_IF_ERROR(OnlyKeys(*hunt, "schedule.hunt", {"every", "at", "packs"}));
      OTGUARD_RETURN_IF_ERROR(When(*hunt, "schedule.hunt", out.hunt.when));
      OTGUARD_RETURN_IF_ERROR(Strings(*hunt, "packs", "schedule.hunt.packs", out.hunt.packs));
    }
    return Status();
  }

  Status Scan(const toml::table& t, ScanJob& out) const {
    OTGUARD_RETURN_IF_ERROR(
        OnlyKeys(t, "schedule.scan",
                 {"every", "at", "paths", "exclude", "databases", "yara", "max_cpu_percent",
                  "threads", "max_filesize", "one_file_system"}));
    OTGUARD_RETURN_IF_ERROR(When(t, "schedule.scan", out.when));
    OTGUARD_RETURN_IF_ERROR(Strings(t, "paths", "schedule.scan.paths", out.paths));
    OTGUARD_RETURN_IF_ERROR(Strings(t, "exclude", "schedule.scan.exclude", out.exclude));
    OTGUARD_RETURN_IF_ERROR(Strings(t, "databases", "schedule.scan.databases", out.databases));
    OTGUARD_RETURN_IF_ERROR(Strings(t, "yara", "schedule.scan.yara", out.yara_files));
    OTGUARD_RETURN_IF_ERROR(
        Number(t, "max_cpu_percent", "schedule.scan.max_cpu_percent", 0, 100, out.max_cpu_percent));
    int64_t threads = out.threads;
    OTGUARD_RETURN_IF_ERROR(Integer(t, "threads", "schedule.scan.threads", 1, 64, threads));
    out.threads = static_cast<unsigned>(threads);
    OTGUARD_RETURN_IF_ERROR(
        Bytes(t, "max_filesize", "schedule.scan.max_filesize", out.max_filesize));
    OTGUARD_RETURN_IF_ERROR(
        Bool(t, "one_file_system", "schedule.scan.one_file_system", out.one_file_system));
    if (out.when.enabled() && out.paths.empty()) {
      return Error(t, "schedule.scan.paths", "a scheduled scan needs paths");
    }
    return Status();
  }

  Status Top(const toml::table& doc, Policy& out) const {
    OTGUARD_RETURN_IF_ERROR(
        OnlyKeys(doc, "",
                 {"observe", "allowlist", "upgrades", "schedule", "spool", "history",
                  "merge"}));  // [merge]: host::ParseMergePolicy's (learning)
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* observe, Table(doc, "observe", "observe"));
    if (observe != nullptr) OTGUARD_RETURN_IF_ERROR(Observe(*observe, out.observe));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* allowlist, Table(doc, "allowlist", "allowlist"));
    if (allowlist != nullptr) OTGUARD_RETURN_IF_ERROR(Allowlist(*allowlist, out.allowlist));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* upgrades, Table(doc, "upgrades", "upgrades"));
    if (upgrades != nullptr) OTGUARD_RETURN_IF_ERROR(Upgrades(*upgrades, out.upgrades));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* schedule, Table(doc, "schedule", "schedule"));
    if (schedule != nullptr) OTGUARD_RETURN_IF_ERROR(Schedule(*schedule, out.schedule));
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* spool, Table(doc, "spool", "spool"));
    if (spool != nullptr) {
      OTGUARD_RETURN_IF_ERROR(OnlyKeys(*spool, "spool", {"max_bytes"}));
      OTGUARD_RETURN_IF_ERROR(Bytes(*spool, "max_bytes", "spool.max_bytes", out.spool_max_bytes));
    }
    OTGUARD_ASSIGN_OR_RETURN(const toml::table* history, Table(doc, "history", "history"));
    if (history != nullptr) {
      OTGUARD_RETURN_IF_ERROR(OnlyKeys(*history, "history", {"max_bytes", "keep_days"}));
      OTGUARD_RETURN_IF_ERROR(
          Bytes(*history, "max_bytes", "history.max_bytes", out.history_max_bytes));
      int64_t days = out.history_keep_days;
      OTGUARD_RETURN_IF_ERROR(Integer(*history, "keep_days", "history.keep_days", 1, 3650, days));
      out.history_keep_days = static_cast<int>(days);
    }
    return Status();
  }

 private:
  std::string origin_;
};

// Days since 1970-01-01 to weekday (0 = Sunday): that day was a Thursday.
int WeekdayOfDay(int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Result<int> ParseClock(std::string_view text) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' ||
      std::from_chars(text.data(), text.data() + 2, h).ptr != text.data() + 2 ||
      std::from_chars(text.data() + 3, text.data() + 5, m).ptr != text.data() + 5 || h > 24 ||
      m > 59 || (h == 24 && m != 0)) {
    return Unexpected(InvalidArgument("'" + std::string(text) + "' is not HH:MM"));
  }
  return h * 60 + m;
}

}  // namespace

const char* AllowlistModeName(AllowlistMode mode) {
  switch (mode) {
    case AllowlistMode::kOff:
      return "off";
    case AllowlistMode::kLearn:
      return "learn";
    case AllowlistMode::kMonitor:
      return "monitor";
    case AllowlistMode::kEnforce:
      return "enforce";
  }
  return "?";
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  text = Trim(text);
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) {
    return Unexpected(InvalidArgument("'" + std::string(text) +
                                      "' is not a duration (\"200ms\", \"5s\", \"10m\", \"6h\", "
                                      "\"7d\")"));
  }
  std::string unit = Lower(Trim(std::string_view(end, text.data() + text.size() - end)));
  uint64_t ms_per = 0;
  if (unit == "ms") {
    ms_per = 1;
  } else if (unit == "s" || unit.empty()) {
    ms_per = 1000;
  } else if (unit == "m" || unit == "min") {
    ms_per = 60 * 1000;
  } else if (unit == "h") {
    ms_per = 3600 * 1000;
  } else if (unit == "d") {
    ms_per = 86400 * 1000;
  } else {
    return Unexpected(InvalidArgument("unknown unit '" + unit + "' (ms, s, m, h, d)"));
  }
  constexpr uint64_t kMaxMs = uint64_t{100} * 365 * 86400 * 1000;
  if (number > kMaxMs / ms_per) return Unexpected(InvalidArgument("duration too long"));
  return std::chrono::milliseconds(static_cast<int64_t>(number * ms_per));
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) {
    return Unexpected(
        InvalidArgument("'" + std::string(text) + "' is not a size (4096, \"64M\", \"1G\")"));
  }
  std::string unit = Lower(Trim(std::string_view(end, text.data() + text.size() - end)));
  if (unit.size() == 3 && unit.ends_with("ib")) unit.resize(1);
  if (unit.size() == 2 && unit.ends_with("b")) unit.resize(1);
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k") {
    shift = 10;
  } else if (unit == "m") {
    shift = 20;
  } else if (unit == "g") {
    shift = 30;
  } else if (unit == "t") {
    shift = 40;
  } else {
    return Unexpected(InvalidArgument("unknown unit in '" + std::string(text) + "' (K, M, G)"));
  }
  if (number > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return Unexpected(InvalidArgument("size too large"));
  }
  return number << shift;
}

Result<WindowSpec> ParseWindow(std::string_view text) {
  WindowSpec out;
  out.text = std::string(text);
  text = Trim(text);
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    auto begin = EventTime::ParseRfc3339(Trim(text.substr(0, slash)));
    auto end = EventTime::ParseRfc3339(Trim(text.substr(slash + 1)));
    if (!begin) return Unexpected(begin.error());
    if (!end) return Unexpected(end.error());
    if (!(*begin < *end)) return Unexpected(InvalidArgument("the window ends before it begins"));
    out.begin = *begin;
    out.end = *end;
    return out;
  }
  // "Sun 02:00-04:00"
  std::string day = Lower(text.substr(0, std::min<size_t>(3, text.size())));
  auto it = std::find(kWeekdays.begin(), kWeekdays.end(), day);
  size_t space = text.find(' ');
  size_t dash = text.find('-');
  if (it == kWeekdays.end() || space == std::string_view::npos || dash == std::string_view::npos ||
      dash < space) {
    return Unexpected(InvalidArgument("'" + std::string(text) +
                                      "' is neither \"Sun 02:00-04:00\" (weekly, UTC) nor "
                                      "\"<RFC 3339>/<RFC 3339>\""));
  }
  OTGUARD_ASSIGN_OR_RETURN(int begin, ParseClock(Trim(text.substr(space + 1, dash - space - 1))));
  OTGUARD_ASSIGN_OR_RETURN(int end, ParseClock(Trim(text.substr(dash + 1))));
  if (begin == end) return Unexpected(InvalidArgument("the window is empty"));
  out.weekly = true;
  out.weekday = static_cast<int>(it - kWeekdays.begin());
  out.begin_minute = begin;
  out.end_minute = end;
  return out;
}

bool InWindow(const WindowSpec& window, EventTime t) {
  if (!window.weekly) return window.begin <= t && t < window.end;
  int64_t day = FloorDiv(t.nanos(), kNsPerDay);
  int minute = static_cast<int>((t.nanos() - day * kNsPerDay) / kNsPerMinute);
  int weekday = WeekdayOfDay(day);
  if (window.begin_minute < window.end_minute) {
    return weekday == window.weekday && minute >= window.begin_minute && minute < window.end_minute;
  }
  // Past midnight: the begin day's evening, or the next day's morning.
  return (weekday == window.weekday && minute >= window.begin_minute) ||
         (weekday == (window.weekday + 1) % 7 && minute < window.end_minute);
}

EventTime NextRun(const JobSchedule& schedule, EventTime last) {
  if (schedule.every.count() > 0) {
    return EventTime::FromNanos(
        last.nanos() +
        std::chrono::duration_cast<std::chrono::nanoseconds>(schedule.every).count());
  }
  if (schedule.at_minute < 0) return EventTime::FromNanos(std::numeric_limits<int64_t>::max());
  // The first HH:MM after the last run.
  int64_t day = FloorDiv(last.nanos(), kNsPerDay);
  int64_t candidate = day * kNsPerDay + schedule.at_minute * kNsPerMinute;
  if (candidate <= last.nanos()) candidate += kNsPerDay;
  return EventTime::FromNanos(candidate);
}

Result<Policy> ParsePolicy(std::string_view text, std::string_view origin) {
  std::string where(origin);
  if (text.size() > kMaxPolicyBytes) {
    return Unexpected(InvalidArgument(where + ": larger than 1 MiB"));
  }
  toml::table doc;
  try {
    doc = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    return Unexpected(InvalidArgument(where + ":" + std::to_string(e.source().begin.line) + ":" +
                                      std::to_string(e.source().begin.column) + ": " +
                                      std::string(e.description())));
  }
  Policy policy;
  policy.origin = where;
  OTGUARD_RETURN_IF_ERROR(Reader(where).Top(doc, policy));
  return policy;
}

Result<Policy> LoadPolicy(const std::string& path) {
  auto text = platform::ReadFileToString(path, kMaxPolicyBytes);
  if (!text) return Unexpected(text.error().WithContext(path));
  return ParsePolicy(*text, path);
}

}  // namespace otguard::agent
