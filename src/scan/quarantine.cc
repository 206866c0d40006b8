#include "otguard/scan/quarantine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <random>

#include "otguard/base/bytes.h"
#include "otguard/base/event.h"
#include "otguard/platform/crypto.h"
#include "otguard/platform/files.h"
#include "otguard/platform/folders.h"
#include "otguard/platform/process.h"

namespace otguard::scan {
namespace {

constexpr const char* kContentName = "content";
constexpr const char* kMetadataName = "metadata.json";
constexpr size_t kChunk = 1 << 20;
constexpr uint64_t kMaxMetadataSize = 1 << 20;

using Json = nlohmann::json;

// Reads `file` from the start in chunks and hands each to `sink`. Returns the bytes read.
Result<uint64_t> StreamFile(const platform::ReadOnlyFile& file,
                            const std::function<Status(std::span<uint8_t>)>& sink) {
  std::vector<uint8_t> buf(kChunk);
  uint64_t offset = 0;
  for (;;) {
    OTGUARD_ASSIGN_OR_RETURN(size_t n, file.ReadAt(offset, buf));
    if (n == 0) return offset;
    OTGUARD_RETURN_IF_ERROR(sink(std::span(buf.data(), n)));
    offset += n;
  }
}

void Xor(std::span<uint8_t> data) {
  for (uint8_t& b : data) b ^= kQuarantineXorKey;
}

template <size_t N>
std::string HexOf(const std::optional<std::array<uint8_t, N>>& digest) {
  return digest ? HexEncode(*digest) : "";
}

bool SameFile(const platform::FileInfo& a, const platform::FileInfo& b) {
  return a.device == b.device && a.inode == b.inode && a.size == b.size && a.mtime_ns == b.mtime_ns;
}

// SHA-256 (hex) of a stored content file, decoded.
Result<std::string> StoredSha256(const std::string& content_path) {
  OTGUARD_ASSIGN_OR_RETURN(auto file, platform::ReadOnlyFile::Open(content_path));
  OTGUARD_ASSIGN_OR_RETURN(auto digest,
                           platform::MultiDigest::Create(DigestBit(DigestKind::kSha256)));
  auto sink = [&](std::span<uint8_t> chunk) {
    Xor(chunk);
    return digest.Update(chunk);
  };
  OTGUARD_RETURN_IF_ERROR(StreamFile(file, sink));
  OTGUARD_ASSIGN_OR_RETURN(auto digests, digest.Finish());
  return HexOf(digests.sha256);
}

// Best-effort removal of a (possibly partial) store entry.
void RemoveEntry(const std::string& entry_dir) {
  (void)platform::RemoveFile(platform::JoinPath(entry_dir, kContentName));
  (void)platform::RemoveFile(platform::JoinPath(entry_dir, kMetadataName));
  (void)platform::RemoveEmptyDirectory(entry_dir);
}

// The time part of an entry's id: a store lists oldest first by name.
std::string CompactUtc(EventTime at) {
  std::string t = at.Rfc3339();  // 2024-05-01T12:00:00.123Z
  std::string out;
  for (char c : t.substr(0, 19)) {
    if (c != '-' && c != ':') out += c;
  }
  return out + "Z";  // 20240501T120000Z
}

}  // namespace

// ---- JSON ----

std::string QuarantineRecordToJson(const QuarantineRecord& r) {
  Json j = {
      {"schema_version", 1},
      {"id", r.id},
      {"original_path", r.original_path},
      {"size", r.size},
      {"mode", r.mode},
      {"uid", r.uid},
      {"gid", r.gid},
      {"atime_ns", r.atime_ns},
      {"mtime_ns", r.mtime_ns},
      {"hash", {{"md5", r.md5}, {"sha1", r.sha1}, {"sha256", r.sha256}}},
      {"rules", r.rules},
      {"host", r.host},
      {"user", r.user},
      {"quarantined_at", r.quarantined_at.Rfc3339()},
      {"encoding", r.encoding},
  };
  return j.dump(2) + "\n";
}

Json QuarantineEntryRecord(const QuarantineRecord& r, EventTime time) {
  Json e = StartRecord({"state", "scan", "otguard.scan.quarantine"}, time, r.host);
  e["event"]["action"] = "quarantined";
  Json hash = Json::object();
  for (const auto& [name, hex] :
       {std::pair{"md5", &r.md5}, std::pair{"sha1", &r.sha1}, std::pair{"sha256", &r.sha256}}) {
    if (!hex->empty()) hash[name] = *hex;
  }
  e["file"] = {{"path", r.original_path}, {"size", r.size}};
  if (!hash.empty()) e["file"]["hash"] = hash;
  if (!r.user.empty()) e["user"] = {{"name", r.user}};
  e["otguard"]["quarantine"] = {
      {"id", r.id}, {"rules", r.rules}, {"at", r.quarantined_at.Rfc3339()}};
  return e;
}

std::string QuarantineEntryText(const QuarantineRecord& r) {
  std::string rules;
  for (const auto& name : r.rules) rules += (rules.empty() ? "" : ",") + name;
  return r.id + "  " + r.quarantined_at.Rfc3339() + "  " + std::to_string(r.size) + " bytes  " +
         rules + "  " + r.original_path + "\n";
}

Result<QuarantineRecord> QuarantineRecordFromJson(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Unexpected(Corrupt("quarantine metadata is not a JSON object"));
  }
  try {
    QuarantineRecord r;
    r.id = j.at("id").get<std::string>();
    r.original_path = j.at("original_path").get<std::string>();
    r.size = j.at("size").get<uint64_t>();
    r.mode = j.at("mode").get<uint32_t>();
    r.uid = j.at("uid").get<uint32_t>();
    r.gid = j.at("gid").get<uint32_t>();
    r.atime_ns = j.at("atime_ns").get<int64_t>();
    r.mtime_ns = j.at("mtime_ns").get<int64_t>();
    const Json& hash = j.at("hash");
    r.md5 = hash.value("md5", "");
    r.sha1 = hash.value("sha1", "");
    r.sha256 = hash.at("sha256").get<std::string>();
    r.rules = j.value("rules", std::vector<std::string>{});
    r.host = j.value("host", "");
    r.user = j.value("user", "");
    auto at = EventTime::ParseRfc3339(j.at("quarantined_at").get<std::string>());
    if (!at) {
      return Unexpected(Corrupt("quarantine metadata: " + std::string(at.error().message())));
    }
    r.quarantined_at = *at;
    r.encoding = j.value("encoding", "");
    if (r.encoding != "xor-a5") return Unexpected(Corrupt("unknown encoding " + r.encoding));
    return r;
  } catch (const Json::exception& e) {
    // nlohmann reports a missing or mistyped field by exception; it stops here.
    return Unexpected(Corrupt(std::string("quarantine metadata: ") + e.what()));
  }
}

// ---- Store ----

Result<std::unique_ptr<QuarantineStore>> QuarantineStore::Open(const std::string& dir,
                                                               bool create) {
  std::string abs = platform::AbsolutePath(dir);
  if (create) {
    OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(abs, 0700));
  } else {
    OTGUARD_ASSIGN_OR_RETURN(auto info, platform::StatPath(abs, true));
    if (info.type != platform::FileType::kDirectory) {
      return Unexpected(InvalidArgument(abs + ": not a directory"));
    }
  }
  return std::unique_ptr<QuarantineStore>(new QuarantineStore(abs));
}

std::string QuarantineStore::DefaultDir() {
  std::string env = platform::GetEnv("OTGUARD_QUARANTINE_DIR");
  return env.empty() ? platform::JoinPath(platform::ProgramDataDir(), "quarantine") : env;
}

Result<std::string> QuarantineStore::NewEntryDir(const std::string& sha256_hex, EventTime at,
                                                 std::string* id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string base = CompactUtc(at) + "-" + sha256_hex.substr(0, 12);
  for (int i = 0; i < 1000; ++i) {
    std::string candidate = i == 0 ? base : base + "-" + std::to_string(i);
    std::string path = platform::JoinPath(dir_, candidate);
    if (platform::PathExists(path)) continue;
    OTGUARD_RETURN_IF_ERROR(platform::MakeDirectories(path, 0700));
    *id = candidate;
    return path;
  }
  return Unexpected(ResourceExhausted("no free quarantine id for " + base));
}

Result<QuarantineRecord> QuarantineStore::Add(const std::string& path,
                                              const platform::FileInfo& scanned,
                                              const std::vector<std::string>& rules) {
  OTGUARD_ASSIGN_OR_RETURN(auto file, platform::ReadOnlyFile::Open(path));
  OTGUARD_ASSIGN_OR_RETURN(auto before, file.Stat());
  if (!SameFile(before, scanned)) {
    return Unexpected(Aborted(path + ": changed since it was scanned; not quarantined"));
  }
  // First pass: the digests, which also name the entry.
  OTGUARD_ASSIGN_OR_RETURN(auto digest, platform::MultiDigest::Create(kAllDigests));
  OTGUARD_RETURN_IF_ERROR(StreamFile(file, [&](std::span<uint8_t> c) { return digest.Update(c); }));
  OTGUARD_ASSIGN_OR_RETURN(auto digests, digest.Finish());

  QuarantineRecord record;
  record.original_path = platform::AbsolutePath(path);
  record.size = before.size;
  record.mode = before.mode;
  record.uid = before.uid;
  record.gid = before.gid;
  record.atime_ns = before.atime_ns;
  record.mtime_ns = before.mtime_ns;
  record.md5 = HexOf(digests.md5);
  record.sha1 = HexOf(digests.sha1);
  record.sha256 = HexOf(digests.sha256);
  record.rules = rules;
  record.host = platform::HostName();
  record.user = platform::CurrentUserName();
  record.quarantined_at = EventTime::Now();

  OTGUARD_ASSIGN_OR_RETURN(std::string entry,
                           NewEntryDir(record.sha256, record.quarantined_at, &record.id));
  Status s = [&]() -> Status {
    std::string content_path = platform::JoinPath(entry, kContentName);
    OTGUARD_ASSIGN_OR_RETURN(auto content, platform::NewFile::Create(content_path));
    OTGUARD_RETURN_IF_ERROR(StreamFile(file, [&](std::span<uint8_t> chunk) {
      Xor(chunk);
      return content.Append(chunk);
    }));
    OTGUARD_RETURN_IF_ERROR(content.Commit(0400));
    // Verify what is on disk, not what we meant to write, before the original goes.
    OTGUARD_ASSIGN_OR_RETURN(std::string stored, StoredSha256(content_path));
    OTGUARD_ASSIGN_OR_RETURN(auto after, file.Stat());
    if (!SameFile(before, after)) return Aborted(path + ": changed while being quarantined");
    if (stored != record.sha256) return Corrupt(path + ": quarantine copy does not verify");
    OTGUARD_RETURN_IF_ERROR(platform::WriteFileAtomic(platform::JoinPath(entry, kMetadataName),
                                                      QuarantineRecordToJson(record), 0600));
    OTGUARD_RETURN_IF_ERROR(platform::SyncDirectory(entry));
    OTGUARD_RETURN_IF_ERROR(platform::RemoveFile(path));
    return platform::SyncDirectory(platform::DirName(record.original_path));
  }();
  if (!s.ok()) {
    // The original stays (RemoveFile is the last step that can fail before it is gone).
    if (platform::PathExists(path)) RemoveEntry(entry);
    return Unexpected(s);
  }
  return record;
}

Result<QuarantineRecord> QuarantineStore::Get(const std::string& id) const {
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..") {
    return Unexpected(InvalidArgument("bad quarantine id '" + id + "'"));
  }
  std::string meta = platform::JoinPath(platform::JoinPath(dir_, id), kMetadataName);
  OTGUARD_ASSIGN_OR_RETURN(std::string text, platform::ReadFileToString(meta, kMaxMetadataSize));
  auto record = QuarantineRecordFromJson(text);
  if (!record) return Unexpected(record.error().WithContext(meta));
  if (record->id != id) return Unexpected(Corrupt(meta + ": id does not match its directory"));
  return record;
}

Result<std::vector<QuarantineRecord>> QuarantineStore::List(
    std::vector<std::string>* problems) const {
  OTGUARD_ASSIGN_OR_RETURN(auto names, platform::ListDirectory(dir_));
  std::sort(names.begin(), names.end());  // ids start with the UTC time: oldest first
  std::vector<QuarantineRecord> records;
  for (const std::string& name : names) {
    auto record = Get(name);
    if (record) {
      records.push_back(std::move(*record));
    } else if (problems != nullptr) {
      problems->push_back(name + ": " + record.error().ToString());
    }
  }
  return records;
}

Result<QuarantineRecord> QuarantineStore::Restore(const std::string& id,
                                                  const std::optional<std::string>& to) {
  OTGUARD_ASSIGN_OR_RETURN(QuarantineRecord record, Get(id));
  std::string target = to.value_or(record.original_path);
  if (platform::PathExists(target)) {
    return Unexpected(AlreadyExists(target + ": exists; not overwritten (use --to)"));
  }
  std::string entry = platform::JoinPath(dir_, id);
  OTGUARD_ASSIGN_OR_RETURN(auto content,
                           platform::ReadOnlyFile::Open(platform::JoinPath(entry, kContentName)));
  OTGUARD_ASSIGN_OR_RETURN(auto out, platform::NewFile::Create(target));
  OTGUARD_ASSIGN_OR_RETURN(auto digest,
                           platform::MultiDigest::Create(DigestBit(DigestKind::kSha256)));
  OTGUARD_RETURN_IF_ERROR(StreamFile(content, [&](std::span<uint8_t> chunk) -> Status {
    Xor(chunk);
    OTGUARD_RETURN_IF_ERROR(digest.Update(chunk));
    return out.Append(chunk);
  }));
  OTGUARD_ASSIGN_OR_RETURN(auto digests, digest.Finish());
  if (HexOf(digests.sha256) != record.sha256) {
    return Unexpected(Corrupt(id + ": stored content does not match its SHA-256; not restored"));
  }
  OTGUARD_RETURN_IF_ERROR(out.Commit(0600));
  // Owner first: chown clears set-id bits, which the mode then puts back.
  if (platform::IsPrivileged()) (void)platform::SetOwner(target, record.uid, record.gid);
  OTGUARD_RETURN_IF_ERROR(platform::SetMode(target, record.mode));
  OTGUARD_RETURN_IF_ERROR(platform::SetTimes(target, record.atime_ns, record.mtime_ns));
  OTGUARD_RETURN_IF_ERROR(platform::SyncDirectory(platform::DirName(target)));
  RemoveEntry(entry);
  return record;
}

}  // namespace otguard::scan
