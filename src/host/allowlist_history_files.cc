// The observation history directory, streamed (docs/allowlist.md "Observation history files"):
// which files, in which order, and line by line in bounded memory, so a year of history or a
// corrupted file costs no more memory than one line.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/allowlist_text.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/files.h"

namespace otguard::host {
namespace {

using allowlist_internal::kMaxObservationLineBytes;

constexpr size_t kMaxProblems = 20;
constexpr std::string_view kSuffix = ".jsonl";

// A history file's place in time: the name up to ".jsonl" (the UTC date) and the continuation
// number after it (0 for none). Nullopt for any other name.
struct FileKey {
  std::string stem;
  uint64_t part = 0;
  std::string name;
  bool operator<(const FileKey& o) const {
    return stem != o.stem ? stem < o.stem : part != o.part ? part < o.part : name < o.name;
  }
};

std::optional<FileKey> HistoryFileKey(const std::string& name) {
  if (name.empty() || name[0] == '.') return std::nullopt;  // hidden: an editor's, not ours
  size_t at = name.rfind(kSuffix);
  if (at == std::string::npos || at == 0) return std::nullopt;
  FileKey key{name.substr(0, at), 0, name};
  std::string_view rest = std::string_view(name).substr(at + kSuffix.size());
  if (rest.empty()) return key;
  if (rest[0] != '.' || rest.size() < 2 || rest.size() > 10 || rest[1] == '0') return std::nullopt;
  for (char c : rest.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    key.part = key.part * 10 + static_cast<uint64_t>(c - '0');
  }
  return key;
}

// Counts and notes what went wrong, keeping the first kMaxProblems notes.
class Problems {
 public:
  explicit Problems(HistoryReadReport* report) : report_(report) {}
  void Add(std::string text) {
    if (report_->problems.size() < kMaxProblems) report_->problems.push_back(std::move(text));
  }
  void BadLine(const std::string& file, uint64_t line, std::string_view what, bool torn) {
    ++report_->bad_lines;
    if (torn) ++report_->torn_lines;
    Add(file + ":" + std::to_string(line) + ": " + std::string(what));
  }

 private:
  HistoryReadReport* report_;
};

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// Reads one file's lines into `sink`. Read errors end this file only.
class FileLines {
 public:
  FileLines(const std::string& path, const std::function<void(const Observation&)>& sink,
            HistoryReadReport* report)
      : path_(path), sink_(sink), report_(report), problems_(report) {}

  void Read() {
    auto file = platform::ReadOnlyFile::Open(path_);
    if (!file) {
      problems_.Add(path_ + ": cannot read: " + std::string(file.error().message()));
      return;
    }
    file->AdviseSequential();
    std::vector<uint8_t> chunk(64 * 1024);
    uint64_t offset = 0;
    for (;;) {
      auto n = file->ReadAt(offset, chunk);
      if (!n) {
        problems_.Add(path_ + ": read error after " + std::to_string(offset) +
                      " bytes: " + std::string(n.error().message()));
        break;
      }
      if (*n == 0) break;
      Feed(std::string_view(reinterpret_cast<const char*>(chunk.data()), *n));
      offset += *n;
    }
    if (!line_.empty() || too_long_) EndLine(/*torn=*/true);
    file->AdviseDone();
  }

 private:
  void Feed(std::string_view bytes) {
    while (!bytes.empty()) {
      size_t newline = bytes.find('\n');
      std::string_view part = bytes.substr(0, newline);
      if (!too_long_) {
        if (line_.size() + part.size() > kMaxObservationLineBytes + 1) {  // +1: a '\r'
          too_long_ = true;
          line_.clear();
          line_.shrink_to_fit();
        } else {
          line_.append(part);
        }
      }
      if (newline == std::string_view::npos) return;
      EndLine(/*torn=*/false);
      bytes.remove_prefix(newline + 1);
    }
  }

  void EndLine(bool torn) {
    ++number_;
    std::string_view line = line_;
    if (number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // a BOM
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (too_long_) {
      ++report_->lines;
      problems_.BadLine(path_, number_, "line longer than 64 KiB", torn);
    } else if (!IsBlank(line)) {
      ++report_->lines;
      auto observation = ParseObservation(line);
      if (observation) {
        sink_(*observation);
      } else if (torn) {
        problems_.BadLine(path_, number_,
                          "torn last line (no newline at the end: a write cut short): " +
                              std::string(observation.error().message()),
                          true);
      } else {
        problems_.BadLine(path_, number_, observation.error().message(), false);
      }
    }
    line_.clear();
    too_long_ = false;
  }

  const std::string& path_;
  const std::function<void(const Observation&)>& sink_;
  HistoryReadReport* report_;
  Problems problems_;
  std::string line_;
  bool too_long_ = false;
  uint64_t number_ = 0;
};

}  // namespace

Status ForEachObservation(const std::string& dir,
                          const std::function<void(const Observation&)>& sink,
                          HistoryReadReport* report) {
  HistoryReadReport local;
  if (report == nullptr) report = &local;
  auto names = platform::ListDirectory(dir);
  if (!names) return names.error();  // "open directory DIR: No such file or directory"
  std::vector<FileKey> files;
  for (const std::string& name : *names) {
    if (auto key = HistoryFileKey(name)) files.push_back(std::move(*key));
  }
  std::sort(files.begin(), files.end());
  for (const FileKey& key : files) {
    std::string path = platform::JoinPath(dir, key.name);
    auto info = platform::StatPath(path, /*follow_symlinks=*/false);
    if (!info || info->type != platform::FileType::kRegular) {
      Problems(report).Add(path + ": skipped: " +
                           (info ? "a " + info->type_name + ", not a regular file"
                                 : std::string(info.error().message())));
      continue;
    }
    ++report->files;
    FileLines(path, sink, report).Read();
  }
  return Status::Ok();
}

}  // namespace otguard::host
