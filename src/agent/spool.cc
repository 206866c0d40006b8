#include "otguard/agent/spool.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "otguard/base/event.h"
#include "otguard/platform/files.h"
#include "otguard/platform/state_files.h"

namespace otguard::agent {
namespace {

constexpr char kCursorFile[] = "cursor";
constexpr char kSuffix[] = ".jsonl";
constexpr uint64_t kMaxSegmentRead = 1ull << 30;

struct Segment {
  uint64_t first = 0;  // from the name: the first sequence it was made for
  uint64_t last = 0;   // the last sequence in it; first - 1 when empty
  uint64_t events = 0;
  uint64_t bytes = 0;
  std::string path;
};

std::string SegmentName(uint64_t first) {
  std::string digits = std::to_string(first);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits + kSuffix;
}

std::optional<uint64_t> SegmentFirst(const std::string& name) {
  if (name.size() != 20 + sizeof(kSuffix) - 1 || !name.ends_with(kSuffix)) return std::nullopt;
  uint64_t first = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + 20, first);
  if (ec != std::errc() || end != name.data() + 20) return std::nullopt;
  return first;
}

// The sequence of one spooled line; nullopt when it is not a spooled record.
std::optional<uint64_t> LineSequence(std::string_view line) {
  nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
  if (record.is_discarded() || !record.is_object()) return std::nullopt;
  auto event = record.find("event");
  if (event == record.end() || !event->is_object()) return std::nullopt;
  auto sequence = event->find("sequence");
  if (sequence == event->end() || !sequence->is_number_unsigned()) return std::nullopt;
  return sequence->get<uint64_t>();
}

// Calls `each(sequence, line)` for every good line of `text`; returns the lines skipped.
template <typename F>
uint64_t ForEachLine(std::string_view text, F&& each) {
  uint64_t skipped = 0;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {  // torn by a crash mid-write
      ++skipped;
      break;
    }
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (line.empty()) continue;
    std::optional<uint64_t> sequence = LineSequence(line);
    if (!sequence) {
      ++skipped;
      continue;
    }
    each(*sequence, line);
  }
  return skipped;
}

}  // namespace

struct Spool::Impl {
  std::string dir;
  SpoolOptions options;
  SpoolStats stats;
  std::vector<Segment> segments;                    // oldest first
  std::optional<platform::AppendOnlyFile> current;  // the newest segment, opened by this run

  uint64_t SegmentLimit() const {
    if (options.segment_bytes > 0) return options.segment_bytes;
    return std::clamp<uint64_t>(options.max_bytes / 8, 4096, 8ull << 20);
  }

  void Recount() {
    stats.segments = segments.size();
    stats.bytes = 0;
    for (const Segment& s : segments) stats.bytes += s.bytes;
  }

  Status ReadCursor() {
    std::string path = platform::JoinPath(dir, kCursorFile);
    if (!platform::PathExists(path)) return Status();
    auto text = platform::ReadFileToString(path, 4096);
    if (!text) return text.error();
    nlohmann::json cursor = nlohmann::json::parse(*text, nullptr, false);
    if (cursor.is_object() && cursor.contains("acked") && cursor["acked"].is_number_unsigned()) {
      stats.acked = cursor["acked"].get<uint64_t>();
    } else {
      stats.cursor_reset = true;  // resend all: event.id makes that harmless
    }
    return Status();
  }

  Status Load() {
    OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(dir, 0700));
    OTGUARD_RETURN_IF_ERROR(ReadCursor());
    OTGUARD_ASSIGN_OR_RETURN(std::vector<std::string> names, platform::ListDirectory(dir));
    std::sort(names.begin(), names.end());
    uint64_t high = stats.acked;
    for (const std::string& name : names) {
      std::optional<uint64_t> first = SegmentFirst(name);
      if (!first || *first == 0) continue;
      Segment segment{*first, *first - 1, 0, 0, platform::JoinPath(dir, name)};
      auto text = platform::ReadFileToString(segment.path, kMaxSegmentRead);
      if (!text) return text.error().WithContext(segment.path);
      segment.bytes = text->size();
      stats.torn_lines += ForEachLine(*text, [&](uint64_t sequence, std::string_view) {
        segment.last = std::max(segment.last, sequence);
        ++segment.events;
      });
      high = std::max({high, segment.last, segment.first - 1});
      segments.push_back(std::move(segment));
    }
    stats.next_sequence = high + 1;
    Recount();
    return Status();
  }

  // Starts a new segment for the next record (after a restart, and when the current is full).
  Status StartSegment() {
    Segment segment{stats.next_sequence, stats.next_sequence - 1, 0, 0,
                    platform::JoinPath(dir, SegmentName(stats.next_sequence))};
    OTGUARD_ASSIGN_OR_RETURN(platform::AppendOnlyFile file,
                             platform::AppendOnlyFile::Open(segment.path));
    segment.bytes = file.size();
    current.emplace(std::move(file));
    segments.push_back(std::move(segment));
    return platform::SyncDirectory(dir);
  }

  // Unacknowledged records in `segment`.
  uint64_t Unacked(const Segment& segment) const {
    if (segment.events == 0 || segment.last <= stats.acked) return 0;
    uint64_t from = std::max(segment.first, stats.acked + 1);
    return std::min(segment.events, segment.last - from + 1);
  }

  // Drops the oldest segments (never the current) until `incoming` more bytes fit. Returns
  // the unacknowledged records lost.
  Result<uint64_t> MakeRoom(uint64_t incoming) {
    uint64_t lost = 0;
    while (segments.size() > 1 && stats.bytes + incoming > options.max_bytes) {
      Segment& oldest = segments.front();
      OTGUARD_RETURN_IF_ERROR(platform::RemoveFile(oldest.path));
      lost += Unacked(oldest);
      stats.bytes -= oldest.bytes;
      segments.erase(segments.begin());
    }
    Recount();
    return lost;
  }

  std::string Stamp(nlohmann::json& record) {
    uint64_t sequence = stats.next_sequence++;
    record["event"]["sequence"] = sequence;
    record["event"]["id"] = options.agent_id + "-" + std::to_string(sequence);
    return JsonLine(record) + "\n";
  }

  Status Write(const std::string& data, uint64_t first, uint64_t count) {
    OTGUARD_RETURN_IF_ERROR(current->Append(data));
    OTGUARD_RETURN_IF_ERROR(current->Sync());
    Segment& segment = segments.back();
    segment.bytes = current->size();
    segment.events += count;
    segment.last = first + count - 1;
    stats.appended += count;
    Recount();
    return Status();
  }

  Status AppendBatch(std::vector<nlohmann::json>& records) {
    if (!current || segments.empty() || segments.back().bytes >= SegmentLimit()) {
      OTGUARD_RETURN_IF_ERROR(StartSegment());
    }
    uint64_t first = stats.next_sequence;
    std::string data;
    for (nlohmann::json& record : records) data += Stamp(record);
    OTGUARD_ASSIGN_OR_RETURN(uint64_t lost, MakeRoom(data.size()));
    if (lost > 0) {
      // Said in the spool itself, where the server will read it, ahead of the batch.
      stats.lost_events += lost;
      stats.next_sequence = first;
      nlohmann::json overflow = StartRecord({"event", "agent", "otguard.agent.spool_overflow"},
                                            EventTime::Now(), options.host_name);
      overflow["event"]["action"] = "spool-overflow";
      overflow["message"] =
          "spool full: " + std::to_string(lost) + " unsent events dropped, oldest first";
      overflow["otguard"]["spool"] = {{"lost_events", lost}, {"max_bytes", options.max_bytes}};
      data = Stamp(overflow);
      for (nlohmann::json& record : records) data += Stamp(record);
    }
    return Write(data, first, stats.next_sequence - first);
  }
};

Spool::Spool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spool::Spool(Spool&&) noexcept = default;
Spool& Spool::operator=(Spool&&) noexcept = default;
Spool::~Spool() = default;

Result<Spool> Spool::Open(const std::string& dir, const SpoolOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  if (impl->options.max_bytes == 0) return Unexpected(InvalidArgument("spool: max_bytes is 0"));
  OTGUARD_RETURN_IF_ERROR(impl->Load());
  return Spool(std::move(impl));
}

Status Spool::Append(std::vector<nlohmann::json> records) {
  if (records.empty()) return Status();
  return impl_->AppendBatch(records);
}

Result<std::vector<SpooledEvent>> Spool::Read(uint64_t after, size_t max) const {
  std::vector<SpooledEvent> out;
  for (const Segment& segment : impl_->segments) {
    if (out.size() >= max) break;
    if (segment.events == 0 || segment.last <= after) continue;
    auto text = platform::ReadFileToString(segment.path, kMaxSegmentRead);
    if (!text) return Unexpected(text.error().WithContext(segment.path));
    ForEachLine(*text, [&](uint64_t sequence, std::string_view line) {
      if (sequence > after && out.size() < max) out.push_back({sequence, std::string(line)});
    });
  }
  return out;
}

Status Spool::Ack(uint64_t sequence) {
  Impl& s = *impl_;
  if (sequence >= s.stats.next_sequence) {
    return InvalidArgument("spool: ack " + std::to_string(sequence) + " beyond the last record " +
                           std::to_string(s.stats.next_sequence - 1));
  }
  if (sequence <= s.stats.acked) return Status();
  nlohmann::json cursor = {{"acked", sequence}};
  OTGUARD_RETURN_IF_ERROR(
      platform::WriteFileAtomic(platform::JoinPath(s.dir, kCursorFile), cursor.dump(), 0600));
  OTGUARD_RETURN_IF_ERROR(platform::SyncDirectory(s.dir));
  s.stats.acked = sequence;
  // Segments wholly delivered go; the newest stays (it is being written to).
  while (s.segments.size() > 1 && s.segments.front().last <= sequence) {
    OTGUARD_RETURN_IF_ERROR(platform::RemoveFile(s.segments.front().path));
    s.segments.erase(s.segments.begin());
  }
  s.Recount();
  return Status();
}

Status Spool::Flush() { return impl_->current ? impl_->current->Sync() : Status(); }

const SpoolStats& Spool::stats() const { return impl_->stats; }
const std::string& Spool::dir() const { return impl_->dir; }

}  // namespace otguard::agent
