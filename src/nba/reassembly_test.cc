// TCP reassembly of one direction: what an analyser receives (bytes in order, gaps for what was
// never captured) for the orderings and losses real captures contain.
#include "reassembly.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace otguard::nba::internal {
namespace {

constexpr size_t kLimit = 64 * 1024;

// One TCP segment of the direction under test. `wire_len` 0: as long as the captured bytes.
Packet Segment(uint32_t seq, std::string_view captured, uint32_t wire_len = 0,
               uint8_t flags = tcp_flags::kAck) {
  Packet p;
  p.transport = Transport::kTcp;
  p.ip_proto = 6;
  p.tcp_flags = flags;
  p.seq = seq;
  p.payload =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(captured.data()), captured.size());
  p.payload_wire_len = wire_len ? wire_len : static_cast<uint32_t>(captured.size());
  return p;
}

Packet Syn(uint32_t seq) { return Segment(seq, "", 0, tcp_flags::kSyn); }

// What the analyser would see: data as-is, a gap as "[N]".
class Receiver {
 public:
  void Feed(const Packet& p, size_t limit = kLimit) {
    Reassemble(
        stream, p, limit, [this](std::span<const uint8_t> d) { Data(d); },
        [this](uint64_t n) { Gap(n); });
  }
  void Flush() {
    FlushPending(
        stream, [this](std::span<const uint8_t> d) { Data(d); }, [this](uint64_t n) { Gap(n); });
  }
  // Returns what was received since the last call.
  std::string Take() { return std::exchange(received_, std::string()); }

  Stream stream;

 private:
  void Data(std::span<const uint8_t> d) {
    // An empty delivery is useless to an analyser and would hide a bookkeeping error.
    EXPECT_FALSE(d.empty());
    received_.append(reinterpret_cast<const char*>(d.data()), d.size());
  }
  void Gap(uint64_t n) {
    EXPECT_GT(n, 0u);
    received_ += "[" + std::to_string(n) + "]";
  }
  std::string received_;
};

TEST(ReassemblyTest, DeliversInOrderSegmentsAfterTheSyn) {
  Receiver r;
  r.Feed(Syn(1000));
  EXPECT_EQ(r.Take(), "");
  r.Feed(Segment(1001, "abc"));
  r.Feed(Segment(1004, "def"));
  EXPECT_EQ(r.Take(), "abcdef");
  EXPECT_EQ(r.stream.next_offset, 6u);
  EXPECT_EQ(r.stream.next_seq, 1007u);
}

TEST(ReassemblyTest, PureAcksNeitherDeliverNorFixTheSequence) {
  Receiver r;
  r.Feed(Segment(5000, ""));
  EXPECT_FALSE(r.stream.seq_known);
  r.Feed(Segment(7000, "x"));
  EXPECT_EQ(r.Take(), "x");
}

TEST(ReassemblyTest, DropsAFullRetransmission) {
  Receiver r;
  r.Feed(Syn(1000));
  r.Feed(Segment(1001, "abc"));
  r.Feed(Segment(1004, "def"));
  r.Take();
  r.Feed(Segment(1001, "abc"));
  r.Feed(Segment(1004, "def"));
  r.Feed(Segment(1002, "bcdef"));
  EXPECT_EQ(r.Take(), "");
  r.Feed(Segment(1007, "g"));
  EXPECT_EQ(r.Take(), "g");
}

TEST(ReassemblyTest, TrimsAPartialRetransmissionToItsNewBytes) {
  Receiver r;
  r.Feed(Syn(1000));
  r.Feed(Segment(1001, "abcdef"));
  r.Take();
  // Repacketised: the first four bytes were delivered already.
  r.Feed(Segment(1003, "cdefgh"));
  EXPECT_EQ(r.Take(), "gh");
  EXPECT_EQ(r.stream.next_seq, 1009u);
}

TEST(ReassemblyTest, BuffersOutOfOrderSegmentsUntilTheHoleFills) {
  Receiver r;
  r.Feed(Syn(1000));
  r.Feed(Segment(1001, "abc"));
  r.Feed(Segment(1007, "ghi"));
  r.Feed(Segment(1010, "jkl"));
  EXPECT_EQ(r.Take(), "abc");
  EXPECT_EQ(r.stream.pending_bytes, 6u);
  r.Feed(Segment(1004, "def"));
  EXPECT_EQ(r.Take(), "defghijkl");
  EXPECT_TRUE(r.stream.pending.empty());
  EXPECT_EQ(r.stream.pending_bytes, 0u);
}

TEST(ReassemblyTest, OverlappingOutOfOrderSegmentsDeliverEachByteOnce) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(5, "efgh"));
  r.Feed(Segment(3, "cdefg"));  // overlaps the one above
  r.Feed(Segment(5, "ef"));     // shorter copy of a buffered segment
  EXPECT_EQ(r.Take(), "");
  r.Feed(Segment(1, "abcd"));  // fills the hole and overlaps the buffer
  EXPECT_EQ(r.Take(), "abcdefgh");
  EXPECT_EQ(r.stream.next_seq, 9u);
  EXPECT_TRUE(r.stream.pending.empty());
}

TEST(ReassemblyTest, OverflowDeclaresTheHoleAGapAndContinues) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(1, "ab"));
  // Bytes 3..4 are lost; 8 bytes may wait for them.
  r.Feed(Segment(5, "efgh"), 8);
  r.Feed(Segment(9, "ijkl"), 8);
  EXPECT_EQ(r.Take(), "ab");
  r.Feed(Segment(13, "m"), 8);  // 9 bytes pending: over the limit
  EXPECT_EQ(r.Take(), "[2]efghijklm");
  EXPECT_EQ(r.stream.pending_bytes, 0u);
  // The lost bytes turning up late are old news; new bytes flow on.
  r.Feed(Segment(3, "cd"), 8);
  r.Feed(Segment(14, "n"), 8);
  EXPECT_EQ(r.Take(), "n");
}

TEST(ReassemblyTest, OverflowKeepsBufferingWhatIsStillOutOfOrder) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(3, "cdef"), 8);
  r.Feed(Segment(11, "klmn"), 8);
  r.Feed(Segment(15, "o"), 8);  // over the limit: only the first hole becomes a gap
  EXPECT_EQ(r.Take(), "[2]cdef");
  EXPECT_EQ(r.stream.pending_bytes, 5u);
  r.Feed(Segment(7, "ghij"), 8);
  EXPECT_EQ(r.Take(), "ghijklmno");
}

TEST(ReassemblyTest, SnaplenCutSegmentBecomesDataThenGap) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(1, "abcd", 10));  // 10 bytes on the wire, 4 captured
  EXPECT_EQ(r.Take(), "abcd[6]");
  r.Feed(Segment(11, "klm"));
  EXPECT_EQ(r.Take(), "klm");
}

TEST(ReassemblyTest, SegmentWithNothingCapturedIsAllGap) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(1, "", 1460));
  EXPECT_EQ(r.Take(), "[1460]");
  r.Feed(Segment(1461, "x"));
  EXPECT_EQ(r.Take(), "x");
}

TEST(ReassemblyTest, RetransmissionOfACutSegmentFillsOnlyWhatIsNew) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(1, "ab", 4));
  EXPECT_EQ(r.Take(), "ab[2]");
  // The same bytes again, fully captured this time: the gap was already declared.
  r.Feed(Segment(1, "abcd"));
  r.Feed(Segment(5, "e"));
  EXPECT_EQ(r.Take(), "e");
}

// An out-of-order segment cut by snaplen still occupies its whole wire length: once the hole
// before it fills, the part that was not captured is a gap and the data after it flows on
// without waiting for the buffer to overflow.
TEST(ReassemblyTest, OutOfOrderSnaplenCutSegmentDoesNotStallTheStream) {
  Receiver r;
  r.Feed(Syn(0));
  r.Feed(Segment(5, "ef", 6));  // bytes 5..10 on the wire, 2 captured, ahead of a hole
  r.Feed(Segment(1, "abcd"));
  EXPECT_EQ(r.Take(), "abcdef[4]");
  r.Feed(Segment(11, "klm"));
  EXPECT_EQ(r.Take(), "klm");
  EXPECT_TRUE(r.stream.pending.empty());
}

// Segments buffered with nothing captured must count against the limit too, or a flood of
// them grows the buffer without bound.
TEST(ReassemblyTest, PendingSegmentsWithNothingCapturedAreBounded) {
  Receiver r;
  r.Feed(Syn(0));
  for (uint32_t i = 0; i < 10'000; ++i) r.Feed(Segment(100 + i * 100, "", 50), 1024);
  EXPECT_LE(r.stream.pending.size(), 1024u);
}

TEST(ReassemblyTest, FollowsTheSequenceAcrossTheWrapAt2To32) {
  Receiver r;
  r.Feed(Syn(0xfffffff0u));
  r.Feed(Segment(0xfffffff1u, "0123456789abcdef"));  // ends at 2^32 + 1
  r.Feed(Segment(0x00000001u, "ghij"));
  EXPECT_EQ(r.Take(), "0123456789abcdefghij");
  EXPECT_EQ(r.stream.next_seq, 5u);
  EXPECT_EQ(r.stream.next_offset, 20u);
  // Out of order across the wrap, and a retransmission from before it.
  r.Feed(Segment(9, "op"));
  r.Feed(Segment(0xfffffff1u, "0123"));
  r.Feed(Segment(5, "klmn"));
  EXPECT_EQ(r.Take(), "klmnop");
}

TEST(ReassemblyTest, BuffersAcrossTheWrapWithoutDeclaringAGap) {
  Receiver r;
  r.Feed(Syn(0xfffffffau));
  r.Feed(Segment(0x00000002u, "xyz"));  // ahead, after the wrap
  EXPECT_EQ(r.Take(), "");
  r.Feed(Segment(0xfffffffbu, "abcdefg"));
  EXPECT_EQ(r.Take(), "abcdefgxyz");
}

TEST(ReassemblyTest, MidStreamStartsAtTheFirstDataSeen) {
  Receiver r;
  r.Feed(Segment(500000, "hello"));
  EXPECT_EQ(r.Take(), "hello");
  // Bytes from before the capture started cannot be placed: dropped, not a gap.
  r.Feed(Segment(499990, "0123456789"));
  r.Feed(Segment(499998, "xxxxxxx!"));  // overlaps the start: only "!" is new
  EXPECT_EQ(r.Take(), "!");
  r.Feed(Segment(500006, " world"));
  EXPECT_EQ(r.Take(), " world");
}

TEST(ReassemblyTest, SynWithDataDeliversItsPayload) {
  Receiver r;
  r.Feed(Segment(77, "fast", 0, tcp_flags::kSyn));  // TCP Fast Open
  EXPECT_EQ(r.Take(), "fast");
  r.Feed(Segment(82, "open"));
  EXPECT_EQ(r.Take(), "open");
}

TEST(ReassemblyTest, RetransmittedSynDoesNotRewindAStreamWithData) {
  Receiver r;
  r.Feed(Syn(100));
  r.Feed(Segment(101, "abc"));
  r.Feed(Syn(100));
  r.Feed(Segment(104, "d"));
  EXPECT_EQ(r.Take(), "abcd");
}

TEST(ReassemblyTest, SynAckStartsTheServerStream) {
  Receiver r;
  r.Feed(Segment(9000, "", 0, tcp_flags::kSyn | tcp_flags::kAck));
  r.Feed(Segment(9005, "late"));  // the first four bytes are missing
  r.Feed(Segment(9001, "ok: "));
  EXPECT_EQ(r.Take(), "ok: late");
}

TEST(ReassemblyTest, FlushDeliversWhatIsPendingWithAGapPerHole) {
  Receiver r;
  r.Feed(Syn(1000));
  r.Feed(Segment(1001, "abc"));
  r.Feed(Segment(1007, "ghi"));
  r.Feed(Segment(1013, "mno"));
  r.Feed(Segment(1016, "pq"));
  EXPECT_EQ(r.Take(), "abc");
  r.Flush();
  EXPECT_EQ(r.Take(), "[3]ghi[3]mnopq");
  EXPECT_TRUE(r.stream.pending.empty());
  EXPECT_EQ(r.stream.pending_bytes, 0u);
  r.Flush();
  EXPECT_EQ(r.Take(), "");
}

}  // namespace
}  // namespace otguard::nba::internal
