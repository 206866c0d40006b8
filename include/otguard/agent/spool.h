// The agent's outgoing event spool (docs/agent.md, "Spool"): every record the agent produces
// waits here, on disk, until the server acknowledges it. It works with no server at all.
//
// Layout: <dir>/<first sequence, 20 digits>.jsonl segment files, one record per line, and
// <dir>/cursor (JSON: the last acknowledged sequence), replaced atomically.
//
// Guarantees:
//  - Each record gets `event.sequence` (monotonic, never reused, also across restarts) and
//    `event.id` = "<agent id>-<sequence>": resending a record is idempotent for the receiver.
//  - Append() writes a batch and makes it durable (one fsync) before it returns.
//  - Bounded: when the segments exceed max_bytes, the oldest are dropped, and a record with
//    `event.dataset: otguard.agent.spool_overflow` says how many unacknowledged events were
//    lost. Never silently.
//  - Crash-safe: a record torn by a crash (the last line without its newline, or not JSON) is
//    skipped and counted; every other record is still read. After a restart the spool appends
//    to a new segment, so nothing is ever written after a torn line.
//
// Thread-safety: one thread at a time (the agent's loop; a sender drains it between batches).
#ifndef OTGUARD_AGENT_SPOOL_H_
#define OTGUARD_AGENT_SPOOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/status.h"

namespace otguard::agent {

struct SpoolOptions {
  uint64_t max_bytes = 64ull << 20;
  // Size at which a new segment starts; 0: max_bytes / 8, between 4 KiB and 8 MiB.
  uint64_t segment_bytes = 0;
  std::string agent_id;   // the prefix of every event.id
  std::string host_name;  // host.name of the spool's own records (overflow)
};

struct SpooledEvent {
  uint64_t sequence = 0;
  std::string line;  // the record as written, without the newline
};

struct SpoolStats {
  uint64_t appended = 0;     // records appended by this process
  uint64_t lost_events = 0;  // unacknowledged records dropped for space (all time, this run)
  uint64_t torn_lines = 0;   // lines skipped when opening: torn or not a record
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t next_sequence = 1;
  uint64_t acked = 0;
  bool cursor_reset = false;  // the cursor file was unreadable: everything is sent again
};

class Spool {
 public:
  // Opens (creating) the spool in `dir`. Errors: the directory cannot be made or listed, a
  // segment cannot be read (IoError, with its path). A corrupt segment line or cursor file is
  // counted (stats), never an error.
  static Result<Spool> Open(const std::string& dir, const SpoolOptions& options);
  Spool(Spool&&) noexcept;
  Spool& operator=(Spool&&) noexcept;
  ~Spool();

  // Stamps each record with its sequence and id, appends the batch and fsyncs. IoError when
  // the disk fails (the batch may then be partly written; the next Open skips a torn line).
  Status Append(std::vector<nlohmann::json> records);
  // Up to `max` records with a sequence above `after`, oldest first.
  Result<std::vector<SpooledEvent>> Read(uint64_t after, size_t max) const;
  // Everything up to `sequence` was delivered: persisted (temp file, fsync, rename), and
  // segments holding only delivered records are removed. InvalidArgument beyond the last
  // sequence handed out.
  Status Ack(uint64_t sequence);
  // fsync of the current segment (Append already does it; for a clean stop).
  Status Flush();

  const SpoolStats& stats() const;
  const std::string& dir() const;

 private:
  struct Impl;
  explicit Spool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otguard::agent

#endif  // OTGUARD_AGENT_SPOOL_H_
