// DCE/RPC connection-oriented analyser. Layouts from The Open Group C706 (DCE 1.1: Remote
// Procedure Call): 12.6.3 common PDU header, 12.6.4 bind/bind_ack/alter_context/request/
// response bodies, 14 NDR transfer syntax, Appendix L protocol towers and Appendix O the
// endpoint mapper interface (ept_map is opnum 3); [MS-RPCE] 2.2.2.11 sec_trailer and 2.2.2.13
// header signing flags. Zeek's DCE_RPC analyser (zeek/zeek src/analyzer/protocol/dce-rpc) and
// Wireshark's packet-dcerpc-epm.c showed which facts are worth keeping; no code is taken.
#include "nba/analyzers/dcerpc/dcerpc.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace otguard::nba::analyzers::dcerpc {
namespace {

// A remote method whose call changes process values.
struct WriteMethod {
  uint16_t opnum;
  std::string_view name;
};

struct Interface {
  std::string_view uuid;  // lower case, as printed by UuidString()
  std::string_view name;
  std::array<WriteMethod, 2> writes{{{0xFFFF, ""}, {0xFFFF, ""}}};
};

// Interfaces worth naming. Sources: C706 Appendix O (endpoint mapper); [MS-DCOM] 1.9
// (IObjectExporter a.k.a. IOXIDResolver, IRemoteSCMActivator a.k.a. ISystemActivator,
// IActivation, IRemUnknown, IRemUnknown2); OPC Foundation OPC DA 2.05 opcda.idl and OPC DA 3.0
// interop definitions (OpcRcw.Da) and opccomn.idl for OPCEnum's IOPCServerList.
// OPC DA method opnums are the methods' vtable slots: IUnknown takes 0-2, so in opcda.idl
// IOPCSyncIO::Write, IOPCAsyncIO::Write and IOPCAsyncIO2::Write (second method) are opnum 4;
// IOPCSyncIO2 derives from IOPCSyncIO and adds ReadMaxAge (5) and WriteVQT (6). IOPCAsyncIO3
// and IOPCItemIO writes are left out: their method order could not be checked against a
// published definition.
const std::array kInterfaces = {
    Interface{"e1af8308-5d1f-11c9-91a4-08002b14a0fa", "epm"},
    Interface{"99fcfec4-5260-101b-bbcb-00aa0021347a", "IOXIDResolver"},
    Interface{"000001a0-0000-0000-c000-000000000046", "ISystemActivator"},
    Interface{"4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", "IActivation"},
    Interface{"00000131-0000-0000-c000-000000000046", "IRemUnknown"},
    Interface{"00000143-0000-0000-c000-000000000046", "IRemUnknown2"},
    Interface{"39c13a4d-011e-11d0-9675-0020afd8adb3", "IOPCServer"},
    Interface{"39c13a4e-011e-11d0-9675-0020afd8adb3", "IOPCServerPublicGroups"},
    Interface{"39c13a4f-011e-11d0-9675-0020afd8adb3", "IOPCBrowseServerAddressSpace"},
    Interface{"39c13a50-011e-11d0-9675-0020afd8adb3", "IOPCGroupStateMgt"},
    Interface{"39c13a51-011e-11d0-9675-0020afd8adb3", "IOPCPublicGroupStateMgt"},
    Interface{"39c13a52-011e-11d0-9675-0020afd8adb3", "IOPCSyncIO", {{{4, "Write"}, {0xFFFF, ""}}}},
    Interface{
        "39c13a53-011e-11d0-9675-0020afd8adb3", "IOPCAsyncIO", {{{4, "Write"}, {0xFFFF, ""}}}},
    Interface{"39c13a54-011e-11d0-9675-0020afd8adb3", "IOPCItemMgt"},
    Interface{"39c13a55-011e-11d0-9675-0020afd8adb3", "IEnumOPCItemAttributes"},
    Interface{"39c13a70-011e-11d0-9675-0020afd8adb3", "IOPCDataCallback"},
    Interface{
        "39c13a71-011e-11d0-9675-0020afd8adb3", "IOPCAsyncIO2", {{{4, "Write"}, {0xFFFF, ""}}}},
    Interface{"39c13a72-011e-11d0-9675-0020afd8adb3", "IOPCItemProperties"},
    Interface{
        "730f5f0f-55b1-4c81-9e18-ff8a0904e1fa", "IOPCSyncIO2", {{{4, "Write"}, {6, "WriteVQT"}}}},
    Interface{"13486d50-4821-11d2-a494-3cb306c10000", "IOPCServerList"},
    Interface{"9dd0b56c-ad9e-43ee-8305-487f3188bf7a", "IOPCServerList2"},
};
constexpr std::string_view kEndpointMapper = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
constexpr std::string_view kNdr64 = "71710533-beba-4937-8319-b5dbef9ccc36";
constexpr uint16_t kEptMap = 3;

const Interface* FindInterface(std::string_view uuid) {
  for (const auto& i : kInterfaces) {
    if (i.uuid == uuid) return &i;
  }
  return nullptr;
}

// PDU types (C706 12.6.4) and flags (12.6.3.1).
enum PduType : uint8_t {
  kRequest = 0,
  kResponse = 2,
  kBind = 11,
  kBindAck = 12,
  kAlterContext = 14,
  kAlterContextResp = 15,
  kMaxPduType = 19,
};
constexpr uint8_t kFirstFrag = 0x01, kLastFrag = 0x02, kObjectUuid = 0x80;
constexpr size_t kHeaderSize = 16;
constexpr size_t kSecTrailerSize = 8;
constexpr uint8_t kAuthLevelPrivacy = 6;  // stub data encrypted
constexpr size_t kMaxStub = 64 * 1024;
constexpr size_t kMaxContexts = 256, kMaxPendingCalls = 16, kMaxReported = 64;
constexpr uint32_t kMaxTowers = 16;

// The 16 octets of a UUID as NDR sends them: first three fields in the sender's byte order.
std::string UuidString(const uint8_t* p, bool little_endian) {
  auto field = [&](int at, int len) {
    uint32_t v = 0;
    for (int i = 0; i < len; ++i) {
      v = v << 8 | p[at + (little_endian ? len - 1 - i : i)];
    }
    return v;
  };
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", field(0, 4),
                field(4, 2), field(6, 2), p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
  return out;
}

// Bounds-checked NDR reader; a failed read leaves ok() false and later reads fail too. A cursor
// of its own rather than nba/wire.h's fixed-order reads: NDR's byte order is chosen per PDU by
// the data representation label (C706 14.2.5).
class Ndr {
 public:
  Ndr(std::span<const uint8_t> data, bool little_endian) : data_(data), le_(little_endian) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }

  std::span<const uint8_t> Take(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    pos_ += n;
    return data_.subspan(pos_ - n, n);
  }
  void Skip(size_t n) { Take(n); }
  void Align(size_t n) { Skip((n - pos_ % n) % n); }
  uint32_t Uint(size_t n) {
    std::span<const uint8_t> b = Take(n);
    uint32_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v = v << 8 | b[le_ ? b.size() - 1 - i : i];
    return v;
  }
  uint8_t U8() { return static_cast<uint8_t>(Uint(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Uint(2)); }
  uint32_t U32() { return Uint(4); }
  std::string Uuid() {
    std::span<const uint8_t> b = Take(16);
    return ok_ ? UuidString(b.data(), le_) : std::string();
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool le_;
  bool ok_ = true;
};

// What a protocol tower (C706 Appendix L) says: floor 1 the interface, then the transport.
struct Tower {
  std::string interface_uuid;
  std::optional<uint16_t> tcp_port;
  std::optional<std::array<uint8_t, 4>> ip;
};

// Floor counts and lengths are little-endian; ports and addresses are in network order.
std::optional<Tower> ParseTower(std::span<const uint8_t> octets) {
  Ndr r(octets, true);
  Tower t;
  const uint16_t floors = r.U16();
  for (uint16_t i = 0; i < floors && i < 8 && r.ok(); ++i) {
    std::span<const uint8_t> lhs = r.Take(r.U16());
    std::span<const uint8_t> rhs = r.Take(r.U16());
    if (!r.ok() || lhs.empty()) return std::nullopt;
    if (i == 0 && lhs[0] == 0x0D && lhs.size() >= 17) t.interface_uuid = UuidString(&lhs[1], true);
    if (lhs[0] == 0x07 && rhs.size() >= 2) t.tcp_port = static_cast<uint16_t>(rhs[0] << 8 | rhs[1]);
    if (lhs[0] == 0x09 && rhs.size() >= 4)
      t.ip = std::array<uint8_t, 4>{rhs[0], rhs[1], rhs[2], rhs[3]};
  }
  if (!r.ok()) return std::nullopt;
  return t;
}

struct Header {
  uint8_t type = 0, flags = 0;
  bool little_endian = true;
  uint16_t frag_length = 0, auth_length = 0;
  uint32_t call_id = 0;
};

// C706 12.6.3.1: version 5.0 (5.1 is also seen), a known type, data representation integer
// byte order in the high nibble of the first octet, lengths that fit.
std::optional<Header> ParseHeader(std::span<const uint8_t> h) {
  if (h.size() < kHeaderSize || h[0] != 5 || h[1] > 1 || h[2] > kMaxPduType) return std::nullopt;
  if ((h[4] & 0xEF) != 0) return std::nullopt;  // integer rep 0/1, ASCII characters
  Header out;
  out.type = h[2];
  out.flags = h[3];
  out.little_endian = (h[4] & 0x10) != 0;
  Ndr r(h.subspan(8), out.little_endian);
  out.frag_length = r.U16();
  out.auth_length = r.U16();
  out.call_id = r.U32();
  const size_t trailer = out.auth_length ? out.auth_length + kSecTrailerSize : 0;
  if (out.frag_length < kHeaderSize + trailer) return std::nullopt;
  return out;
}

// A bind's first context element says how long the PDU must be: used by the probe.
constexpr size_t kMinBindLength = kHeaderSize + 12 + 44;

class DceRpcAnalyzer final : public Analyzer {
 public:
  explicit DceRpcAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Stream& s = streams_[Index(dir)];
    s.buffer.insert(s.buffer.end(), data.begin(), data.end());
    size_t pos = 0;
    while (!stopped() && s.buffer.size() - pos >= kHeaderSize) {
      std::optional<Header> h = ParseHeader({s.buffer.data() + pos, kHeaderSize});
      if (!h) {
        if (confirmed_) ctx().Anomaly("dcerpc.bad_header");
        Stop();
        break;
      }
      if (s.buffer.size() - pos < h->frag_length) break;
      if (!confirmed_) {
        confirmed_ = true;
        ctx().ConfirmProtocol("dcerpc");
      }
      HandlePdu(dir, *h, {s.buffer.data() + pos, h->frag_length});
      pos += h->frag_length;
    }
    s.buffer.erase(s.buffer.begin(), s.buffer.begin() + pos);
    if (s.buffer.size() > kMaxBuffer) Stop();
  }

 private:
  struct Stream {
    std::vector<uint8_t> buffer;
    std::vector<uint8_t> stub;  // response stub being reassembled
    bool assembling = false;
  };
  struct Context {
    uint16_t id;
    std::string uuid;
    const Interface* known;
    bool ndr64;
  };
  struct PendingCall {
    uint32_t call_id;
    std::string requested;  // interface the client asked the mapper for
  };

  // Body of a PDU (after the 16-octet header) without the authentication trailer and pad.
  struct Body {
    std::span<const uint8_t> bytes;
    bool encrypted = false;
  };
  static Body BodyOf(const Header& h, std::span<const uint8_t> pdu) {
    Body b;
    size_t end = pdu.size();
    if (h.auth_length) {
      end -= h.auth_length + kSecTrailerSize;
      const uint8_t level = pdu[end + 1], pad = pdu[end + 2];
      b.encrypted = level == kAuthLevelPrivacy;
      end = pad <= end - kHeaderSize ? end - pad : kHeaderSize;
    }
    b.bytes = pdu.subspan(kHeaderSize, end - kHeaderSize);
    return b;
  }

  void HandlePdu(Direction dir, const Header& h, std::span<const uint8_t> pdu) {
    Body body = BodyOf(h, pdu);
    switch (h.type) {
      case kBind:
      case kAlterContext:
        return HandleBind(dir, h, body.bytes);
      case kBindAck:
      case kAlterContextResp:
        return HandleBindAck(h, body.bytes);
      case kRequest:
        return HandleRequest(dir, h, body);
      case kResponse:
        return HandleResponse(dir, h, body);
      default:
        return;
    }
  }

  // bind / alter_context (C706 12.6.4.3): max frags, association group, p_cont_list_t.
  void HandleBind(Direction dir, const Header& h, std::span<const uint8_t> body) {
    client_ = dir;
    Ndr r(body, h.little_endian);
    r.Skip(8);
    const uint8_t n = r.U8();
    r.Skip(3);
    bound_ids_.clear();
    nlohmann::json fresh = nlohmann::json::array();
    for (uint8_t i = 0; i < n && r.ok(); ++i) {
      const uint16_t id = r.U16();
      const uint8_t transfer_syntaxes = r.U8();
      r.Skip(1);
      std::string uuid = r.Uuid();
      const uint16_t major = r.U16(), minor = r.U16();
      r.Skip(20u * transfer_syntaxes);
      if (!r.ok()) break;
      Remember(id, uuid);
      bound_ids_.push_back(id);
      if (reported_.size() < kMaxReported &&
          std::find(reported_.begin(), reported_.end(), uuid) == reported_.end()) {
        reported_.push_back(uuid);
        nlohmann::json entry = {{"uuid", uuid},
                                {"version", std::to_string(major) + "." + std::to_string(minor)}};
        if (const Interface* known = FindInterface(uuid)) entry["name"] = known->name;
        fresh.push_back(std::move(entry));
      }
    }
    if (!r.ok()) ctx().Anomaly("dcerpc.bad_bind");
    if (!fresh.empty()) ReportBind(dir, std::move(fresh));
  }

  void Remember(uint16_t id, const std::string& uuid) {
    auto it = std::find_if(contexts_.begin(), contexts_.end(),
                           [&](const Context& c) { return c.id == id; });
    if (it == contexts_.end()) {
      if (contexts_.size() >= kMaxContexts) return;
      it = contexts_.insert(contexts_.end(), Context{id, "", nullptr, false});
    }
    it->uuid = uuid;
    it->known = FindInterface(uuid);
    it->ndr64 = false;
  }

  // bind_ack (12.6.4.4): which transfer syntax each context of the bind got. Only NDR64
  // matters here: its stubs are laid out differently and are not parsed.
  void HandleBindAck(const Header& h, std::span<const uint8_t> body) {
    Ndr r(body, h.little_endian);
    r.Skip(8);
    const uint16_t address_length = r.U16();
    r.Skip(address_length);
    r.Align(4);
    const uint8_t n = r.U8();
    r.Skip(3);
    for (uint8_t i = 0; i < n && i < bound_ids_.size() && r.ok(); ++i) {
      const uint16_t result = r.U16();
      r.Skip(2);
      const std::string syntax = r.Uuid();
      r.Skip(4);
      if (r.ok() && result == 0 && syntax == kNdr64) {
        if (Context* c = Find(bound_ids_[i])) c->ndr64 = true;
      }
    }
  }

  Context* Find(uint16_t id) {
    for (auto& c : contexts_) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  // request (12.6.4.9): alloc hint, context id, opnum, optional object UUID, stub.
  void HandleRequest(Direction dir, const Header& h, const Body& body) {
    Ndr r(body.bytes, h.little_endian);
    r.Skip(4);
    const uint16_t context_id = r.U16();
    const uint16_t opnum = r.U16();
    if (h.flags & kObjectUuid) r.Skip(16);
    const Context* c = Find(context_id);
    if (!r.ok() || c == nullptr || !(h.flags & kFirstFrag)) return;
    if (c->known) {
      for (const WriteMethod& w : c->known->writes) {
        if (w.opnum == opnum) ReportWrite(dir, *c, w);
      }
    }
    if (c->uuid == kEndpointMapper && opnum == kEptMap && !c->ndr64 &&
        pending_.size() < kMaxPendingCalls) {
      pending_.push_back({h.call_id, body.encrypted ? "" : RequestedInterface(body, r.pos(), h)});
    }
  }

  // ept_map's [in] object (unique pointer to a UUID) and map_tower (pointer to twr_t).
  static std::string RequestedInterface(const Body& body, size_t stub_at, const Header& h) {
    Ndr r(body.bytes.subspan(std::min(stub_at, body.bytes.size())), h.little_endian);
    if (r.U32() != 0) r.Skip(16);
    if (r.U32() == 0) return "";
    const uint32_t length = r.U32();
    r.Skip(4);  // conformant array size
    std::optional<Tower> t = ParseTower(r.Take(length));
    return r.ok() && t ? t->interface_uuid : "";
  }

  // response (12.6.4.10): alloc hint, context id, cancel count, reserved, stub. Only ept_map
  // replies are kept, reassembled across fragments up to kMaxStub.
  void HandleResponse(Direction dir, const Header& h, const Body& body) {
    auto call = std::find_if(pending_.begin(), pending_.end(),
                             [&](const PendingCall& p) { return p.call_id == h.call_id; });
    if (call == pending_.end()) return;
    Stream& s = streams_[Index(dir)];
    if (h.flags & kFirstFrag) {
      s.stub.clear();
      s.assembling = true;
    }
    std::span<const uint8_t> stub = body.bytes.subspan(std::min<size_t>(8, body.bytes.size()));
    if (!s.assembling || body.encrypted || s.stub.size() + stub.size() > kMaxStub) {
      if (s.assembling && !body.encrypted) ctx().Anomaly("dcerpc.stub_too_long");
      s.assembling = false;
      pending_.erase(call);
      return;
    }
    s.stub.insert(s.stub.end(), stub.begin(), stub.end());
    if (!(h.flags & kLastFrag)) return;
    s.assembling = false;
    ParseEptMapResponse(dir, h.little_endian, call->requested);
    pending_.erase(call);
  }

  // ept_map [out]: entry handle (20), num_towers, then towers[] as a conformant varying array
  // of twr_t pointers (max count, offset, actual count, referent ids, pointees), status.
  void ParseEptMapResponse(Direction dir, bool little_endian, const std::string& requested) {
    Stream& s = streams_[Index(dir)];
    Ndr r(s.stub, little_endian);
    r.Skip(20 + 4 + 4 + 4);
    const uint32_t actual = r.U32();
    std::vector<uint32_t> referents;
    for (uint32_t i = 0; i < actual && i < kMaxTowers && r.ok(); ++i) referents.push_back(r.U32());
    for (uint32_t referent : referents) {
      if (referent == 0) continue;
      const uint32_t length = r.U32();
      r.Skip(4);
      std::span<const uint8_t> octets = r.Take(length);
      r.Align(4);
      if (!r.ok()) break;
      std::optional<Tower> t = ParseTower(octets);
      if (!t) {
        ctx().Anomaly("dcerpc.bad_epm_tower");
        continue;
      }
      if (t->tcp_port) ReportMapping(Reverse(dir), *t, requested);
    }
    if (!r.ok()) ctx().Anomaly("dcerpc.bad_epm_tower");
  }

  void ReportBind(Direction dir, nlohmann::json interfaces) {
    std::string names;
    for (const auto& i : interfaces) {
      if (!names.empty()) names += ", ";
      names += i.contains("name") ? i["name"].get<std::string>() : i["uuid"].get<std::string>();
    }
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "dcerpc.bind";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.message = "DCE/RPC bind to " + names;
    f.actor = dir;
    f.fields = {{"dcerpc", {{"interfaces", std::move(interfaces)}}}};
    ctx().Report(std::move(f));
  }

  void ReportMapping(Direction client, const Tower& t, const std::string& requested) {
    if (mapped_ports_.size() >= kMaxReported ||
        std::find(mapped_ports_.begin(), mapped_ports_.end(), *t.tcp_port) != mapped_ports_.end()) {
      return;
    }
    mapped_ports_.push_back(*t.tcp_port);
    const std::string& uuid = t.interface_uuid.empty() ? requested : t.interface_uuid;
    nlohmann::json d = {{"port", *t.tcp_port}, {"protocol", "tcp"}};
    if (!uuid.empty()) {
      d["interface"] = {{"uuid", uuid}};
      if (const Interface* known = FindInterface(uuid)) d["interface"]["name"] = known->name;
    }
    if (t.ip) {
      const uint8_t* ip = t.ip->data();
      d["ip"] = IpAddress::V4(ip).ToString();
    }
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "dcerpc.epm_map";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.message = "endpoint mapper hands out TCP port " + std::to_string(*t.tcp_port);
    f.actor = client;
    f.fields = {{"dcerpc", std::move(d)}};
    ctx().Report(std::move(f));
  }

  void ReportWrite(Direction dir, const Context& c, const WriteMethod& w) {
    if (write_reported_) return;
    write_reported_ = true;
    Finding f;
    f.rule = "dcerpc.opc_da_write";
    f.category = Category::kIcsWrite;
    f.severity = Severity::kMedium;
    f.message = "OPC DA " + std::string(c.known->name) + "::" + std::string(w.name) + " call";
    f.technique = "T0855";
    f.actor = dir;
    f.operation = f.rule;
    f.fields = {
        {"dcerpc",
         {{"interface", c.known->name}, {"uuid", c.uuid}, {"opnum", w.opnum}, {"method", w.name}}}};
    ctx().Report(std::move(f));
  }

  std::array<Stream, 2> streams_;
  bool confirmed_ = false;
  Direction client_ = Direction::kToServer;
  std::vector<Context> contexts_;
  std::vector<uint16_t> bound_ids_;  // context ids of the last bind, in order, for its ack
  std::vector<PendingCall> pending_;
  std::vector<std::string> reported_;
  std::vector<uint16_t> mapped_ports_;
  bool write_reported_ = false;
};

// A client's first PDU on a non-RPC port must be a complete-looking bind: version 5.0/5.1,
// type bind, first and last fragment, a sane data representation and room for one context.
bool Probe(Direction dir, std::span<const uint8_t> head) {
  if (dir != Direction::kToServer) return false;
  std::optional<Header> h = ParseHeader(head);
  if (!h || h->type != kBind || (h->flags & (kFirstFrag | kLastFrag)) != (kFirstFrag | kLastFrag)) {
    return false;
  }
  if (head[5] != 0 || h->frag_length < kMinBindLength + h->auth_length) return false;
  // Number of context elements, when captured: at least one.
  return head.size() < 25 || head[24] >= 1;
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<DceRpcAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  static const AnalyzerInfo info{"dcerpc", Transport::kTcp, {135}, &Probe, &Create};
  return info;
}

}  // namespace otguard::nba::analyzers::dcerpc
