#include "agent/observe.h"

#include <algorithm>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/platform/files.h"
#include "otguard/platform/signer.h"

namespace otguard::agent::internal {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Larger images are not hashed (an installer's self-extracting archive); the start is still
// observed, with the error.
constexpr uint64_t kMaxHashedSize = 512ull << 20;

// TCP states of a socket that is, or is about to be, a connection.
bool LiveTcpState(const std::string& state) {
  return state == "ESTABLISHED" || state == "SYN_SENT" || state == "SYN_RECEIVED" ||
         state == "CLOSE_WAIT" || state == "FIN_WAIT1" || state == "FIN_WAIT2";
}

bool IsUnconnectedUdp(const platform::SocketEndpoint& s) {
  return s.protocol == platform::SocketProtocol::kUdp &&
         (s.remote_port == 0 || s.remote_address.empty());
}

}  // namespace

FileFacts* FileFactsCache::Current(const std::string& path, FileFacts* fresh) {
  auto info = platform::StatPath(path, true);
  auto it = cache_.find(path);
  if (info && it != cache_.end() && it->second.size == info->size &&
      it->second.mtime_ns == info->mtime_ns && it->second.error.empty()) {
    return &it->second;
  }
  *fresh = FileFacts();
  if (!info) {
    fresh->error = std::string(info.error().message());
  } else {
    *fresh = Read(path, info->size, info->mtime_ns);
  }
  return nullptr;
}

void FileFactsCache::AddPackages(const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  auto owners = platform::OwningPackages(paths, root_);  // Unimplemented on Windows
  if (!owners) return;
  for (const auto& [path, package] : *owners) {
    auto it = cache_.find(path);
    if (it == cache_.end() || it->second.md5.empty()) continue;
    // A package vouches for a file only with the content it installed: a file it owns whose
    // MD5 differs from the one dpkg recorded was changed by someone else, and belongs to no
    // package (a package rule does not allow it). A package without a checksum for the file
    // still owns it. While dpkg is at work the file may be newer than its records: it is taken
    // as the package's, and not kept, so the next start checks it again.
    auto recorded = platform::PackageFileMd5(package, path, root_);
    if (recorded && *recorded != it->second.md5) {
      if (!platform::PackageManagerBusy(root_)) continue;
      it->second.error = "being installed by the package manager";
    }
    it->second.package = package;
  }
}

const FileFacts& FileFactsCache::Get(const std::string& path) {
  FileFacts fresh;
  if (FileFacts* cached = Current(path, &fresh)) return *cached;
  if (cache_.size() >= max_entries_) cache_.clear();  // a bound, not an LRU: rare on a station
  cache_[path] = std::move(fresh);
  AddPackages({path});
  return cache_[path];
}

void FileFactsCache::Prefetch(const std::vector<std::string>& paths) {
  std::vector<std::string> read;
  for (const std::string& path : paths) {
    if (path.empty() || std::find(read.begin(), read.end(), path) != read.end()) continue;
    FileFacts fresh;
    if (Current(path, &fresh) != nullptr) continue;
    if (cache_.size() >= max_entries_) cache_.clear();
    cache_[path] = std::move(fresh);
    read.push_back(path);
  }
  AddPackages(read);
}

FileFacts FileFactsCache::Read(const std::string& path, uint64_t size, int64_t mtime_ns) {
  FileFacts facts;
  facts.size = size;
  facts.mtime_ns = mtime_ns;
  if (!digest_) {
    auto digest =
        platform::MultiDigest::Create(DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha256));
    if (!digest) {
      facts.error = std::string(digest.error().message());
      return facts;
    }
    digest_ = std::make_unique<platform::MultiDigest>(std::move(*digest));
  }
  auto file = platform::ReadOnlyFile::Open(path, {.follow_symlinks = true});
  if (!file) {
    facts.error = std::string(file.error().message());
    return facts;
  }
  if (size > kMaxHashedSize) {
    facts.error = "larger than " + std::to_string(kMaxHashedSize) + " bytes: not hashed";
  } else {
    file->AdviseSequential();
    std::vector<uint8_t> buffer(kReadChunk);
    Status status = digest_->Reset();
    for (uint64_t offset = 0; status.ok();) {
      auto n = file->ReadAt(offset, buffer);
      if (!n) {
        status = n.error();
        break;
      }
      if (*n == 0) break;
      offset += *n;
      status = digest_->Update(std::span(buffer.data(), *n));
    }
    file->AdviseDone();
    auto digests = status.ok() ? digest_->Finish() : Result<Digests>(Unexpected(status));
    if (digests && digests->sha256 && digests->md5) {
      facts.sha256 = HexEncode(*digests->sha256);
      facts.md5 = HexEncode(*digests->md5);
      ++hashed_;
    } else {
      facts.error = digests ? "no digest" : std::string(digests.error().message());
    }
  }
  // Who made it: the signer on Windows (Unimplemented on Linux, where AddPackages tells the
  // owning package instead).
  if (auto signature = platform::GetFileSignature(path); signature) {
    if (signature->state == platform::SignatureState::kTrusted) facts.signer = signature->subject;
  }
  return facts;
}

std::string ProcessTable::Executable(uint32_t pid) const {
  auto it = exe_.find(pid);
  return it == exe_.end() ? std::string() : it->second;
}

host::ProcessObservation ObserveStart(const platform::ProcessEvent& event, FileFactsCache& files,
                                      const ProcessTable& processes, const std::string& source) {
  host::ProcessObservation o;
  o.time = EventTime::FromNanos(event.time_ns != 0 ? event.time_ns : EventTime::Now().nanos());
  o.pid = event.pid;
  o.ppid = event.ppid;
  o.executable = event.executable;
  o.user = event.user;
  o.command_line = event.command_line.value_or("");
  o.parent_executable = processes.Executable(event.ppid);
  o.source = source;
  if (!o.executable.empty()) {
    const FileFacts& facts = files.Get(o.executable);
    o.sha256 = facts.sha256;
    o.package = facts.package;
    o.signer = facts.signer;
  }
  return o;
}

std::vector<host::ConnectionObservation> ClassifySockets(
    const std::vector<platform::SocketEndpoint>& sockets, const ProcessTable& processes,
    EventTime time, std::vector<host::ConnectionObservation>* unowned) {
  // The ports this host serves, per protocol.
  std::set<std::pair<platform::SocketProtocol, uint16_t>> listening;
  for (const platform::SocketEndpoint& s : sockets) {
    if ((s.protocol == platform::SocketProtocol::kTcp && s.state == "LISTEN") ||
        IsUnconnectedUdp(s)) {
      listening.emplace(s.protocol, s.local_port);
    }
  }
  std::vector<host::ConnectionObservation> out;
  for (const platform::SocketEndpoint& s : sockets) {
    if (s.pid == 0 && unowned == nullptr) continue;
    host::ConnectionObservation c;
    c.time = time;
    c.pid = s.pid;
    c.executable = processes.Executable(s.pid);
    c.protocol = platform::SocketProtocolName(s.protocol);
    c.local_address = s.local_address;
    c.local_port = s.local_port;
    if ((s.protocol == platform::SocketProtocol::kTcp && s.state == "LISTEN") ||
        IsUnconnectedUdp(s)) {
      c.direction = host::Direction::kListen;
    } else if (s.protocol == platform::SocketProtocol::kTcp && !LiveTcpState(s.state)) {
      continue;
    } else {
      c.remote_address = s.remote_address;
      c.remote_port = s.remote_port;
      c.direction = listening.count({s.protocol, s.local_port}) ? host::Direction::kInbound
                                                                : host::Direction::kOutbound;
    }
    (s.pid == 0 ? *unowned : out).push_back(std::move(c));
  }
  return out;
}

ConnectionTracker::Key ConnectionTracker::KeyOf(const host::ConnectionObservation& c) {
  return {c.pid,           c.protocol,   static_cast<int>(c.direction),
          c.local_address, c.local_port, c.remote_address,
          c.remote_port};
}

std::vector<host::ConnectionObservation> ConnectionTracker::Update(
    std::vector<host::ConnectionObservation> current) {
  std::set<Key> now;
  std::vector<host::ConnectionObservation> fresh;
  for (host::ConnectionObservation& c : current) {
    Key key = KeyOf(c);
    if (!now.insert(key).second) continue;  // the same socket listed twice (v4-mapped, ...)
    if (!seen_.count(key)) fresh.push_back(std::move(c));
  }
  seen_ = std::move(now);
  return fresh;
}

}  // namespace otguard::agent::internal
