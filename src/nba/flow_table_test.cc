// The flow table: one key for both directions of a conversation, and per-class least recently
// seen order, which expiry and eviction rely on to end the right flows.
#include "flow_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace otguard::nba::internal {
namespace {

Packet Conversation(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                    Transport t = Transport::kTcp, uint16_t vlan = 0) {
  Packet p;
  p.src = *IpAddress::Parse(src);
  p.dst = *IpAddress::Parse(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.transport = t;
  p.ip_proto = static_cast<uint8_t>(t);
  p.vlan = vlan;
  return p;
}

Packet Reversed(Packet p) {
  std::swap(p.src, p.dst);
  std::swap(p.src_port, p.dst_port);
  return p;
}

FlowKey Key(int n) {
  return KeyOf(Conversation("10.0.0.1", static_cast<uint16_t>(40000 + n), "10.0.0.2", 445));
}

// The slots of a class from oldest to newest, by walking the links.
std::vector<FlowSlot*> Order(FlowTable& table, TimeoutClass c) {
  std::vector<FlowSlot*> out;
  std::vector<FlowSlot*> all;
  table.ForEach([&](FlowSlot& s) { all.push_back(&s); });
  for (FlowSlot* s = table.Oldest(c); s != nullptr;) {
    out.push_back(s);
    if (out.size() > all.size()) break;  // a cycle: fail below rather than hang
    FlowSlot* next = nullptr;
    for (FlowSlot* candidate : all) {
      if (candidate->self == s->next) next = candidate;
    }
    s = next;
  }
  return out;
}

TEST(FlowKeyTest, BothDirectionsHaveTheSameKey) {
  Packet p = Conversation("192.168.1.10", 49152, "10.0.0.5", 502);
  EXPECT_EQ(KeyOf(p), KeyOf(Reversed(p)));
  Packet v6 = Conversation("2001:db8::1", 80, "2001:db8::2", 50000, Transport::kUdp);
  EXPECT_EQ(KeyOf(v6), KeyOf(Reversed(v6)));
}

TEST(FlowKeyTest, SameHostTalkingToItselfIsOneFlowBothWays) {
  Packet p = Conversation("127.0.0.1", 6000, "127.0.0.1", 5000);
  FlowKey k = KeyOf(p);
  EXPECT_EQ(k, KeyOf(Reversed(p)));
  EXPECT_EQ(k.lo_port, 5000);
  EXPECT_EQ(k.hi_port, 6000);
}

TEST(FlowKeyTest, KeyDistinguishesPortsProtocolAndVlan) {
  Packet base = Conversation("10.0.0.1", 40000, "10.0.0.2", 445);
  EXPECT_NE(KeyOf(base), KeyOf(Conversation("10.0.0.1", 40001, "10.0.0.2", 445)));
  EXPECT_NE(KeyOf(base), KeyOf(Conversation("10.0.0.1", 40000, "10.0.0.2", 445, Transport::kUdp)));
  EXPECT_NE(KeyOf(base),
            KeyOf(Conversation("10.0.0.1", 40000, "10.0.0.2", 445, Transport::kTcp, 7)));
  // Swapping only the ports is another conversation.
  EXPECT_NE(KeyOf(base), KeyOf(Conversation("10.0.0.1", 445, "10.0.0.2", 40000)));
}

TEST(FlowKeyTest, IcmpTypeAndCodeDoNotSplitTheConversation) {
  Packet echo = Conversation("10.0.0.1", 8, "10.0.0.2", 0, Transport::kIcmp);
  Packet reply = Conversation("10.0.0.2", 0, "10.0.0.1", 0, Transport::kIcmp);
  Packet unreachable = Conversation("10.0.0.2", 3, "10.0.0.1", 3, Transport::kIcmp);
  EXPECT_EQ(KeyOf(echo), KeyOf(reply));
  EXPECT_EQ(KeyOf(echo), KeyOf(unreachable));
  Packet v6 = Conversation("fe80::1", 128, "fe80::2", 0, Transport::kIcmpV6);
  EXPECT_EQ(KeyOf(v6), KeyOf(Conversation("fe80::2", 129, "fe80::1", 0, Transport::kIcmpV6)));
}

TEST(FlowTableTest, InsertFindErase) {
  FlowTable table;
  EXPECT_EQ(table.Find(Key(1)), nullptr);
  FlowSlot* a = table.Insert(Key(1));
  FlowSlot* b = table.Insert(Key(2));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, a);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Find(Key(1)), a);
  EXPECT_EQ(table.Find(Key(2)), b);
  EXPECT_TRUE(a->in_use);
  EXPECT_EQ(a->key, Key(1));
  table.Erase(a);
  EXPECT_EQ(table.Find(Key(1)), nullptr);
  EXPECT_EQ(table.Find(Key(2)), b);
  EXPECT_EQ(table.size(), 1u);
  int visited = 0;
  table.ForEach([&](FlowSlot& s) {
    ++visited;
    EXPECT_EQ(&s, b);
  });
  EXPECT_EQ(visited, 1);
}

TEST(FlowTableTest, SlotAddressesStayStableWhileTheTableGrows) {
  FlowTable table;
  FlowSlot* first = table.Insert(Key(0));
  first->info.id = 42;
  for (int i = 1; i < 5000; ++i) table.Insert(Key(i));
  EXPECT_EQ(table.Find(Key(0)), first);
  EXPECT_EQ(first->info.id, 42u);
}

TEST(FlowTableTest, ErasedSlotIsReusedClean) {
  FlowTable table;
  FlowSlot* a = table.Insert(Key(1));
  table.Insert(Key(2));
  a->info.id = 99;
  a->info.packets[0] = 7;
  a->fin[0] = true;
  a->probed = 3;
  a->analysis = std::make_unique<FlowAnalysis>();
  table.SetClass(a, TimeoutClass::kClosed);
  table.Erase(a);
  FlowSlot* c = table.Insert(Key(3));
  EXPECT_EQ(c, a);  // the free slot, not a new one
  EXPECT_EQ(c->key, Key(3));
  EXPECT_EQ(c->info.id, 0u);
  EXPECT_EQ(c->info.packets[0], 0u);
  EXPECT_FALSE(c->fin[0]);
  EXPECT_EQ(c->probed, 0);
  EXPECT_EQ(c->analysis, nullptr);
  EXPECT_EQ(c->timeout_class, TimeoutClass::kOther);
  EXPECT_EQ(table.Oldest(TimeoutClass::kClosed), nullptr);
  EXPECT_EQ(table.Find(Key(3)), c);
  EXPECT_EQ(table.Find(Key(1)), nullptr);
  EXPECT_EQ(table.size(), 2u);
}

TEST(FlowTableTest, OldestIsTheLeastRecentlyTouchedOfItsClass) {
  FlowTable table;
  FlowSlot* a = table.Insert(Key(1));
  FlowSlot* b = table.Insert(Key(2));
  FlowSlot* c = table.Insert(Key(3));
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{a, b, c}));
  table.Touch(a);
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{b, c, a}));
  table.Touch(a);  // already the newest
  table.Touch(c);
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{b, a, c}));
  table.Erase(a);  // from the middle
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{b, c}));
  table.Erase(b);  // the head
  EXPECT_EQ(table.Oldest(TimeoutClass::kOther), c);
  table.Erase(c);  // the last one
  EXPECT_EQ(table.Oldest(TimeoutClass::kOther), nullptr);
  FlowSlot* d = table.Insert(Key(4));
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{d}));
}

TEST(FlowTableTest, EachTimeoutClassKeepsItsOwnOrder) {
  FlowTable table;
  FlowSlot* tcp1 = table.Insert(Key(1));
  FlowSlot* udp = table.Insert(Key(2));
  FlowSlot* tcp2 = table.Insert(Key(3));
  FlowSlot* other = table.Insert(Key(4));
  table.SetClass(tcp1, TimeoutClass::kTcp);
  table.SetClass(udp, TimeoutClass::kUdp);
  table.SetClass(tcp2, TimeoutClass::kTcp);
  EXPECT_EQ(Order(table, TimeoutClass::kTcp), (std::vector<FlowSlot*>{tcp1, tcp2}));
  EXPECT_EQ(Order(table, TimeoutClass::kUdp), (std::vector<FlowSlot*>{udp}));
  EXPECT_EQ(Order(table, TimeoutClass::kOther), (std::vector<FlowSlot*>{other}));
  table.Touch(tcp1);
  EXPECT_EQ(Order(table, TimeoutClass::kTcp), (std::vector<FlowSlot*>{tcp2, tcp1}));
  EXPECT_EQ(Order(table, TimeoutClass::kUdp), (std::vector<FlowSlot*>{udp}));
  // A closing connection moves to the closed class as its newest member.
  table.SetClass(tcp2, TimeoutClass::kClosed);
  table.SetClass(tcp2, TimeoutClass::kClosed);  // no-op
  EXPECT_EQ(Order(table, TimeoutClass::kTcp), (std::vector<FlowSlot*>{tcp1}));
  EXPECT_EQ(Order(table, TimeoutClass::kClosed), (std::vector<FlowSlot*>{tcp2}));
  EXPECT_EQ(tcp2->timeout_class, TimeoutClass::kClosed);
  table.Erase(tcp2);
  EXPECT_EQ(table.Oldest(TimeoutClass::kClosed), nullptr);
  EXPECT_EQ(Order(table, TimeoutClass::kTcp), (std::vector<FlowSlot*>{tcp1}));
}

TEST(FlowTableTest, ChurnKeepsListsAndIndexConsistent) {
  FlowTable table;
  std::vector<FlowSlot*> live;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 20; ++i) live.push_back(table.Insert(Key(round * 20 + i)));
    // End the oldest half, as expiry does.
    for (int i = 0; i < 10; ++i) {
      FlowSlot* oldest = table.Oldest(TimeoutClass::kOther);
      ASSERT_EQ(oldest, live.front());
      table.Erase(oldest);
      live.erase(live.begin());
    }
  }
  EXPECT_EQ(table.size(), live.size());
  EXPECT_EQ(Order(table, TimeoutClass::kOther), live);
}

}  // namespace
}  // namespace otguard::nba::internal
