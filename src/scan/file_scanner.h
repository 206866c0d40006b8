// Scans one file: reads it once into a reusable buffer and runs hashes, body signatures and
// YARA over that one read. One FileScanner per worker thread.
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
  // `engines` and `options` must outlive the scanner.
  static Result<FileScanner> Create(const Engines& engines, const ScanOptions& options);

  // Scans `path`, which the walk saw as a regular file. `follow_symlink`: open it even when it
  // is now a symlink (a root the user named). Never fails: trouble is in problems.
  FileOutcome ScanFile(const std::string& path, bool follow_symlink);

  // Runs after the file was read and before it is checked for changes (tests use it to
  // change or delete a file at exactly that moment).
  void SetAfterReadHookForTesting(std::function<void(const std::string&)> hook) {
    after_read_hook_ = std::move(hook);
  }

 private:
  FileScanner(const Engines& engines, const ScanOptions& options, platform::MultiDigest digest,
              std::optional<YaraScanner> yara);
  void RunEngines(ByteSpan data, FileOutcome* outcome);
  void RunDatabases(ByteSpan data, const sigdb::FileDigests& digests, FileOutcome* outcome);
  void RunYara(ByteSpan data, FileOutcome* outcome);
  bool Enough(const FileOutcome& outcome) const {
    return !options_.all_matches && !outcome.verdict.detections.empty();
  }

  const Engines& engines_;
  const ScanOptions& options_;
  platform::MultiDigest digest_;
  std::optional<YaraScanner> yara_;
  bool needs_layout_ = false;
  // Grows to the largest file read (bounded by max_filesize + 1); not zero-filled, unlike a
  // vector, since every byte used was just read.
  std::unique_ptr<uint8_t[]> buffer_;
  size_t capacity_ = 0;
  std::function<void(const std::string&)> after_read_hook_;
};

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_FILE_SCANNER_H_
