#include "flow_table.h"

namespace otguard::nba::internal {

FlowKey KeyOf(const Packet& p) {
  FlowKey k;
  bool src_low = p.src < p.dst || (p.src == p.dst && p.src_port <= p.dst_port);
  k.lo_ip = src_low ? p.src : p.dst;
  k.hi_ip = src_low ? p.dst : p.src;
  k.lo_port = src_low ? p.src_port : p.dst_port;
  k.hi_port = src_low ? p.dst_port : p.src_port;
  // ICMP: type and code are not a conversation key; keep one flow per host pair.
  if (p.transport == Transport::kIcmp || p.transport == Transport::kIcmpV6) {
    k.lo_port = k.hi_port = 0;
  }
  k.vlan = p.vlan;
  k.proto = p.ip_proto;
  return k;
}

FlowSlot* FlowTable::Find(const FlowKey& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : by_index_[it->second];
}

FlowSlot* FlowTable::Insert(const FlowKey& key) {
  uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    i = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    by_index_.push_back(&slots_.back());
  }
  FlowSlot& s = *by_index_[i];
  s = FlowSlot();
  s.key = key;
  s.self = i;
  s.in_use = true;
  index_.emplace(key, i);
  LinkTail(i);
  return &s;
}

void FlowTable::Erase(FlowSlot* slot) {
  uint32_t i = IndexOf(slot);
  Unlink(i);
  index_.erase(slot->key);
  slot->analysis.reset();
  slot->in_use = false;
  free_.push_back(i);
}

void FlowTable::Touch(FlowSlot* slot) {
  uint32_t i = IndexOf(slot);
  auto& list = lists_[static_cast<size_t>(slot->timeout_class)];
  if (list.tail == i) return;
  Unlink(i);
  LinkTail(i);
}

void FlowTable::SetClass(FlowSlot* slot, TimeoutClass c) {
  if (slot->timeout_class == c) return;
  uint32_t i = IndexOf(slot);
  Unlink(i);
  slot->timeout_class = c;
  LinkTail(i);
}

FlowSlot* FlowTable::Oldest(TimeoutClass c) {
  uint32_t head = lists_[static_cast<size_t>(c)].head;
  return head == FlowSlot::kNone ? nullptr : by_index_[head];
}

void FlowTable::Unlink(uint32_t i) {
  FlowSlot& s = *by_index_[i];
  auto& list = lists_[static_cast<size_t>(s.timeout_class)];
  if (s.prev != FlowSlot::kNone)
    by_index_[s.prev]->next = s.next;
  else
    list.head = s.next;
  if (s.next != FlowSlot::kNone)
    by_index_[s.next]->prev = s.prev;
  else
    list.tail = s.prev;
  s.prev = s.next = FlowSlot::kNone;
}

void FlowTable::LinkTail(uint32_t i) {
  FlowSlot& s = *by_index_[i];
  auto& list = lists_[static_cast<size_t>(s.timeout_class)];
  s.prev = list.tail;
  s.next = FlowSlot::kNone;
  if (list.tail != FlowSlot::kNone)
    by_index_[list.tail]->next = i;
  else
    list.head = i;
  list.tail = i;
}

}  // namespace otguard::nba::internal
