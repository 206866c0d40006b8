// Detection content for network analysis, loaded from versioned data files (data/nba/*.toml),
// never compiled in: mining pools, their ports, and the service-port table; plus the IOC
// watchlist a run is given (watchlist.h).
// An Intel is immutable after Load() and safe to share between threads.
#ifndef OTGUARD_NBA_INTEL_H_
#define OTGUARD_NBA_INTEL_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/nba/packet.h"
#include "otguard/nba/watchlist.h"

namespace otguard::nba {

struct ServicePort {
  std::string name;  // "smb", "modbus", "http"
  bool web = false;  // a port where web servers normally listen
  bool ics = false;  // an industrial protocol's port
};

class Intel {
 public:
  Intel() = default;
  // Reads mining-pools.toml and services.toml from `dir`. Errors: kNotFound, kInvalidArgument
  // (with file, line and what is wrong).
  static Result<Intel> Load(const std::filesystem::path& dir);
  // The same from the two files' texts; `dir` only names them in errors.
  static Result<Intel> FromText(std::string_view pools_toml, std::string_view services_toml,
                                const std::filesystem::path& dir = "");
  // The bundled data directory: $OTGUARD_DATA_DIR/nba, else beside the executable, else the
  // source tree this build came from.
  static std::filesystem::path DefaultDir();

  // The pool domain `name` is or lies under ("p1.minergate.com" -> "minergate.com").
  // Case-insensitive; a trailing dot is ignored.
  std::optional<std::string> MatchPoolDomain(std::string_view name) const;
  bool IsPoolPort(uint16_t port) const { return pool_ports_.contains(port); }
  const ServicePort* Service(Transport t, uint16_t port) const;
  bool IsWebPort(uint16_t port) const;
  // IOC indicators the traffic is matched against (empty unless set: `nba analyze --pack`).
  const Watchlist& watchlist() const { return watchlist_; }

  // For tests and tools that build content in memory.
  void AddPoolDomain(std::string domain);
  void AddPoolPort(uint16_t port) { pool_ports_.insert(port); }
  void AddService(Transport t, uint16_t port, ServicePort s);
  void SetWatchlist(Watchlist watchlist) { watchlist_ = std::move(watchlist); }

 private:
  std::unordered_set<std::string> pool_domains_;
  std::unordered_set<uint16_t> pool_ports_;
  std::unordered_map<uint32_t, ServicePort> services_;  // key: transport << 16 | port
  Watchlist watchlist_;
};

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_INTEL_H_
