// Scans one file: reads it once, in chunks, and runs hashes, body signatures and YARA over that
// one read. One FileScanner per worker thread.
//
// Memory: body signatures and YARA need the whole file, so it is read into a buffer kept
// between files; after a file bigger than kRetainLimit the buffer is released, so a rare huge
// file does not leave its memory behind. Without body signatures or YARA (hash-only
// databases) the file is streamed through the digests in kReadChunk pieces, never held whole.
#ifndef OTGUARD_SRC_SCAN_FILE_SCANNER_H_
#define OTGUARD_SRC_SCAN_FILE_SCANNER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "otguard/platform/crypto.h"
#include "otguard/platform/files.h"
#include "otguard/scan/scanner.h"
#include "scan/throttle.h"
#include "scan/yara_engine.h"

namespace otguard::scan {

struct FileOutcome {
  bool scanned = false;     // the file was read and the engines ran
  uint64_t bytes = 0;       // bytes read
  FileVerdict verdict;      // detections are empty when nothing was found
  platform::FileInfo info;  // the file as opened (fstat before reading)
  std::vector<FileProblem> problems;
};

class FileScanner {
 public:
  // Files are read, hashed and (with --max-cpu) throttled in pieces of this size.
  static constexpr size_t kReadChunk = size_t{1} << 20;
  // The whole-file buffer is kept between files while the files fit in this size.
  static constexpr size_t kRetainLimit = size_t{16} << 20;
  // Files from this size on are mapped (platform::FileView) rather than copied into the
  // buffer when body signatures or YARA need the whole file; below it a copy is cheaper
  // than setting up and tearing down a mapping.
  static constexpr uint64_t kMapMin = uint64_t{256} << 10;

  // `engines`, `options` and `throttle` (optional: checked after every chunk read, so one big
  // file cannot overshoot the CPU budget) must outlive the scanner.
  static Result<FileScanner> Create(const Engines& engines, const ScanOptions& options,
                                    CpuThrottle* throttle = nullptr);

  // Scans `path`, which the walk saw as a regular file. `follow_symlink`: open it even when it
  // is now a symlink (a root the user named). Never fails: trouble is in problems.
  FileOutcome ScanFile(const std::string& path, bool follow_symlink);

  // Runs after the file was read and before it is checked for changes (tests use it to
  // change or delete a file at exactly that moment).
  void SetAfterReadHookForTesting(std::function<void(const std::string&)> hook) {
    after_read_hook_ = std::move(hook);
  }
  // Bytes of the read buffer kept between files (allocated; only pages used are resident).
  size_t buffer_capacity() const { return capacity_; }
  // True when files are streamed through the digests instead of read whole.
  bool streams() const { return streaming_; }

 private:
  FileScanner(const Engines& engines, const ScanOptions& options, CpuThrottle* throttle,
              platform::MultiDigest digest, std::vector<YaraScanner> yara);
  struct ReadResult {
    uint64_t read = 0;  // bytes read, up to size + 1
    Status digest_status;
    Digests digests;  // of the first min(read, size) bytes
  };
  // Reads the file (`size` from fstat, plus one byte to notice growth), hashing as it goes;
  // into the whole-file buffer unless streaming.
  Result<ReadResult> Read(const platform::ReadOnlyFile& file, uint64_t size);
  // Hashes a mapped file in kReadChunk pieces, checking the CPU budget after each.
  ReadResult HashMapped(ByteSpan data);
  // Sets result->digests from the digest fed so far, unless hashing already failed.
  void FinishDigests(ReadResult* result);
  uint8_t* Reserve(size_t bytes);
  // Frees the buffer when the file just read (`used` bytes) was bigger than kRetainLimit.
  void ReleaseIfHuge(uint64_t used);
  void RunEngines(ByteSpan data, uint64_t size, const ReadResult& read, FileOutcome* outcome);
  void RunDatabases(ByteSpan data, uint64_t size, const Digests& digests, FileOutcome* outcome);
  void RunYara(ByteSpan data, FileOutcome* outcome);
  // The externals LOKI and THOR define for the file just read (yara_externals.h).
  YaraFileFacts FactsFor(ByteSpan data, const FileOutcome& outcome) const;
  bool Enough(const FileOutcome& outcome) const {
    return !options_.all_matches && !outcome.verdict.detections.empty();
  }

  const Engines& engines_;
  const ScanOptions& options_;
  CpuThrottle* throttle_;
  platform::MultiDigest digest_;
  std::vector<YaraScanner> yara_;  // one per rule set, scanned in turn
  bool streaming_ = false;
  // Not zero-filled, unlike a vector, since every byte used was just read.
  std::unique_ptr<uint8_t[]> buffer_;
  size_t capacity_ = 0;
  std::function<void(const std::string&)> after_read_hook_;
};

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_FILE_SCANNER_H_
