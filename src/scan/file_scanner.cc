#include "scan/file_scanner.h"

#include <algorithm>
#include <tuple>

#include "otguard/pe/pe.h"

namespace otguard::scan {
namespace {

DigestSet NeededDigests(const Engines& engines) {
  DigestSet set = 0;
  for (const auto& db : engines.databases) set |= db->NeededHashes();
  return set;
}

ProblemKind KindOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return ProblemKind::kNotFound;
    case StatusCode::kPermissionDenied:
      return ProblemKind::kPermissionDenied;
    default:
      return ProblemKind::kIoError;
  }
}

Detection FromSigdb(const sigdb::Detection& d) {
  Detection out;
  out.engine = d.kind == sigdb::Detection::Kind::kHash ? Engine::kHash : Engine::kBody;
  out.rule = d.name;
  out.source = d.source;
  return out;
}

// Several databases (or the built-in signature in a compiled and a source database) may report
// the same signature; the operator should see it once.
void Deduplicate(std::vector<Detection>* detections) {
  std::vector<Detection> unique;
  for (auto& d : *detections) {
    bool seen = std::any_of(unique.begin(), unique.end(), [&](const Detection& u) {
      return std::tie(u.engine, u.rule, u.source) == std::tie(d.engine, d.rule, d.source);
    });
    if (!seen) unique.push_back(std::move(d));
  }
  *detections = std::move(unique);
}

// ClamAV treats every file that starts with "MZ" as an executable (target 1), whether or not
// its PE headers parse; EP and section offsets exist only when the PE is one ClamAV would
// load (pe::Image::clamav_broken). Null for other files.
std::optional<sigdb::ExecutableLayout> LayoutFor(ByteSpan data) {
  if (data.size() < 2 || data[0] != 'M' || data[1] != 'Z') return std::nullopt;
  sigdb::ExecutableLayout layout;
  auto image = pe::Parse(data);
  if (image && !image->clamav_broken) {
    layout.entry_point = image->entry_point_offset;
    for (const auto& s : image->sections) layout.sections.push_back({s.file_offset, s.file_size});
  }
  return layout;
}

std::string SizeChange(uint64_t before, uint64_t after) {
  return std::to_string(before) + " -> " + std::to_string(after) + " bytes";
}

}  // namespace

Result<FileScanner> FileScanner::Create(const Engines& engines, const ScanOptions& options,
                                        CpuThrottle* throttle) {
  OTGUARD_ASSIGN_OR_RETURN(auto digest, platform::MultiDigest::Create(NeededDigests(engines)));
  std::vector<YaraScanner> yara;
  for (const auto& rules : engines.yara) {
    OTGUARD_ASSIGN_OR_RETURN(YaraScanner scanner, YaraScanner::Create(rules));
    yara.push_back(std::move(scanner));
  }
  return FileScanner(engines, options, throttle, std::move(digest), std::move(yara));
}

FileScanner::FileScanner(const Engines& engines, const ScanOptions& options, CpuThrottle* throttle,
                         platform::MultiDigest digest, std::vector<YaraScanner> yara)
    : engines_(engines),
      options_(options),
      throttle_(throttle),
      digest_(std::move(digest)),
      yara_(std::move(yara)) {
  // Only body signatures and YARA look at the bytes themselves; digests need no whole file.
  streaming_ =
      yara_.empty() && std::none_of(engines.databases.begin(), engines.databases.end(),
                                    [](const auto& db) { return db->HasBodySignatures(); });
}

FileOutcome FileScanner::ScanFile(const std::string& path, bool follow_symlink) {
  FileOutcome outcome;
  outcome.verdict.path = path;
  auto problem = [&](ProblemKind kind, std::string message) {
    outcome.problems.push_back(FileProblem{path, kind, std::move(message)});
    return std::move(outcome);
  };

  platform::ReadOnlyFile::Options open_options;
  open_options.follow_symlinks = follow_symlink || options_.follow_symlinks;
  auto file = platform::ReadOnlyFile::Open(path, open_options);
  if (!file) {
    // A symlink that replaced the file since the walk saw it is not followed.
    if (file.error().code() == StatusCode::kInvalidArgument) {
      return problem(ProblemKind::kSkipped, std::string(file.error().message()));
    }
    return problem(KindOf(file.error()), std::string(file.error().message()));
  }
  auto before = file->Stat();
  if (!before) return problem(KindOf(before.error()), std::string(before.error().message()));
  outcome.info = *before;
  outcome.verdict.size = before->size;
  if (before->type != platform::FileType::kRegular) {
    return problem(ProblemKind::kSkipped, "not a regular file (" + before->type_name + ")");
  }
  if (before->size > options_.max_filesize) {
    return problem(ProblemKind::kSkipped,
                   "larger than the maximum file size (" + std::to_string(before->size) + " > " +
                       std::to_string(options_.max_filesize) + " bytes), not scanned");
  }

  file->AdviseSequential();
  std::optional<platform::FileView> view;
  if (!streaming_ && before->size >= kMapMin) {
    auto mapped = platform::FileView::Map(*file, before->size);
    if (mapped) view.emplace(std::move(*mapped));  // otherwise read it into the buffer
  }
  auto read = view ? Result<ReadResult>(HashMapped(view->bytes())) : Read(*file, before->size);
  if (!read) {
    ReleaseIfHuge(before->size);
    return problem(KindOf(read.error()), std::string(read.error().message()));
  }
  if (after_read_hook_) after_read_hook_(path);
  auto after = file->Stat();
  // No AdviseDone() (POSIX_FADV_DONTNEED) here: it drops the file from the page cache even
  // when it was cached before the scan (a library or data file the plant is using), so the
  // next reader, and every later scan, goes to the disk. The kernel already reclaims pages
  // read once before the working set. Measured: a warm 2 GB corpus scanned by 2 threads took
  // 4.1 s instead of 2.0 s because the previous run had evicted it.

  uint64_t n = std::min<uint64_t>(read->read, before->size);
  outcome.scanned = true;
  outcome.bytes = read->read;
  ByteSpan data = view         ? view->bytes()
                  : streaming_ ? ByteSpan()
                               : ByteSpan(buffer_.get(), static_cast<size_t>(n));
  RunEngines(data, n, *read, &outcome);
  ReleaseIfHuge(view ? 0 : read->read);

  bool changed = read->read != before->size || !after || after->size != before->size ||
                 after->mtime_ns != before->mtime_ns || (view && view->truncated());
  if (changed) {
    uint64_t now = after ? after->size : read->read;
    outcome.problems.push_back(FileProblem{path, ProblemKind::kChanged,
                                           "changed during scan (" + SizeChange(before->size, now) +
                                               "); results are for the data read"});
  }
  return outcome;
}

namespace {
// Above glibc's largest dynamic mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB on 64-bit).
constexpr size_t kMappedMin = (size_t{32} << 20) + 4096;
}  // namespace

void FileScanner::ReleaseIfHuge(uint64_t used) {
  // A rare huge file: its pages are not kept for the small files that follow.
  if (used > kRetainLimit) {
    buffer_.reset();
    capacity_ = 0;
  }
}

FileScanner::ReadResult FileScanner::HashMapped(ByteSpan data) {
  ReadResult result;
  result.read = data.size();
  const bool hashing = digest_.which() != 0;
  if (hashing) result.digest_status = digest_.Reset();
  for (size_t at = 0; at < data.size(); at += kReadChunk) {
    ByteSpan chunk = data.subspan(at, std::min(kReadChunk, data.size() - at));
    if (hashing && result.digest_status.ok()) result.digest_status = digest_.Update(chunk);
    if (throttle_) throttle_->MaybePause();
  }
  if (hashing) FinishDigests(&result);
  return result;
}

void FileScanner::FinishDigests(ReadResult* result) {
  if (!result->digest_status.ok()) return;
  auto finished = digest_.Finish();
  if (finished) {
    result->digests = *finished;
  } else {
    result->digest_status = finished.error();
  }
}

uint8_t* FileScanner::Reserve(size_t bytes) {
  if (capacity_ < bytes) {
    // At least kMappedMin, so that glibc serves the buffer with a mapping of its own and gives
    // it back to the OS on release: a smaller freed mapping raises malloc's mmap threshold,
    // and later buffers then come from the heap and stay resident after release (measured:
    // peak RSS 168 MB instead of 122 MB on the bench corpus). Pages never touched cost
    // nothing, so only what the files read fills counts.
    size_t size = streaming_ ? kReadChunk : std::max(bytes, kMappedMin);
    buffer_.reset();  // first: the peak is one buffer, not two
    buffer_.reset(new uint8_t[size]);
    capacity_ = size;
  }
  return buffer_.get();
}

Result<FileScanner::ReadResult> FileScanner::Read(const platform::ReadOnlyFile& file,
                                                  uint64_t size) {
  ReadResult result;
  if (digest_.which() != 0) result.digest_status = digest_.Reset();
  // One byte more than the size, so a file that grew while we read it is noticed.
  const uint64_t limit = size + 1;
  uint8_t* dest = Reserve(streaming_ ? kReadChunk : static_cast<size_t>(limit));
  while (result.read < limit) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kReadChunk, limit - result.read));
    uint8_t* at = streaming_ ? dest : dest + result.read;
    OTGUARD_ASSIGN_OR_RETURN(size_t got, file.ReadFull(result.read, std::span(at, want)));
    // Only the bytes within the size seen before reading are scanned (and hashed).
    size_t in_size =
        result.read < size ? static_cast<size_t>(std::min<uint64_t>(got, size - result.read)) : 0;
    if (digest_.which() != 0 && result.digest_status.ok() && in_size > 0) {
      result.digest_status = digest_.Update(ByteSpan(at, in_size));
    }
    result.read += got;
    if (throttle_) throttle_->MaybePause();
    if (got < want) break;  // end of file
  }
  if (digest_.which() != 0) FinishDigests(&result);
  return result;
}

void FileScanner::RunEngines(ByteSpan data, uint64_t size, const ReadResult& read,
                             FileOutcome* outcome) {
  if (!read.digest_status.ok()) {
    outcome->problems.push_back(FileProblem{outcome->verdict.path, ProblemKind::kIoError,
                                            "hashing failed: " + read.digest_status.ToString()});
  }
  outcome->verdict.digests = read.digests;
  const Digests& digests = read.digests;

  bool allowlisted = size >= sigdb::kMinMatchableFileSize &&
                     std::any_of(engines_.databases.begin(), engines_.databases.end(),
                                 [&](const auto& db) { return db->IsAllowlisted(digests, size); });
  if (allowlisted) return;  // a .fp/.sfp entry vouches for this exact file
  if (size >= sigdb::kMinMatchableFileSize) RunDatabases(data, size, digests, outcome);
  if (!Enough(*outcome) && !streaming_) RunYara(data, outcome);
  Deduplicate(&outcome->verdict.detections);
}

void FileScanner::RunDatabases(ByteSpan data, uint64_t size, const Digests& digests,
                               FileOutcome* outcome) {
  sigdb::MatchMode mode = options_.all_matches ? sigdb::MatchMode::kAll : sigdb::MatchMode::kFirst;
  std::optional<sigdb::ExecutableLayout> layout;
  bool layout_tried = false;
  std::vector<sigdb::Detection> found;
  for (const auto& db : engines_.databases) {
    db->MatchHashes(digests, size, mode, &found);
    if (!options_.all_matches && !found.empty()) break;
    if (streaming_ || !db->HasBodySignatures()) continue;
    if (db->NeedsLayout() && !layout_tried) {
      layout_tried = true;
      layout = LayoutFor(data);
    }
    db->MatchBody(data, layout ? &*layout : nullptr, mode, &found);
    if (!options_.all_matches && !found.empty()) break;
  }
  for (const auto& d : found) outcome->verdict.detections.push_back(FromSigdb(d));
}

YaraFileFacts FileScanner::FactsFor(ByteSpan data, const FileOutcome& outcome) const {
  const std::string& path = outcome.verdict.path;
  // Absolute, as THOR gives it, so that rules like `filepath contains "\\System32"` do not
  // depend on the directory otguard was started in.
  std::string directory = platform::DirName(platform::AbsolutePath(path));
  auto owner = platform::FileOwnerName(path, outcome.info);
  return FileFactsFor(platform::BaseName(path), directory, data, owner.value_or(""));
}

void FileScanner::RunYara(ByteSpan data, FileOutcome* outcome) {
  if (yara_.empty()) return;
  YaraFileFacts facts = FactsFor(data, *outcome);
  for (YaraScanner& scanner : yara_) {
    std::vector<YaraMatch> matches;
    Status s = scanner.Scan(data, options_.all_matches, &facts, &matches);
    for (auto& m : matches) {
      outcome->verdict.detections.push_back(Detection{Engine::kYara, m.rule, m.source});
    }
    if (!s.ok()) {
      outcome->problems.push_back(
          FileProblem{outcome->verdict.path, ProblemKind::kIoError, "YARA: " + s.ToString()});
    }
    if (Enough(*outcome)) return;
  }
}

}  // namespace otguard::scan
