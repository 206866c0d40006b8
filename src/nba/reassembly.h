// TCP reassembly for one direction: in-order delivery with retransmissions trimmed, bounded
// buffering of out-of-order segments, and explicit gaps for bytes that never arrived (capture
// loss, snaplen) so that analysers can resynchronise or stop.
#ifndef OTGUARD_SRC_NBA_REASSEMBLY_H_
#define OTGUARD_SRC_NBA_REASSEMBLY_H_

#include <cstdint>
#include <span>

#include "flow_table.h"

namespace otguard::nba::internal {

// Buffered bytes count against the byte limit; the number of segments has its own bound so
// that a flood of segments with nothing captured cannot grow the buffer either.
inline size_t PendingCost(const PendingSegment& seg) { return seg.data.size(); }
inline constexpr size_t kMaxPendingSegments = 1024;

// Delivers the bytes of one segment that starts at `off` <= s.next_offset: the part not yet
// delivered, then a gap for what the capture cut off.
template <typename Deliver, typename Gap>
void DeliverSegment(Stream& s, uint64_t off, std::span<const uint8_t> data, uint64_t wire,
                    Deliver&& deliver, Gap&& gap) {
  uint64_t skip = s.next_offset - off;
  if (skip >= wire) return;  // already delivered
  if (skip < data.size()) {
    auto fresh = data.subspan(skip);
    s.next_offset += fresh.size();
    s.next_seq += static_cast<uint32_t>(fresh.size());
    deliver(fresh);
  }
  uint64_t missing = wire - std::max<uint64_t>(skip, data.size());
  if (missing > 0) {
    s.next_offset += missing;
    s.next_seq += static_cast<uint32_t>(missing);
    gap(missing);
  }
}

// Delivers the pending segments that now follow `s.next_offset`.
template <typename Deliver, typename Gap>
void DrainPending(Stream& s, Deliver&& deliver, Gap&& gap) {
  while (!s.pending.empty()) {
    auto it = s.pending.begin();
    if (it->first > s.next_offset) return;
    PendingSegment seg = std::move(it->second);
    uint64_t off = it->first;
    s.pending.erase(it);
    s.pending_bytes -= PendingCost(seg);
    DeliverSegment(s, off, seg.data, seg.wire_len, deliver, gap);
  }
}

// Declares the hole before the first pending segment a gap and delivers what follows it.
template <typename Deliver, typename Gap>
void SkipToPending(Stream& s, Deliver&& deliver, Gap&& gap) {
  if (s.pending.empty()) return;
  uint64_t hole = s.pending.begin()->first - s.next_offset;
  s.next_offset += hole;
  s.next_seq += static_cast<uint32_t>(hole);
  gap(hole);
  DrainPending(s, deliver, gap);
}

// At the end of the flow: whatever is still pending is delivered, with gaps for the holes.
template <typename Deliver, typename Gap>
void FlushPending(Stream& s, Deliver&& deliver, Gap&& gap) {
  while (!s.pending.empty()) SkipToPending(s, deliver, gap);
}

template <typename Deliver, typename Gap>
void Reassemble(Stream& s, const Packet& p, size_t limit, Deliver&& deliver, Gap&& gap) {
  const bool syn = p.tcp_flags & tcp_flags::kSyn;
  if (syn) {
    // The SYN's sequence number is the stream's start; data begins one after it.
    if (!s.seq_known || s.next_offset == 0) {
      s.seq_known = true;
      s.next_seq = p.seq + 1;
    }
    if (p.payload_wire_len == 0) return;
  }
  if (p.payload_wire_len == 0) return;
  uint32_t seq = syn ? p.seq + 1 : p.seq;
  if (!s.seq_known) {  // mid-stream: the first data we see starts the stream
    s.seq_known = true;
    s.next_seq = seq;
  }
  auto rel = static_cast<int32_t>(seq - s.next_seq);
  if (rel <= 0) {
    uint64_t off = s.next_offset - static_cast<uint64_t>(-static_cast<int64_t>(rel));
    DeliverSegment(s, off, p.payload, p.payload_wire_len, deliver, gap);
    DrainPending(s, deliver, gap);
    return;
  }
  // Ahead of what we have: keep it (bounded) until the hole fills or the buffer overflows.
  uint64_t off = s.next_offset + static_cast<uint64_t>(rel);
  auto [it, inserted] = s.pending.try_emplace(off);
  PendingSegment& seg = it->second;
  if (!inserted) s.pending_bytes -= PendingCost(seg);
  if (inserted || p.payload.size() > seg.data.size() || p.payload_wire_len > seg.wire_len) {
    seg.data.assign(p.payload.begin(), p.payload.end());
    seg.wire_len = std::max<uint32_t>(p.payload_wire_len, seg.wire_len);
  }
  s.pending_bytes += PendingCost(seg);
  while (s.pending_bytes > limit || s.pending.size() > kMaxPendingSegments) {
    SkipToPending(s, deliver, gap);
  }
}

}  // namespace otguard::nba::internal

#endif  // OTGUARD_SRC_NBA_REASSEMBLY_H_
