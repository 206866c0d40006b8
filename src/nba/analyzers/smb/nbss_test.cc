#include "nba/analyzers/smb/nbss.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace otguard::nba::analyzers::smb {
namespace {

struct Packet {
  uint8_t type;
  std::vector<uint8_t> prefix;
  uint32_t length;
};

class Recorder final : public NbssFramer::Handler {
 public:
  void OnPacket(uint8_t type, Bytes prefix, uint32_t length) override {
    packets.push_back({type, {prefix.begin(), prefix.end()}, length});
  }
  void OnAnomaly(std::string_view what) override { anomalies.emplace_back(what); }
  std::vector<Packet> packets;
  std::vector<std::string> anomalies;
};

// An NBSS session message with an SMB1 protocol id and `body_len` payload bytes in total.
std::vector<uint8_t> SessionMessage(uint32_t body_len, uint8_t fill = 0x41) {
  std::vector<uint8_t> m = {0x00, static_cast<uint8_t>(body_len >> 16),
                            static_cast<uint8_t>(body_len >> 8), static_cast<uint8_t>(body_len)};
  std::vector<uint8_t> body(body_len, fill);
  body[0] = 0xff, body[1] = 'S', body[2] = 'M', body[3] = 'B';
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

std::vector<uint8_t> Concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(NbssFramer, ByteByByteDeliveryYieldsTheSamePackets) {
  auto stream = Concat({SessionMessage(40), SessionMessage(100, 0x42)});
  Recorder r;
  NbssFramer f(r);
  for (uint8_t b : stream) f.Feed(Bytes(&b, 1));
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].length, 40u);
  EXPECT_EQ(r.packets[0].prefix.size(), 40u);
  EXPECT_EQ(r.packets[1].prefix.back(), 0x42);
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(NbssFramer, LongPacketKeepsOnlyThePrefixAndStaysInSync) {
  auto stream = Concat({SessionMessage(100000), SessionMessage(50)});
  Recorder r;
  NbssFramer f(r);
  f.Feed(stream);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].length, 100000u);
  EXPECT_EQ(r.packets[0].prefix.size(), NbssFramer::kMaxPrefix);
  EXPECT_EQ(r.packets[1].length, 50u);
}

TEST(NbssFramer, GapInsideAPacketOfKnownLengthKeepsSync) {
  auto first = SessionMessage(1000);
  Recorder r;
  NbssFramer f(r);
  f.Feed(Bytes(first).first(100));
  f.Gap(first.size() - 100);
  f.Feed(SessionMessage(60));
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].prefix.size(), 96u);  // delivered cut, as far as it came
  EXPECT_EQ(r.packets[0].length, 1000u);
  EXPECT_EQ(r.packets[1].length, 60u);
  EXPECT_FALSE(f.hunting());
}

TEST(NbssFramer, GapOverAHeaderResynchronisesOnTheNextSmbHeader) {
  Recorder r;
  NbssFramer f(r);
  f.Feed(SessionMessage(40));
  f.Gap(500);
  EXPECT_TRUE(f.hunting());
  // The rest of a lost packet, then a real one split inside its header.
  auto next = SessionMessage(70, 0x43);
  std::vector<uint8_t> tail(33, 0x00);
  tail.insert(tail.end(), next.begin(), next.begin() + 6);
  f.Feed(tail);
  f.Feed(Bytes(next).subspan(6));
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].length, 70u);
  EXPECT_EQ(r.packets[1].prefix[0], 0xff);
}

TEST(NbssFramer, MidStreamStartFindsTheFirstWholePacket) {
  // The capture began inside a packet whose bytes happen to contain length-like values.
  std::vector<uint8_t> junk = {0x00, 0x00, 0x10, 0x00, 0x12, 0x34, 0x00, 0x05, 0xff, 0x00};
  Recorder r;
  NbssFramer f(r);
  f.Feed(Concat({junk, SessionMessage(45)}));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].length, 45u);
  EXPECT_FALSE(r.anomalies.empty());
}

TEST(NbssFramer, BogusControlLengthIsAnAnomalyNotATrustedLength) {
  // A keep-alive must be empty (RFC 1002 4.3.7); this one claims 0x1ffff bytes.
  std::vector<uint8_t> bogus = {0x85, 0x01, 0xff, 0xff};
  Recorder r;
  NbssFramer f(r);
  f.Feed(Concat({bogus, SessionMessage(40)}));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].type, nbss_type::kSessionMessage);
  EXPECT_EQ(r.anomalies.front(), "nbss.bad_length");
}

TEST(NbssFramer, UnknownTypeIsAnAnomaly) {
  Recorder r;
  NbssFramer f(r);
  f.Feed(Concat({{0x42, 0x00, 0x00, 0x00}, SessionMessage(40)}));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.anomalies.front(), "nbss.bad_type");
}

TEST(NbssFramer, ZeroLengthFramesAndNetbiosControlPacketsAreConsumed) {
  // Port 139: session request (two 34-byte encoded names), positive response, keep-alive,
  // an empty session message, then SMB.
  std::vector<uint8_t> request = {0x81, 0x00, 0x00, 0x44};
  request.resize(4 + 68, 0x41);
  request[4] = 0x20;
  Recorder r;
  NbssFramer f(r);
  f.Feed(Concat({request, {0x82, 0, 0, 0}, {0x85, 0, 0, 0}, {0x00, 0, 0, 0}, SessionMessage(40)}));
  ASSERT_EQ(r.packets.size(), 5u);
  EXPECT_EQ(r.packets[0].type, nbss_type::kSessionRequest);
  EXPECT_EQ(r.packets[0].length, 68u);
  EXPECT_EQ(r.packets[2].type, nbss_type::kKeepAlive);
  EXPECT_EQ(r.packets[3].length, 0u);
  EXPECT_EQ(r.packets[4].length, 40u);
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(NbssFramer, GivesUpAfterTooMuchGarbage) {
  std::vector<uint8_t> garbage(NbssFramer::kMaxHunt + 4096, 0x5a);
  Recorder r;
  NbssFramer f(r);
  f.Feed(garbage);
  EXPECT_TRUE(f.lost());
  EXPECT_EQ(r.anomalies.back(), "nbss.lost_sync");
  f.Feed(SessionMessage(40));  // lost is final
  EXPECT_TRUE(r.packets.empty());
}

TEST(NbssFramer, FlushDeliversAPacketCutByTheEndOfTheFlow) {
  auto m = SessionMessage(0xfff7);
  Recorder r;
  NbssFramer f(r);
  f.Feed(Bytes(m).first(300));
  EXPECT_TRUE(r.packets.empty());
  f.Flush();
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].length, 0xfff7u);
  EXPECT_EQ(r.packets[0].prefix.size(), 296u);
}

TEST(NbssFramer, PlausibleHeaderNeedsAnSmbProtocolId) {
  auto good = SessionMessage(40);
  EXPECT_TRUE(PlausibleSessionMessage(good));
  good[5] = 'X';
  EXPECT_FALSE(PlausibleSessionMessage(good));
  auto whole = SessionMessage(40);
  EXPECT_FALSE(PlausibleSessionMessage(Bytes(whole).first(7)));
  EXPECT_FALSE(PlausibleSessionMessage(SessionMessage(20)));  // too short for any SMB header
}

}  // namespace
}  // namespace otguard::nba::analyzers::smb
