#include "nba/analyzers/tls/tls.h"

#include <cstdio>
#include <string_view>

#include "nba/wire.h"

namespace otguard::nba::analyzers::tls {
namespace {

constexpr uint8_t kHandshakeRecord = 0x16;
constexpr uint8_t kClientHelloType = 1;
constexpr size_t kRecordHeader = 5, kHandshakeHeader = 4;
constexpr size_t kMaxRecord = (1 << 14) + 2048;  // TLSCiphertext bound, RFC 5246 §6.2.3
constexpr size_t kMaxHello = 64 * 1024;
// version 2 + random 32 + session id length 1 + suites length 2 + one suite 2 + compression
// length 1 + one method 1.
constexpr size_t kMinHello = 41;
constexpr uint16_t kServerNameExt = 0, kAlpnExt = 16;
constexpr uint8_t kHostName = 0;
constexpr size_t kMaxText = 256, kMaxAlpn = 8;

// Bounds-checked reads of TLS's big-endian integers and length-prefixed vectors. A cursor of its
// own rather than nba/wire.h's Be16/Be32: TLS also has 1- and 3-octet lengths (RFC 8446 §3.4).
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool Read(size_t n, uint32_t& v) {
    if (b_.size() < n) return false;
    v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | b_[i];
    b_ = b_.subspan(n);
    return true;
  }
  bool Bytes(size_t n, std::span<const uint8_t>& out) {
    if (b_.size() < n) return false;
    out = b_.first(n);
    b_ = b_.subspan(n);
    return true;
  }
  // A vector<...> with a `prefix`-byte length.
  bool Vector(size_t prefix, std::span<const uint8_t>& out) {
    uint32_t len = 0;
    return Read(prefix, len) && Bytes(len, out);
  }
  bool empty() const { return b_.empty(); }

 private:
  std::span<const uint8_t> b_;
};

std::string Text(std::span<const uint8_t> b) { return wire::PrintableText(b, kMaxText); }

// RFC 6066 §3: ServerNameList of (name_type, HostName); the first host_name counts.
void ReadServerName(std::span<const uint8_t> ext, ClientHello& hello) {
  Reader r(ext);
  std::span<const uint8_t> list;
  if (!r.Vector(2, list)) return;
  Reader names(list);
  uint32_t type = 0;
  std::span<const uint8_t> name;
  while (names.Read(1, type) && names.Vector(2, name)) {
    if (type == kHostName) {
      hello.sni = Text(name);
      return;
    }
  }
}

// RFC 7301 §3.1: ProtocolNameList of 1-byte-prefixed names.
void ReadAlpn(std::span<const uint8_t> ext, ClientHello& hello) {
  Reader r(ext);
  std::span<const uint8_t> list, name;
  if (!r.Vector(2, list)) return;
  Reader names(list);
  while (hello.alpn.size() < kMaxAlpn && names.Vector(1, name)) hello.alpn.push_back(Text(name));
}

bool Probe(Direction, std::span<const uint8_t> head) {
  if (head.size() < 6) return false;
  size_t record_len = size_t{head[3]} << 8 | head[4];
  if (head[0] != kHandshakeRecord || head[1] != 3 || head[2] > 4) return false;
  if (record_len < kHandshakeHeader || record_len > kMaxRecord) return false;
  if (head[5] != kClientHelloType) return false;
  if (head.size() >= 9) {
    size_t hello_len = size_t{head[6]} << 16 | size_t{head[7]} << 8 | head[8];
    if (hello_len < kMinHello || hello_len > kMaxHello) return false;
  }
  return head.size() < 11 || (head[9] == 3 && head[10] <= 4);
}

class TlsAnalyzer final : public Analyzer {
 public:
  explicit TlsAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  // The ClientHello normally comes from the TCP client, but a reverse shell's TLS client sits on
  // the listening side (Meterpreter reverse_https): accept it from either direction.
  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Side& s = side_[Index(dir)];
    if (s.done) return;
    s.records.insert(s.records.end(), data.begin(), data.end());
    while (!s.done && !stopped() && s.records.size() >= kRecordHeader) {
      size_t len = size_t{s.records[3]} << 8 | s.records[4];
      if (s.records[0] != kHandshakeRecord || s.records[1] != 3 || len > kMaxRecord) {
        GiveUp(s, "not_handshake");
        break;
      }
      if (s.records.size() < kRecordHeader + len) break;
      s.handshake.insert(s.handshake.end(), s.records.begin() + kRecordHeader,
                         s.records.begin() + kRecordHeader + len);
      s.records.erase(s.records.begin(), s.records.begin() + kRecordHeader + len);
      HandleHandshake(s);
    }
    if (side_[0].done && side_[1].done) Stop();
  }

 private:
  struct Side {
    std::vector<uint8_t> records, handshake;
    bool done = false;
  };

  void HandleHandshake(Side& s) {
    if (s.handshake.size() < kHandshakeHeader) return;
    size_t len = size_t{s.handshake[1]} << 16 | size_t{s.handshake[2]} << 8 | s.handshake[3];
    if (s.handshake[0] != kClientHelloType) {
      s.done = true;  // a ServerHello: this is the server's side
      return;
    }
    if (len < kMinHello || len > kMaxHello) return GiveUp(s, "bad_client_hello_length");
    if (s.handshake.size() < kHandshakeHeader + len) return;
    auto hello =
        ParseClientHello(std::span<const uint8_t>(s.handshake).subspan(kHandshakeHeader, len));
    if (!hello) return GiveUp(s, "bad_client_hello");
    ctx().ConfirmProtocol("tls");
    Report(*hello);
    Stop();  // nothing more to learn from the encrypted rest
  }

  void GiveUp(Side& s, std::string_view what) {
    ctx().Anomaly(what);
    s.done = true;
    s.records.clear();
    s.handshake.clear();
  }

  void Report(const ClientHello& hello) {
    uint16_t port = ctx().flow().server.port;
    char version[8];
    std::snprintf(version, sizeof(version), "0x%04x", hello.version);
    nlohmann::json fields = {{"sni", hello.sni},
                             {"alpn", hello.alpn},
                             {"client_version", version},
                             {"server_port", port}};
    Finding obs;
    obs.kind = Finding::Kind::kObservation;
    obs.rule = "tls.client_hello";
    obs.category = Category::kPolicy;
    obs.severity = Severity::kInfo;
    obs.message = "TLS ClientHello" + (hello.sni.empty() ? "" : " for " + hello.sni);
    obs.fields = {{"tls", fields}};
    ctx().Report(std::move(obs));
    if (!hello.sni.empty() && ctx().intel().watchlist().has_domains()) {
      ReportIocMatches(ctx(), ctx().intel().watchlist().MatchDomain(hello.sni), hello.sni,
                       "tls sni");
    }
    std::optional<std::string> pool = ctx().intel().MatchPoolDomain(hello.sni);
    if (hello.sni.empty() || !pool) return;
    Finding f;
    f.rule = "tls.pool_sni";
    f.category = Category::kMining;
    f.severity = Severity::kHigh;
    f.technique = "T1496";
    f.message = "TLS connection to mining pool " + *pool + " (" + hello.sni + ")";
    fields["pool_domain"] = *pool;
    f.fields = {{"tls", std::move(fields)}};
    ctx().Report(std::move(f));
  }

  Side side_[2];
};

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<TlsAnalyzer>(ctx);
}

}  // namespace

std::optional<ClientHello> ParseClientHello(std::span<const uint8_t> body) {
  Reader r(body);
  ClientHello hello;
  uint32_t version = 0;
  std::span<const uint8_t> random, session_id, suites, compression, extensions;
  if (!r.Read(2, version) || !r.Bytes(32, random) || !r.Vector(1, session_id) ||
      !r.Vector(2, suites) || !r.Vector(1, compression)) {
    return std::nullopt;
  }
  hello.version = static_cast<uint16_t>(version);
  if (r.empty()) return hello;  // extensions are optional before TLS 1.2
  if (!r.Vector(2, extensions)) return std::nullopt;
  Reader ext(extensions);
  uint32_t type = 0;
  std::span<const uint8_t> data;
  while (ext.Read(2, type) && ext.Vector(2, data)) {
    if (type == kServerNameExt) ReadServerName(data, hello);
    if (type == kAlpnExt) ReadAlpn(data, hello);
  }
  return hello;
}

const AnalyzerInfo& Info() {
  static const AnalyzerInfo kInfo{"tls", Transport::kTcp, {443, 8443}, &Probe, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::tls
