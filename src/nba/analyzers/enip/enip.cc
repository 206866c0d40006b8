#include "nba/analyzers/enip/enip.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nba/wire.h"

namespace otguard::nba::analyzers::enip {
namespace {

// Encapsulation header (CIP Vol 2 §2-3): command, length, session handle, status, sender
// context (8), options — all little endian.
constexpr size_t kHeader = 24;
constexpr uint16_t kClass1Port = 2222;

enum Command : uint16_t {
  kNop = 0x0000,
  kListServices = 0x0004,
  kListIdentity = 0x0063,
  kListInterfaces = 0x0064,
  kRegisterSession = 0x0065,
  kUnregisterSession = 0x0066,
  kSendRRData = 0x006F,
  kSendUnitData = 0x0070,
  kIndicateStatus = 0x0072,
  kCancel = 0x0073,
};

// Common packet format item types (Vol 2 §2-6).
constexpr uint16_t kConnectedData = 0x00B1, kUnconnectedData = 0x00B2;

constexpr uint8_t kResponseBit = 0x80;
constexpr uint16_t kConnectionManager = 0x06, kSymbolClass = 0x6B;
// Multiple Service Packets and Unconnected Sends nest; real traffic nests one or two deep.
constexpr int kMaxDepth = 4;
constexpr size_t kMaxSymbol = 64;  // characters of a tag name kept in a finding

using wire::Le16;
using wire::Le32;

std::string_view CommandName(uint16_t c) {
  switch (c) {
    case kNop:
      return "nop";
    case kListServices:
      return "list_services";
    case kListIdentity:
      return "list_identity";
    case kListInterfaces:
      return "list_interfaces";
    case kRegisterSession:
      return "register_session";
    case kUnregisterSession:
      return "unregister_session";
    case kSendRRData:
      return "send_rr_data";
    case kSendUnitData:
      return "send_unit_data";
    case kIndicateStatus:
      return "indicate_status";
    case kCancel:
      return "cancel";
    default:
      return {};
  }
}

// The target of a request, from its EPATH (Vol 1 appendix C): logical class/instance/attribute
// segments, and the ANSI extended symbol segment Logix controllers address tags with.
struct Path {
  std::optional<uint32_t> class_id, instance, attribute;
  std::optional<std::string> symbol;
};

// Parses the segments we need; stops quietly at one it does not know (network, electronic
// key ...), keeping what it found before.
Path ParsePath(std::span<const uint8_t> p) {
  Path path;
  size_t i = 0;
  while (i < p.size()) {
    uint8_t seg = p[i];
    if ((seg & 0xE0) == 0x20) {  // logical segment: type in bits 2-4, format in bits 0-1
      uint8_t format = seg & 0x03;
      size_t size = format == 0 ? 2 : format == 1 ? 4 : format == 2 ? 6 : 0;
      if (size == 0 || i + size > p.size()) break;
      uint32_t value = format == 0 ? p[i + 1] : format == 1 ? Le16(p, i + 2) : Le32(p, i + 2);
      switch ((seg >> 2) & 0x07) {
        case 0:
          path.class_id = value;
          break;
        case 1:
          path.instance = value;
          break;
        case 4:
          path.attribute = value;
          break;
        default:
          break;
      }
      i += size;
    } else if (seg == 0x91) {  // ANSI extended symbol: length, characters, pad to even
      if (i + 2 > p.size()) break;
      size_t len = p[i + 1];
      if (i + 2 + len > p.size()) break;
      if (!path.symbol) path.symbol = wire::PrintableText(p.subspan(i + 2, len), kMaxSymbol);
      i += 2 + len + (len & 1);
    } else if ((seg & 0xE0) == 0x00) {  // port segment (route paths)
      size_t size = 2;
      if (seg & 0x10) {
        if (i + 2 > p.size()) break;
        size = 2 + p[i + 1];
        size += size & 1;
      }
      if ((seg & 0x0F) == 0x0F) size += 2;
      i += size;
    } else {
      break;
    }
  }
  return path;
}

// A CIP service that changes the target, with the ATT&CK for ICS technique that fits.
struct WriteService {
  std::string_view name;
  std::string_view technique;
  Severity severity;
};

std::optional<WriteService> CommonWrite(uint8_t service) {
  switch (service) {
    case 0x02:
      return WriteService{"set_attributes_all", "T0836", Severity::kMedium};
    case 0x04:
      return WriteService{"set_attribute_list", "T0836", Severity::kMedium};
    case 0x05:
      return WriteService{"reset", "T0816", Severity::kHigh};
    case 0x06:
      return WriteService{"start", "T0858", Severity::kHigh};
    case 0x07:
      return WriteService{"stop", "T0858", Severity::kHigh};
    case 0x08:
      return WriteService{"create", "T0836", Severity::kMedium};
    case 0x09:
      return WriteService{"delete", "T0809", Severity::kMedium};
    case 0x0D:
      return WriteService{"apply_attributes", "T0836", Severity::kMedium};
    case 0x10:
      return WriteService{"set_attribute_single", "T0836", Severity::kMedium};
    case 0x15:
      return WriteService{"restore", "T0836", Severity::kMedium};
    case 0x19:
      return WriteService{"set_member", "T0836", Severity::kMedium};
    case 0x1A:
      return WriteService{"insert_member", "T0836", Severity::kMedium};
    case 0x1B:
      return WriteService{"remove_member", "T0836", Severity::kMedium};
    default:
      return std::nullopt;
  }
}

// Rockwell Logix tag services (object-specific codes, meaningful only on a symbolic path or
// the Symbol class): writing a tag drives the process (T0855 for the value it sets, T0836
// when it is a setpoint — we cannot tell, so the broader Modify Parameter).
std::optional<WriteService> LogixWrite(uint8_t service) {
  switch (service) {
    case 0x4D:
      return WriteService{"write_tag", "T0836", Severity::kMedium};
    case 0x4E:
      return WriteService{"read_modify_write_tag", "T0836", Severity::kMedium};
    case 0x53:
      return WriteService{"write_tag_fragmented", "T0836", Severity::kMedium};
    default:
      return std::nullopt;
  }
}

class EnipAnalyzer final : public Analyzer {
 public:
  explicit EnipAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    if (ctx().flow().transport == Transport::kUdp) return OnDatagram(dir, data);
    std::vector<uint8_t>& buf = buffers_[Index(dir)];
    buf.insert(buf.end(), data.begin(), data.end());
    size_t used = ParseStream(dir, buf);
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if (buf.size() > kMaxBuffer) GiveUp("buffer_overflow");
  }

  void Gap(Direction, uint64_t) override { GiveUp("gap"); }

  void Finish() override { Summarise(); }

 private:
  size_t ParseStream(Direction dir, std::span<const uint8_t> buf) {
    size_t pos = 0;
    while (!stopped() && buf.size() - pos >= kHeader) {
      std::span<const uint8_t> rest = buf.subspan(pos);
      size_t size = kHeader + Le16(rest, 2);
      if (CommandName(Le16(rest, 0)).empty() && !confirmed_) {
        Stop();  // not EtherNet/IP
        break;
      }
      if (rest.size() < size) break;
      OnEncapsulation(dir, rest.first(size));
      pos += size;
    }
    return stopped() ? buf.size() : pos;
  }

  void OnDatagram(Direction dir, std::span<const uint8_t> d) {
    const FlowInfo& flow = ctx().flow();
    if (flow.server.port == kClass1Port || flow.client.port == kClass1Port) {
      OnClass1(d);
    } else if (d.size() >= kHeader && d.size() == kHeader + Le16(d, 2)) {
      OnEncapsulation(dir, d);
    } else {
      ctx().Anomaly("bad_datagram");
    }
  }

  // Class 1 (implicit) I/O: a CPF with a sequenced address item and connected data. Only
  // counted: the data has no meaning without the connection's assembly layout.
  void OnClass1(std::span<const uint8_t> d) {
    if (d.size() < 2 || Le16(d, 0) == 0 || !ParseItems(d.subspan(2), Le16(d, 0))) {
      ctx().Anomaly("bad_io");
      return;
    }
    Confirm();
    ++io_packets_;
  }

  // Splits a CPF item list; nullopt if the items do not fit exactly.
  struct Item {
    uint16_t type;
    std::span<const uint8_t> data;
  };
  std::optional<std::vector<Item>> ParseItems(std::span<const uint8_t> d, size_t count) {
    std::vector<Item> items;
    size_t pos = 0;
    for (size_t i = 0; i < count && i < 8; ++i) {
      if (d.size() - pos < 4) return std::nullopt;
      size_t len = Le16(d, pos + 2);
      if (d.size() - pos - 4 < len) return std::nullopt;
      items.push_back({Le16(d, pos), d.subspan(pos + 4, len)});
      pos += 4 + len;
    }
    return items;
  }

  void OnEncapsulation(Direction dir, std::span<const uint8_t> e) {
    uint16_t command = Le16(e, 0);
    if (CommandName(command).empty()) {
      ctx().Anomaly("unknown_command");
      return;
    }
    if (Le32(e, 20) != 0) ctx().Anomaly("nonzero_options");
    Confirm();
    if (dir != Direction::kToServer) return;
    if (command == kSendRRData || command == kSendUnitData) OnSendData(command, e.subspan(kHeader));
  }

  // SendRRData/SendUnitData: interface handle (4), timeout (2), item count, items. Requests
  // are in the unconnected data item, or in the connected data item after its 16-bit
  // sequence count.
  void OnSendData(uint16_t command, std::span<const uint8_t> d) {
    if (d.size() < 8) {
      ctx().Anomaly("short_send_data");
      return;
    }
    std::optional<std::vector<Item>> items = ParseItems(d.subspan(8), Le16(d, 6));
    if (!items) {
      ctx().Anomaly("bad_cpf");
      return;
    }
    for (const Item& item : *items) {
      if (item.type == kUnconnectedData) OnCipRequest(command, item.data, 0);
      if (item.type == kConnectedData && item.data.size() > 2) {
        OnCipRequest(command, item.data.subspan(2), 0);
      }
    }
  }

  // Message router request (Vol 1 §2-4): service, path size in words, path, data.
  void OnCipRequest(uint16_t command, std::span<const uint8_t> m, int depth) {
    if (m.size() < 2 || (m[0] & kResponseBit)) return;
    size_t path_len = size_t{m[1]} * 2;
    if (m.size() < 2 + path_len) {
      ctx().Anomaly("bad_cip_path");
      return;
    }
    uint8_t service = m[0];
    Path path = ParsePath(m.subspan(2, path_len));
    std::span<const uint8_t> data = m.subspan(2 + path_len);
    if (depth < kMaxDepth && service == 0x0A) return OnMultiple(command, data, depth + 1);
    bool connection_manager = path.class_id == kConnectionManager;
    if (depth < kMaxDepth && connection_manager && service == 0x52) {
      return OnUnconnectedSend(command, data, depth + 1);
    }
    std::optional<WriteService> write = CommonWrite(service);
    bool logix_target = path.symbol || path.class_id == kSymbolClass;
    if (!write && logix_target && !connection_manager) write = LogixWrite(service);
    if (write) Record(command, service, *write, path);
  }

  // Multiple Service Packet: count, then offsets (from the count) of each embedded request.
  void OnMultiple(uint16_t command, std::span<const uint8_t> d, int depth) {
    if (d.size() < 2) return;
    size_t count = Le16(d, 0);
    if (d.size() < 2 + 2 * count) {
      ctx().Anomaly("bad_multiple_service");
      return;
    }
    for (size_t i = 0; i < count; ++i) {
      size_t start = Le16(d, 2 + 2 * i);
      size_t end = i + 1 < count ? Le16(d, 4 + 2 * i) : d.size();
      if (start < 2 + 2 * count || start > end || end > d.size()) {
        ctx().Anomaly("bad_multiple_service");
        return;
      }
      OnCipRequest(command, d.subspan(start, end - start), depth);
    }
  }

  // Unconnected Send (Connection Manager 0x52): priority/tick, timeout ticks, embedded
  // message length, the message, then the route path.
  void OnUnconnectedSend(uint16_t command, std::span<const uint8_t> d, int depth) {
    if (d.size() < 4 || d.size() - 4 < Le16(d, 2)) {
      ctx().Anomaly("bad_unconnected_send");
      return;
    }
    OnCipRequest(command, d.subspan(4, Le16(d, 2)), depth);
  }

  void Record(uint16_t command, uint8_t service, const WriteService& w, const Path& path) {
    std::string operation = "enip." + std::string(w.name);
    uint64_t& count = counts_[operation];
    if (count++ > 0) return;
    Finding f;
    f.kind = Finding::Kind::kAlert;
    f.rule = operation;
    f.operation = operation;
    f.category = Category::kIcsWrite;
    f.severity = w.severity;
    f.technique = std::string(w.technique);
    f.actor = Direction::kToServer;
    nlohmann::json m = {
        {"command", CommandName(command)}, {"service", w.name}, {"service_code", service}};
    if (path.class_id) m["class"] = *path.class_id;
    if (path.instance) m["instance"] = *path.instance;
    if (path.attribute) m["attribute"] = *path.attribute;
    if (path.symbol) m["tag"] = *path.symbol;
    f.message = "EtherNet/IP client sent CIP " + std::string(w.name);
    if (path.symbol) f.message += " to tag " + *path.symbol;
    f.fields = {{"enip", std::move(m)}};
    ctx().Report(std::move(f));
  }

  void Confirm() {
    confirmed_ = true;
    ctx().ConfirmProtocol("enip");
  }

  void Summarise() {
    if (summarised_) return;
    summarised_ = true;
    if (counts_.empty() && io_packets_ == 0) return;
    nlohmann::json m = nlohmann::json::object();
    if (!counts_.empty()) m["count"] = counts_;
    if (io_packets_ > 0) m["io_packets"] = io_packets_;
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = counts_.empty() ? "enip.io" : "enip.writes";
    f.category = counts_.empty() ? Category::kPolicy : Category::kIcsWrite;
    f.severity = Severity::kInfo;
    f.message = counts_.empty() ? "EtherNet/IP class 1 I/O in this flow"
                                : "CIP services that change devices in this flow, by operation";
    f.fields = {{"enip", std::move(m)}};
    ctx().Report(std::move(f));
  }

  // The engine does not call Finish() on a stopped analyser: report what we have first.
  void GiveUp(std::string_view why) {
    if (confirmed_) ctx().Anomaly(why);
    Summarise();
    Stop();
  }

  std::vector<uint8_t> buffers_[2];
  std::map<std::string, uint64_t> counts_;
  uint64_t io_packets_ = 0;
  bool confirmed_ = false, summarised_ = false;
};

// Another port's flow is claimed only by a whole encapsulation message with a known command,
// zero status and zero options, whose length fits the command (ListIdentity/ListServices
// requests are empty; RegisterSession carries 4 bytes).
bool Probe(Direction dir, std::span<const uint8_t> head) {
  if (dir != Direction::kToServer || head.size() < kHeader) return false;
  uint16_t command = Le16(head, 0), length = Le16(head, 2);
  if (CommandName(command).empty() || command == kNop) return false;
  if (Le32(head, 8) != 0 || Le32(head, 20) != 0) return false;
  switch (command) {
    case kListIdentity:
    case kListServices:
    case kListInterfaces:
      return length == 0;
    case kRegisterSession:
      return length == 4 && head.size() == kHeader + 4;
    case kSendRRData:
    case kSendUnitData:
      return length >= 10 && Le32(head, 4) != 0;
    default:
      return false;
  }
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<EnipAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  // UDP: ListIdentity on 44818 and class 1 (implicit) I/O on 2222.
  static const AnalyzerInfo kInfo{"enip", Transport::kTcp, {44818}, &Probe, &Create, {44818, 2222}};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::enip
