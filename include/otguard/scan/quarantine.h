// Opt-in quarantine: moves a detected file into a store where it cannot run by accident, with
// everything needed to put it back byte-identical.
//
// Layout: DIR (mode 0700) / ID (0700) / {content, metadata.json}. `content` is the file's bytes
// XOR-ed with 0xA5 (so other scanners do not flag the store and nothing can execute it), mode
// 0400. `metadata.json` holds the original path, size, mode, uid/gid, atime/mtime, digests,
// rule names, host, user and time. A move is always copy + fsync + verify SHA-256 + unlink, so
// it works the same across file systems and an interrupted move never loses the file.
#ifndef OTGUARD_SCAN_QUARANTINE_H_
#define OTGUARD_SCAN_QUARANTINE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/platform/files.h"

namespace otguard::scan {

constexpr uint8_t kQuarantineXorKey = 0xA5;

struct QuarantineRecord {
  std::string id;
  std::string original_path;  // absolute
  uint64_t size = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  std::string md5, sha1, sha256;  // lower-case hex of the original content
  std::vector<std::string> rules;
  std::string host;
  std::string user;
  EventTime quarantined_at;  // also the start of `id`; metadata.json holds it as RFC 3339
  std::string encoding = "xor-a5";
};

// Thread-safe.
class QuarantineStore {
 public:
  // Opens (and with `create`, makes with mode 0700) the store at `dir`.
  static Result<std::unique_ptr<QuarantineStore>> Open(const std::string& dir, bool create);
  // $OTGUARD_QUARANTINE_DIR, else "quarantine" in platform::ProgramDataDir()
  // (/var/lib/otguard/quarantine, C:\ProgramData\otguard\quarantine).
  static std::string DefaultDir();

  // Moves `path` into the store. `scanned` is the file as it was scanned: a file that changed
  // since (other inode, size or mtime) is refused with Aborted. On any failure the original
  // stays where it was and nothing is left in the store.
  Result<QuarantineRecord> Add(const std::string& path, const platform::FileInfo& scanned,
                               const std::vector<std::string>& rules);
  // All records, oldest first. Entries with unreadable metadata are reported in *problems.
  Result<std::vector<QuarantineRecord>> List(std::vector<std::string>* problems) const;
  Result<QuarantineRecord> Get(const std::string& id) const;
  // Writes the file back to `to` (default: its original path) byte-identical, with its mode,
  // times and (when privileged) owner, then removes it from the store. AlreadyExists when the
  // target exists; Corrupt when the stored content no longer matches its SHA-256.
  Result<QuarantineRecord> Restore(const std::string& id, const std::optional<std::string>& to);

  const std::string& dir() const { return dir_; }

 private:
  explicit QuarantineStore(std::string dir) : dir_(std::move(dir)) {}
  Result<std::string> NewEntryDir(const std::string& sha256_hex, EventTime at, std::string* id);
  std::string dir_;
  std::mutex mutex_;  // serializes the choice of new ids
};

// JSON form of a record (the metadata.json contents, the store's own format with its own
// version), and back.
std::string QuarantineRecordToJson(const QuarantineRecord& record);
Result<QuarantineRecord> QuarantineRecordFromJson(const std::string& json);

// A store entry as an event-schema record (`quarantine list --json`; docs/event-schema.md):
// event.kind `state`, dataset `otguard.scan.quarantine`, the file as it was, at `time`.
nlohmann::json QuarantineEntryRecord(const QuarantineRecord& record, EventTime time);
// One line for a person: "<id>  <when>  <size> bytes  <rules>  <original path>\n".
std::string QuarantineEntryText(const QuarantineRecord& record);

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_QUARANTINE_H_
