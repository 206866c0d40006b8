// What the agent makes of the OS's facts: process starts enriched into observations (hash,
// package or signer, parent), and socket lists turned into one observation per connection.
#ifndef OTGUARD_SRC_AGENT_OBSERVE_H_
#define OTGUARD_SRC_AGENT_OBSERVE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/crypto.h"
#include "otguard/platform/packages.h"
#include "otguard/platform/process_events.h"
#include "otguard/platform/sockets.h"

namespace otguard::agent::internal {

// What is known of one executable file, read once per (size, mtime): a station starting the
// same program all day hashes it once.
struct FileFacts {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;  // "" when unreadable
  std::string md5;
  std::string package;  // Linux: the owning dpkg package
  std::string signer;   // Windows: the trusted Authenticode subject
  std::string error;
};

// Thread-compatible (one thread). Bounded: at most `max_entries` files are remembered.
class FileFactsCache {
 public:
  explicit FileFactsCache(platform::ConfigRoot root, size_t max_entries = 4096)
      : root_(std::move(root)), max_entries_(max_entries) {}
  // The facts of `path` now: from the cache when its size and mtime did not change.
  const FileFacts& Get(const std::string& path);
  // Reads the files of `paths` not known (or changed) with one package-database lookup for
  // all of them: a batch of starts, the start-up snapshot.
  void Prefetch(const std::vector<std::string>& paths);
  // Forgets `path` (its next Get reads it again).
  void Forget(const std::string& path) { cache_.erase(path); }
  uint64_t hashed() const { return hashed_; }

 private:
  // The cached facts when still current, else nullptr; *fresh gets what a read must start from.
  FileFacts* Current(const std::string& path, FileFacts* fresh);
  FileFacts Read(const std::string& path, uint64_t size, int64_t mtime_ns);
  void AddPackages(const std::vector<std::string>& paths);
  platform::ConfigRoot root_;
  size_t max_entries_;
  std::unordered_map<std::string, FileFacts> cache_;
  std::unique_ptr<platform::MultiDigest> digest_;
  uint64_t hashed_ = 0;
};

// Live processes' executables by pid, for parents and connection owners.
class ProcessTable {
 public:
  void Started(uint32_t pid, const std::string& executable) { exe_[pid] = executable; }
  void Exited(uint32_t pid) { exe_.erase(pid); }
  // "" when unknown.
  std::string Executable(uint32_t pid) const;
  bool Knows(uint32_t pid) const { return exe_.count(pid) != 0; }
  // Replaces the table with a snapshot (platform::ListProcesses).
  void Reset(std::unordered_map<uint32_t, std::string> exe) { exe_ = std::move(exe); }

 private:
  std::unordered_map<uint32_t, std::string> exe_;
};

// A process start as an observation.
host::ProcessObservation ObserveStart(const platform::ProcessEvent& event, FileFactsCache& files,
                                      const ProcessTable& processes, const std::string& source);

// The connections of a socket list, one observation per (pid, protocol, local and remote
// address and port): listening TCP and bound unconnected UDP sockets are kListen; a connected
// socket whose local port this host listens on (same protocol) is kInbound; any other
// connected socket kOutbound. TCP sockets past their life (TIME_WAIT, CLOSED, ...) are left
// out. Live sockets without an owner (pid 0: the OS did not say, or this account may not see
// it) cannot be bound to a process: they go to `unowned` when given, else nowhere.
std::vector<host::ConnectionObservation> ClassifySockets(
    const std::vector<platform::SocketEndpoint>& sockets, const ProcessTable& processes,
    EventTime time, std::vector<host::ConnectionObservation>* unowned = nullptr);

// Remembers the connections seen in the last poll, so one connection is one observation:
// Update returns those not present in the previous poll.
class ConnectionTracker {
 public:
  std::vector<host::ConnectionObservation> Update(std::vector<host::ConnectionObservation> current);

 private:
  using Key = std::tuple<uint32_t, std::string, int, std::string, uint16_t, std::string, uint16_t>;
  static Key KeyOf(const host::ConnectionObservation& c);
  std::set<Key> seen_;
};

}  // namespace otguard::agent::internal

#endif  // OTGUARD_SRC_AGENT_OBSERVE_H_
