// OPC UA binary analyser. Layouts from OPC 10000-6 (UA Part 6) v1.04/1.05: 7.1.2 message
// header (MessageType "HEL" "ACK" "ERR" "RHE" "OPN" "CLO" "MSG", chunk type F/C/A, uint32
// size), 7.1.2.3-7.1.2.5 Hello/Acknowledge/Error, 6.7.2 secure conversation headers
// (asymmetric security header with the SecurityPolicyUri on OPN, symmetric token id on
// MSG/CLO, then sequence number and request id) and 5.2 binary encoding of NodeId, String,
// ByteString, ExtensionObject. Service type ids are the "<Service>Request_Encoding_
// DefaultBinary" NodeIds of the OPC Foundation's NodeIds.csv (Part 6 annex A / UA-Nodeset).
// Zeek's OPC UA binary analyser (cisagov/icsnpp-opcua-binary) inspired the choice of fields.
#include "nba/analyzers/opcua/opcua.h"

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "nba/wire.h"

namespace otguard::nba::analyzers::opcua {
namespace {

constexpr size_t kHeaderSize = 8;
constexpr uint32_t kMaxMessage = 16 * 1024 * 1024;  // hard cap on a chunk, whatever is agreed
constexpr uint32_t kMinBuffer = 8192;               // Part 6 7.1.2.3: buffers are >= 8192
constexpr uint32_t kMaxEndpointUrl = 4096;          // Part 6 7.1.2.3
// Everything we read lies near the start of a chunk (OPN: policy and certificates; MSG: the
// request type and its first array); the rest of a large chunk is skipped, not buffered.
constexpr size_t kPrefix = 64 * 1024;
constexpr size_t kMaxStringOut = 256;
constexpr size_t kMaxOpenRequests = 64;

constexpr std::string_view kPolicyNone = "http://opcfoundation.org/UA/SecurityPolicy#None";

// Service requests that change the server, by binary encoding NodeId (namespace 0).
struct ChangeService {
  uint32_t type_id;
  std::string_view operation;  // "opcua.<...>"
  std::string_view service;
  std::string_view technique;  // ATT&CK for ICS
  Severity severity;
};
constexpr std::array kChangeServices = {
    ChangeService{673, "opcua.write", "Write", "T0836", Severity::kMedium},
    ChangeService{712, "opcua.call", "Call", "T0855", Severity::kMedium},
    ChangeService{488, "opcua.add_nodes", "AddNodes", "T0836", Severity::kMedium},
    ChangeService{500, "opcua.delete_nodes", "DeleteNodes", "T0836", Severity::kHigh},
};
constexpr uint32_t kOpenSecureChannelRequest = 446;

// Printable ASCII kept, anything else (and '\\') written as \xNN; at most kMaxStringOut
// characters. Not wire::PrintableText(): endpoint URLs and policy URIs are identifiers an analyst
// may search for, so every byte stays recoverable instead of collapsing to '?'.
std::string Printable(std::string_view in) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : in) {
    if (out.size() >= kMaxStringOut) break;
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// Bounds-checked little-endian reader of Part 6 5.2 binary encodings. A failed read leaves
// ok() false and every later read fails too (nba/wire.h's Le32 is for the fixed chunk header).
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  bool ok() const { return ok_; }

  bool Skip(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) return ok_ = false;
    pos_ += n;
    return true;
  }
  uint8_t U8() { return Skip(1) ? data_[pos_ - 1] : 0; }
  uint16_t U16() {
    return Skip(2) ? static_cast<uint16_t>(data_[pos_ - 2] | data_[pos_ - 1] << 8) : 0;
  }
  uint32_t U32() {
    if (!Skip(4)) return 0;
    const uint8_t* p = &data_[pos_ - 4];
    return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }

  // String and ByteString: int32 length, -1 for null.
  std::optional<std::string_view> Bytes() {
    const int32_t n = I32();
    if (!ok_ || n < -1) {
      ok_ = false;
      return std::nullopt;
    }
    if (n == -1) return std::string_view();
    if (!Skip(static_cast<uint32_t>(n))) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(&data_[pos_ - n]), n);
  }

  // NodeId or ExpandedNodeId (Part 6 5.2.2.9-10); returns the numeric id in namespace 0, or 0.
  uint32_t NodeId() {
    const uint8_t encoding = U8();
    uint32_t id = 0;
    uint16_t ns = 0;
    switch (encoding & 0x0F) {
      case 0x00:
        id = U8();
        break;
      case 0x01:
        ns = U8();
        id = U16();
        break;
      case 0x02:
        ns = U16();
        id = U32();
        break;
      case 0x03:
      case 0x05:
        Skip(2);
        Bytes();
        break;
      case 0x04:
        Skip(2 + 16);
        break;
      default:
        ok_ = false;
    }
    if (encoding & 0x80) Bytes();  // namespace URI
    if (encoding & 0x40) Skip(4);  // server index
    return ok_ && ns == 0 ? id : 0;
  }

  // ExtensionObject (5.2.2.15): type NodeId, encoding byte, body if any.
  void ExtensionObject() {
    NodeId();
    if (U8() != 0) Bytes();
  }

  // RequestHeader (Part 4 7.28): authentication token, timestamp, request handle, return
  // diagnostics, audit entry id, timeout hint, additional header.
  void RequestHeader() {
    NodeId();
    Skip(8 + 4 + 4);
    Bytes();
    Skip(4);
    ExtensionObject();
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

using wire::Le32;

enum class Type { kHello, kAck, kError, kReverseHello, kOpen, kClose, kMessage, kUnknown };

Type TypeOf(const uint8_t* h) {
  static constexpr std::array<std::pair<const char*, Type>, 7> kTypes = {{
      {"HEL", Type::kHello},
      {"ACK", Type::kAck},
      {"ERR", Type::kError},
      {"RHE", Type::kReverseHello},
      {"OPN", Type::kOpen},
      {"CLO", Type::kClose},
      {"MSG", Type::kMessage},
  }};
  for (const auto& [name, type] : kTypes) {
    if (std::memcmp(h, name, 3) == 0) return type;
  }
  return Type::kUnknown;
}

// HEL/ACK/ERR/RHE are single chunks ('F'); secure conversation messages may be split (Part 6
// 6.7.2.2: 'C' intermediate, 'F' final, 'A' abort).
bool ValidChunkType(Type type, uint8_t chunk) {
  if (type == Type::kMessage || type == Type::kClose || type == Type::kOpen) {
    return chunk == 'F' || chunk == 'C' || chunk == 'A';
  }
  return chunk == 'F';
}

struct Stream {
  std::vector<uint8_t> buffer;
  uint64_t skip = 0;                    // octets of an oversized chunk still to discard
  uint32_t limit = kMaxMessage;         // the receiver's agreed buffer size
  std::vector<uint32_t> open_requests;  // request ids whose first chunk was seen
};

class OpcUaAnalyzer final : public Analyzer {
 public:
  explicit OpcUaAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Stream& s = streams_[Index(dir)];
    if (s.skip > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(s.skip, data.size()));
      s.skip -= n;
      data = data.subspan(n);
    }
    s.buffer.insert(s.buffer.end(), data.begin(), data.end());
    size_t used = ParseChunks(dir, s);
    s.buffer.erase(s.buffer.begin(), s.buffer.begin() + used);
    if (s.buffer.size() > kMaxBuffer) Stop();
  }

  void Finish() override {
    if (hello_seen_) ReportHello();  // a Hello that no secure channel followed
  }

 private:
  size_t ParseChunks(Direction dir, Stream& s) {
    const std::vector<uint8_t>& b = s.buffer;
    size_t pos = 0;
    while (!stopped() && s.skip == 0 && b.size() - pos >= kHeaderSize) {
      const uint8_t* h = b.data() + pos;
      const Type type = TypeOf(h);
      const uint32_t size = Le32(b, pos + 4);
      if (type == Type::kUnknown || !ValidChunkType(type, h[3]) || size < kHeaderSize) {
        if (confirmed_) ctx().Anomaly("opcua.bad_header");
        Stop();
        break;
      }
      if (size > s.limit) {
        ctx().Anomaly("opcua.oversized");
        Stop();
        break;
      }
      const size_t have = std::min<size_t>(size, kPrefix);
      if (b.size() - pos < have) break;
      HandleChunk(dir, type, h[3], {h, have});
      pos += have;
      if (size > have) {
        const size_t more = std::min<size_t>(size - have, b.size() - pos);
        pos += more;
        s.skip = size - have - more;
      }
    }
    return pos;
  }

  void Confirm() {
    if (confirmed_) return;
    confirmed_ = true;
    ctx().ConfirmProtocol("opcua");
  }

  void HandleChunk(Direction dir, Type type, uint8_t chunk, std::span<const uint8_t> c) {
    Reader r(c.subspan(kHeaderSize));
    switch (type) {
      case Type::kHello:
        return HandleHello(dir, r);
      case Type::kAck:
        return HandleAck(dir, r);
      case Type::kOpen:
        return HandleOpen(dir, r);
      case Type::kMessage:
        return HandleMessage(dir, chunk, r);
      default:
        Confirm();
    }
  }

  // Hello (7.1.2.3): version, receive/send buffer, max message, max chunks, endpoint URL.
  void HandleHello(Direction dir, Reader& r) {
    r.Skip(4);
    const uint32_t receive = r.U32();
    r.Skip(12);
    std::optional<std::string_view> url = r.Bytes();
    if (!r.ok() || url->size() > kMaxEndpointUrl) {
      ctx().Anomaly("opcua.bad_hello");
      return;
    }
    Confirm();
    client_ = dir;
    hello_seen_ = true;
    endpoint_url_ = Printable(*url);
    // The client's receive buffer bounds what the server may send it.
    if (receive >= kMinBuffer) streams_[Index(Reverse(dir))].limit = std::min(receive, kMaxMessage);
  }

  void HandleAck(Direction dir, Reader& r) {
    r.Skip(4);
    const uint32_t receive = r.U32();
    if (!r.ok()) return;
    Confirm();
    if (receive >= kMinBuffer) streams_[Index(Reverse(dir))].limit = std::min(receive, kMaxMessage);
  }

  // OpenSecureChannel (6.7.2.3 asymmetric header): channel id, policy URI, sender certificate,
  // receiver thumbprint, sequence header; the body is plaintext only under policy None.
  void HandleOpen(Direction dir, Reader& r) {
    r.Skip(4);
    std::optional<std::string_view> policy = r.Bytes();
    r.Bytes();
    r.Bytes();
    r.Skip(8);
    if (!r.ok() || policy->empty()) {
      ctx().Anomaly("opcua.bad_open");
      return;
    }
    Confirm();
    policy_uri_ = Printable(*policy);
    plaintext_ = *policy == kPolicyNone;
    if (dir != client_) return;
    if (plaintext_ && r.NodeId() == kOpenSecureChannelRequest) {
      // OpenSecureChannelRequest (Part 4 5.5.2.2): header, protocol version, request type,
      // security mode (1 None, 2 Sign, 3 SignAndEncrypt).
      r.RequestHeader();
      r.Skip(8);
      const uint32_t mode = r.U32();
      if (r.ok()) security_mode_ = mode;
    }
    ReportHello();
  }

  // MSG (6.7.2.4): channel id, token id, sequence number, request id, then on the first chunk
  // of a message the encoded body's type NodeId.
  void HandleMessage(Direction dir, uint8_t chunk, Reader& r) {
    Confirm();
    if (!plaintext_ || dir != client_) return;
    r.Skip(12);
    const uint32_t request_id = r.U32();
    if (!r.ok()) return;
    Stream& s = streams_[Index(dir)];
    auto open = std::find(s.open_requests.begin(), s.open_requests.end(), request_id);
    const bool first = open == s.open_requests.end();
    if (chunk == 'C' && first && s.open_requests.size() < kMaxOpenRequests) {
      s.open_requests.push_back(request_id);
    } else if (chunk != 'C' && !first) {
      s.open_requests.erase(open);
    }
    if (!first || chunk == 'A') return;
    const uint32_t type_id = r.NodeId();
    for (const auto& service : kChangeServices) {
      if (service.type_id == type_id) return ReportChange(dir, service, request_id, r);
    }
  }

  void ReportChange(Direction dir, const ChangeService& service, uint32_t request_id, Reader& r) {
    const uint32_t bit = 1u << (&service - kChangeServices.data());
    if (reported_ & bit) return;
    reported_ |= bit;
    // Every one of these requests is a RequestHeader followed by the array of items to change.
    r.RequestHeader();
    const int32_t count = r.I32();
    nlohmann::json d = {{"service", service.service},
                        {"type_id", service.type_id},
                        {"request_id", request_id},
                        {"endpoint_url", endpoint_url_},
                        {"security_policy", PolicyName()}};
    if (r.ok() && count >= 0) d["count"] = count;
    Finding f;
    f.rule = std::string(service.operation);
    f.category = Category::kIcsWrite;
    f.severity = service.severity;
    f.message = "OPC UA " + std::string(service.service) + " request on an unencrypted channel";
    f.technique = std::string(service.technique);
    f.actor = dir;
    f.operation = f.rule;
    f.fields = {{"opcua", std::move(d)}};
    ctx().Report(std::move(f));
  }

  // "None", "Basic256Sha256" ...: the URI's fragment.
  std::string PolicyName() const {
    size_t hash = policy_uri_.rfind('#');
    return hash == std::string::npos ? policy_uri_ : policy_uri_.substr(hash + 1);
  }

  void ReportHello() {
    if (hello_reported_) return;
    hello_reported_ = true;
    nlohmann::json d = {{"endpoint_url", endpoint_url_}};
    if (!policy_uri_.empty()) {
      d["security_policy"] = PolicyName();
      d["security_policy_uri"] = policy_uri_;
    }
    if (security_mode_) {
      static constexpr std::array<std::string_view, 4> kModes = {"Invalid", "None", "Sign",
                                                                 "SignAndEncrypt"};
      d["security_mode"] = *security_mode_ < kModes.size() ? kModes[*security_mode_] : "Invalid";
    }
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "opcua.hello";
    f.category = plaintext_ ? Category::kHardening : Category::kPolicy;
    f.severity = plaintext_ ? Severity::kLow : Severity::kInfo;
    f.message = "OPC UA session to " + endpoint_url_ +
                (policy_uri_.empty() ? "" : " with security policy " + PolicyName());
    f.actor = client_;
    f.fields = {{"opcua", std::move(d)}};
    ctx().Report(std::move(f));
  }

  std::array<Stream, 2> streams_;
  bool confirmed_ = false;
  bool hello_seen_ = false, hello_reported_ = false;
  bool plaintext_ = false;  // the secure channel uses policy None: bodies are readable
  Direction client_ = Direction::kToServer;
  std::string endpoint_url_, policy_uri_;
  std::optional<uint32_t> security_mode_;
  uint32_t reported_ = 0;  // bit per kChangeServices entry
};

// "HELF" and a size that fits a Hello: 32 fixed octets plus an endpoint URL of at most 4096.
bool Probe(Direction, std::span<const uint8_t> head) {
  if (head.size() < kHeaderSize || std::memcmp(head.data(), "HELF", 4) != 0) return false;
  const uint32_t size = Le32(head, 4);
  if (size < 32 || size > 32 + kMaxEndpointUrl) return false;
  // Receive and send buffer sizes, when present, must be at least 8192 (7.1.2.3).
  if (head.size() >= 20 && (Le32(head, 12) < kMinBuffer || Le32(head, 16) < kMinBuffer)) {
    return false;
  }
  return true;
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<OpcUaAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  static const AnalyzerInfo info{"opcua", Transport::kTcp, {4840}, &Probe, &Create};
  return info;
}

}  // namespace otguard::nba::analyzers::opcua
