// Test-only builders of the agent's observations for the allowlist tests: a process start and
// a connection, at 2026-11-01T00:00:00Z unless told otherwise.
#ifndef OTGUARD_SRC_HOST_TESTING_OBSERVATIONS_H_
#define OTGUARD_SRC_HOST_TESTING_OBSERVATIONS_H_

#include <cstdint>
#include <string>
#include <utility>

#include "otguard/host/allowlist.h"

namespace otguard::host::testutil {

inline constexpr int64_t kSecond = 1000000000;
inline constexpr int64_t kHour = 3600 * kSecond;
inline constexpr int64_t kDay = 24 * kHour;
inline constexpr int64_t kStart = int64_t{1793491200} * kSecond;  // 2026-11-01T00:00:00Z

// A SHA-256 of one repeated hex digit.
inline std::string Sha(char c) { return std::string(64, c); }

inline ProcessObservation Proc(std::string path, std::string sha, std::string signer = "",
                               std::string package = "", int64_t t = kStart) {
  ProcessObservation p;
  p.time = EventTime::FromNanos(t);
  p.executable = std::move(path);
  p.sha256 = std::move(sha);
  p.signer = std::move(signer);
  p.package = std::move(package);
  return p;
}

// `service` is the remote port outbound, the local port inbound and listening (the other
// side's port is ephemeral); a listening socket has no peer.
inline ConnectionObservation Conn(std::string exe, Direction d, std::string remote,
                                  uint16_t service, std::string protocol = "tcp",
                                  int64_t t = kStart) {
  ConnectionObservation c;
  c.time = EventTime::FromNanos(t);
  c.executable = std::move(exe);
  c.protocol = std::move(protocol);
  c.direction = d;
  c.local_address = "10.0.0.5";
  if (d == Direction::kOutbound) {
    c.local_port = 50000;
    c.remote_port = service;
  } else {
    c.local_port = service;
    c.remote_port = d == Direction::kListen ? 0 : 51000;
  }
  c.remote_address = d == Direction::kListen ? "" : remote;
  return c;
}

}  // namespace otguard::host::testutil

#endif  // OTGUARD_SRC_HOST_TESTING_OBSERVATIONS_H_
