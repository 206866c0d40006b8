#include "otguard/nba/packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace otguard::nba {
namespace {

// Ethernet + IPv4 + TCP with `payload`, optionally VLAN-tagged.
std::vector<uint8_t> TcpFrame(std::vector<uint8_t> payload, bool vlan = false) {
  std::vector<uint8_t> f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  if (vlan) f.insert(f.end(), {0x81, 0x00, 0x00, 0x2a});
  f.insert(f.end(), {0x08, 0x00});
  uint16_t total = static_cast<uint16_t>(20 + 20 + payload.size());
  f.insert(f.end(), {0x45,
                     0,
                     static_cast<uint8_t>(total >> 8),
                     static_cast<uint8_t>(total),
                     0,
                     1,
                     0x40,
                     0,
                     64,
                     6,
                     0,
                     0,
                     192,
                     168,
                     1,
                     10,
                     192,
                     168,
                     1,
                     20});
  f.insert(f.end(),
           {0xc0, 0x01, 0x01, 0xbd, 0, 0, 0, 100, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0});
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

TEST(DecodeTest, EthernetIpv4Tcp) {
  auto f = TcpFrame({'a', 'b', 'c'});
  Packet p;
  EXPECT_EQ(Decode(1, f, static_cast<uint32_t>(f.size()), p), std::nullopt);
  EXPECT_EQ(p.src.ToString(), "192.168.1.10");
  EXPECT_EQ(p.dst.ToString(), "192.168.1.20");
  EXPECT_EQ(p.src_port, 49153);
  EXPECT_EQ(p.dst_port, 445);
  EXPECT_EQ(p.transport, Transport::kTcp);
  EXPECT_EQ(p.seq, 100u);
  EXPECT_EQ(p.tcp_flags, tcp_flags::kAck | tcp_flags::kPsh);
  ASSERT_EQ(p.payload.size(), 3u);
  EXPECT_EQ(p.payload[0], 'a');
}

TEST(DecodeTest, VlanTagIsFollowedAndRecorded) {
  auto f = TcpFrame({'x'}, /*vlan=*/true);
  Packet p;
  EXPECT_EQ(Decode(1, f, static_cast<uint32_t>(f.size()), p), std::nullopt);
  EXPECT_EQ(p.vlan, 42);
  EXPECT_EQ(p.dst_port, 445);
}

TEST(DecodeTest, SnaplenCutPayloadIsReportedNotDropped) {
  auto f = TcpFrame(std::vector<uint8_t>(100, 'z'));
  uint32_t wire = static_cast<uint32_t>(f.size());
  f.resize(f.size() - 60);
  Packet p;
  EXPECT_EQ(Decode(1, f, wire, p), Anomaly::kSnaplenCut);
  EXPECT_EQ(p.payload.size(), 40u);
  EXPECT_EQ(p.payload_wire_len, 100u);
}

TEST(DecodeTest, BogusLengthsAreAnomaliesAtEveryLayer) {
  auto f = TcpFrame({'a'});
  Packet p;
  auto bad_ihl = f;
  bad_ihl[14] = 0x43;  // IHL 12 bytes
  EXPECT_EQ(Decode(1, bad_ihl, 100, p), Anomaly::kBadIpHeader);
  auto bad_total = f;
  bad_total[16] = 0;
  bad_total[17] = 10;  // total length below the header
  EXPECT_EQ(Decode(1, bad_total, 100, p), Anomaly::kBadIpHeader);
  auto bad_offset = f;
  bad_offset[14 + 20 + 12] = 0x20;  // data offset 8 bytes
  EXPECT_EQ(Decode(1, bad_offset, 100, p), Anomaly::kBadTcpOffset);
  EXPECT_EQ(Decode(1, std::span(f).first(10), 10, p), Anomaly::kTruncatedLink);
  EXPECT_EQ(Decode(1, std::span(f).first(30), 30, p), Anomaly::kTruncatedIp);
  EXPECT_EQ(Decode(1, std::span(f).first(40), 40, p), Anomaly::kTruncatedTransport);
  EXPECT_EQ(Decode(147, f, 100, p), Anomaly::kUnsupportedLink);
}

TEST(DecodeTest, Ipv6Udp) {
  std::vector<uint8_t> f = {0x60, 0, 0, 0, 0, 12, 17, 64};
  for (int i = 0; i < 15; ++i) f.push_back(0);
  f.push_back(1);  // ::1
  f.insert(f.end(), {0x20, 0x01, 0x0d, 0xb8});
  for (int i = 0; i < 11; ++i) f.push_back(0);
  f.push_back(2);  // 2001:db8::2
  f.insert(f.end(), {0x30, 0x39, 0, 53, 0, 12, 0, 0, 'd', 'n', 's', '!'});
  Packet p;
  EXPECT_EQ(Decode(101, f, static_cast<uint32_t>(f.size()), p), std::nullopt);
  EXPECT_EQ(p.dst.ToString(), "2001:db8::2");
  EXPECT_EQ(p.transport, Transport::kUdp);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.payload.size(), 4u);
}

TEST(IpAddressTest, ParseAndPrintBothFamilies) {
  EXPECT_EQ(IpAddress::Parse("10.20.30.40")->ToString(), "10.20.30.40");
  EXPECT_TRUE(IpAddress::Parse("10.20.30.40")->is_v4());
  EXPECT_EQ(IpAddress::Parse("fe80::1")->ToString(), "fe80::1");
  EXPECT_FALSE(IpAddress::Parse("10.20.30"));
  // One parser for the whole product (base/ip_text): the rules IOC packs follow.
  EXPECT_EQ(IpAddress::Parse("::FFFF:10.1.2.3")->ToString(), "10.1.2.3");
  EXPECT_TRUE(IpAddress::Parse("::ffff:10.1.2.3")->is_v4());
  EXPECT_EQ(IpAddress::Parse("2001:0db8:0:0:0:0:0:0002")->ToString(), "2001:db8::2");
  EXPECT_FALSE(IpAddress::Parse("10.20.30.040"));
  EXPECT_FALSE(IpAddress::Parse("10.20.30.0/24"));
  EXPECT_FALSE(IpAddress::Parse("fe80::1%eth0"));
}

}  // namespace
}  // namespace otguard::nba
