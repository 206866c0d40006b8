#include "nba/analyzers/smb/smb.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nba/analyzers/smb/detector.h"
#include "nba/analyzers/smb/nbss.h"
#include "nba/analyzers/smb/smb1.h"
#include "nba/analyzers/smb/smb2.h"

namespace otguard::nba::analyzers::smb {
namespace {

constexpr std::string_view kTechnique = "T0866";  // Exploitation of Remote Services
constexpr size_t kMaxCompound = 16;               // SMB2 compounded messages read per packet

class SmbAnalyzer final : public Analyzer, private ExploitDetector::Sink {
 public:
  explicit SmbAnalyzer(AnalyzerContext& ctx)
      : Analyzer(ctx),
        detector_(*this, ctx.flow().server.ip.is_v4() ? ctx.flow().server.ip.ToString() : ""),
        to_server_(*this, Direction::kToServer),
        to_client_(*this, Direction::kToClient) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Framer(dir).Feed(data);
    StopIfLost();
  }

  void Gap(Direction dir, uint64_t len) override {
    Framer(dir).Gap(len);
    StopIfLost();
  }

  void Finish() override {
    to_server_.framer.Flush();
    to_client_.framer.Flush();
    detector_.Finish();
    if (saw_smb_) ReportNegotiate();
  }

 private:
  // One direction: its framer, and the handler that tags packets with the direction.
  struct Side final : NbssFramer::Handler {
    Side(SmbAnalyzer& a, Direction d) : analyzer(a), dir(d), framer(*this) {}
    void OnPacket(uint8_t type, Bytes prefix, uint32_t length) override {
      analyzer.OnPacket(dir, type, prefix, length);
    }
    void OnAnomaly(std::string_view what) override { analyzer.ctx().Anomaly(what); }
    SmbAnalyzer& analyzer;
    Direction dir;
    NbssFramer framer;
  };

  NbssFramer& Framer(Direction dir) {
    return dir == Direction::kToServer ? to_server_.framer : to_client_.framer;
  }

  void StopIfLost() {
    if (to_server_.framer.lost() && to_client_.framer.lost()) Stop();
  }

  void OnPacket(Direction dir, uint8_t type, Bytes prefix, uint32_t length) {
    if (type != nbss_type::kSessionMessage || prefix.size() < 4) return;
    switch (prefix[0]) {
      case 0xff:
        OnSmb1(dir, prefix);
        break;
      case 0xfe:
        OnSmb2(dir, prefix, length);
        break;
      default:
        Confirm();
        break;  // 0xFD/0xFC transform headers: encrypted or compressed
    }
  }

  void Confirm() {
    if (!saw_smb_) ctx().ConfirmProtocol("smb");
    saw_smb_ = true;
  }

  void OnSmb1(Direction dir, Bytes prefix) {
    auto m = smb1::Parse(prefix);
    if (!m) {
      ctx().Anomaly("smb1.short");
      return;
    }
    bool first = !saw_smb_;
    Confirm();
    used_smb1_ = true;
    const bool request = dir == Direction::kToServer;
    if (m->header.reply() == request) ctx().Anomaly("smb1.reply_flag");
    if (m->header.command == smb1::cmd::kNegotiate) OnSmb1Negotiate(request, *m, first);
    if (request) {
      detector_.OnSmb1Request(*m);
    } else {
      detector_.OnSmb1Response(*m);
    }
  }

  void OnSmb1Negotiate(bool request, const smb1::Message& m, bool first) {
    if (request) {
      if (first) detector_.SawFlowStart();
      smb1_dialects_ = smb1::NegotiateDialects(m);
      for (const auto& d : smb1_dialects_) Offer(d);
      return;
    }
    auto index = smb1::NegotiateDialectIndex(m);
    if (index && *index < smb1_dialects_.size()) {
      chosen_ = smb1_dialects_[*index];
    } else if (index) {
      chosen_ = *index == 0xffff ? "none" : "index " + std::to_string(*index);
    }
    chosen_smb1_ = true;
    ReportNegotiate();
  }

  void OnSmb2(Direction dir, Bytes prefix, uint32_t length) {
    auto h = smb2::ParseHeader(prefix);
    const bool request = dir == Direction::kToServer;
    if (request) detector_.OnSmb2Request(h, length);
    if (!h || h->structure_size != smb2::kHeaderSize) {
      ctx().Anomaly("smb2.bad_header");
      return;
    }
    bool first = !saw_smb_;
    Confirm();
    // Compounded requests (MS-SMB2 3.2.4.1.4): NextCommand chains messages in one packet.
    size_t at = 0;
    for (size_t i = 0; i < kMaxCompound && h; ++i) {
      if (h->response() == request) ctx().Anomaly("smb2.response_flag");
      if (h->command == smb2::kNegotiate) {
        OnSmb2Negotiate(request, prefix.subspan(at + smb2::kHeaderSize), first);
      }
      if (h->next_command < smb2::kHeaderSize || h->next_command > prefix.size() - at) break;
      at += h->next_command;
      h = smb2::ParseHeader(prefix.subspan(at));
      first = false;
    }
  }

  void OnSmb2Negotiate(bool request, Bytes body, bool first) {
    if (request) {
      if (first) detector_.SawFlowStart();
      for (uint16_t d : smb2::NegotiateDialects(body)) Offer(smb2::DialectName(d));
      return;
    }
    auto d = smb2::NegotiateDialect(body);
    if (!d) return;
    chosen_ = smb2::DialectName(*d);
    chosen_smb1_ = false;
    // "2.???" answers an SMB1 multi-protocol negotiate; the real choice follows.
    if (*d != smb2::kDialectWildcard) ReportNegotiate();
  }

  void Offer(const std::string& dialect) {
    if (offered_.size() >= 32) return;
    for (const auto& d : offered_) {
      if (d == dialect) return;
    }
    offered_.push_back(dialect);
  }

  void ReportNegotiate() {
    if (negotiate_reported_) return;
    negotiate_reported_ = true;
    bool smb1_offered = false;
    for (const auto& d : smb1_dialects_) smb1_offered |= d.rfind("SMB 2", 0) != 0;
    nlohmann::json f = {{"negotiated", chosen_.has_value()},
                        {"dialects_offered", offered_},
                        {"smbv1_offered", smb1_offered},
                        {"smbv1", chosen_ ? chosen_smb1_ : used_smb1_}};
    if (chosen_) f["dialect"] = *chosen_;
    Finding finding;
    finding.kind = Finding::Kind::kObservation;
    finding.rule = "smb.negotiate";
    finding.category = Category::kHardening;
    finding.severity = Severity::kInfo;
    finding.message = chosen_ ? "SMB dialect negotiated: " + *chosen_ : "SMB session (mid-flow)";
    finding.fields = {{"smb", std::move(f)}};
    ctx().Report(std::move(finding));
  }

  void Alert(std::string_view rule, Severity severity, std::string message,
             nlohmann::json fields) override {
    if (!alerted_.emplace(rule).second) return;
    Finding finding;
    finding.rule = std::string(rule);
    finding.category = Category::kExploit;
    finding.severity = severity;
    finding.message = std::move(message);
    finding.technique = std::string(kTechnique);
    finding.actor = Direction::kToServer;
    finding.fields = {{"smb", std::move(fields)}};
    ctx().Report(std::move(finding));
  }

  bool Wants(std::string_view rule) const override { return !alerted_.contains(rule); }

  void Observe(std::string_view rule, std::string message, nlohmann::json fields) override {
    if (!alerted_.emplace(rule).second) return;
    Finding finding;
    finding.kind = Finding::Kind::kObservation;
    finding.rule = std::string(rule);
    finding.category = Category::kScan;
    finding.severity = Severity::kInfo;
    finding.message = std::move(message);
    finding.technique = std::string(kTechnique);
    finding.fields = {{"smb", std::move(fields)}};
    ctx().Report(std::move(finding));
  }

  ExploitDetector detector_;
  Side to_server_, to_client_;
  bool saw_smb_ = false, used_smb1_ = false, negotiate_reported_ = false;
  std::vector<std::string> smb1_dialects_;  // as offered, for DialectIndex
  std::vector<std::string> offered_;        // SMB1 strings and SMB2 revisions
  std::optional<std::string> chosen_;
  bool chosen_smb1_ = false;
  std::set<std::string, std::less<>> alerted_;
};

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<SmbAnalyzer>(ctx);
}

}  // namespace

bool Probe(Direction dir, std::span<const uint8_t> first_bytes) {
  if (PlausibleSessionMessage(first_bytes)) return true;
  // RFC 1002 4.3.2: session request, flags 0, two first-level encoded names of 32 characters.
  return dir == Direction::kToServer && first_bytes.size() >= 5 &&
         first_bytes[0] == nbss_type::kSessionRequest && first_bytes[1] == 0 &&
         first_bytes[4] == 0x20;
}

const AnalyzerInfo& Info() {
  static const AnalyzerInfo info{"smb", Transport::kTcp, {445, 139}, &Probe, &Create};
  return info;
}

}  // namespace otguard::nba::analyzers::smb
