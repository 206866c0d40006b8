// Test support for analysers: an AnalyzerContext that records what the analyser reports, a
// helper that feeds it a scripted conversation, and a live conversation for step-by-step tests.
#ifndef OTGUARD_SRC_NBA_TESTING_FAKE_CONTEXT_H_
#define OTGUARD_SRC_NBA_TESTING_FAKE_CONTEXT_H_

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::testing {

// Client 10.0.0.1:49152, server 10.0.0.2:`server_port`. Not thread-safe.
class RecordingContext final : public AnalyzerContext {
 public:
  explicit RecordingContext(Transport transport = Transport::kTcp, uint16_t server_port = 0,
                            const Intel* intel = nullptr)
      : intel_(intel) {
    static const uint8_t kClient[4] = {10, 0, 0, 1}, kServer[4] = {10, 0, 0, 2};
    flow_.client = {IpAddress::V4(kClient), 49152};
    flow_.server = {IpAddress::V4(kServer), server_port};
    flow_.transport = transport;
  }

  const FlowInfo& flow() const override { return flow_; }
  const Intel& intel() const override { return intel_ ? *intel_ : empty_intel_; }
  Micros now() const override { return now_; }
  uint64_t packet_index() const override { return 0; }
  void Report(Finding f) override { findings.push_back(std::move(f)); }
  void ConfirmProtocol(std::string_view name) override {
    if (protocol.empty()) protocol = std::string(name);
  }
  void Anomaly(std::string_view what) override { ++anomalies[std::string(what)]; }

  FlowInfo& mutable_flow() { return flow_; }
  void set_now(Micros t) { now_ = t; }

  std::vector<Finding> Alerts() const { return OfKind(Finding::Kind::kAlert); }
  std::vector<Finding> Observations() const { return OfKind(Finding::Kind::kObservation); }
  // Findings whose rule is `rule`.
  std::vector<Finding> WithRule(const std::string& rule) const {
    std::vector<Finding> out;
    for (const auto& f : findings) {
      if (f.rule == rule) out.push_back(f);
    }
    return out;
  }
  // The first finding whose rule is `rule`, or nullptr. Points into `findings`: valid until the
  // next Report().
  const Finding* Find(std::string_view rule) const {
    for (const auto& f : findings) {
      if (f.rule == rule) return &f;
    }
    return nullptr;
  }
  // How many times Anomaly() was called, whatever the name (`anomalies` counts per name).
  int AnomalyCount() const {
    int n = 0;
    for (const auto& [what, count] : anomalies) n += count;
    return n;
  }

  std::vector<Finding> findings;
  std::string protocol;  // the first ConfirmProtocol()
  std::map<std::string, int> anomalies;

 private:
  std::vector<Finding> OfKind(Finding::Kind k) const {
    std::vector<Finding> out;
    for (const auto& f : findings) {
      if (f.kind == k) out.push_back(f);
    }
    return out;
  }

  FlowInfo flow_;
  const Intel* intel_;
  Intel empty_intel_;
  Micros now_ = 0;
};

// One step of a scripted conversation: bytes in one direction, or a gap of `gap` bytes.
struct Chunk {
  Direction dir = Direction::kToServer;
  std::vector<uint8_t> bytes;
  uint64_t gap = 0;
};

// Creates the analyser with `ctx`, delivers the chunks until it stops, then Finish()es it
// (unless it stopped). Returns the analyser, for tests that look at its state.
inline std::unique_ptr<Analyzer> Feed(const AnalyzerInfo& info, RecordingContext& ctx,
                                      const std::vector<Chunk>& chunks) {
  std::unique_ptr<Analyzer> a = info.create(ctx);
  for (const Chunk& c : chunks) {
    if (a->stopped()) break;
    if (c.gap) {
      a->Gap(c.dir, c.gap);
    } else {
      a->Deliver(c.dir, c.bytes);
    }
  }
  if (!a->stopped()) a->Finish();
  return a;
}

// A live analyser and the context it reports to, for tests that look at what was reported
// between deliveries (Feed() shows only the end). Not copyable or movable: the analyser keeps a
// reference to `ctx`.
struct Conversation {
  explicit Conversation(const AnalyzerInfo& info, Transport transport = Transport::kTcp,
                        uint16_t server_port = 0, const Intel* intel = nullptr)
      : ctx(transport, server_port, intel), analyzer(info.create(ctx)) {}
  Conversation(const Conversation&) = delete;
  Conversation& operator=(const Conversation&) = delete;

  Conversation& Send(Direction dir, const std::vector<uint8_t>& bytes) {
    analyzer->Deliver(dir, bytes);
    return *this;
  }
  Conversation& Client(const std::vector<uint8_t>& bytes) {
    return Send(Direction::kToServer, bytes);
  }
  Conversation& Server(const std::vector<uint8_t>& bytes) {
    return Send(Direction::kToClient, bytes);
  }
  // Ends the flow; returns the context to look at.
  RecordingContext& Finish() {
    analyzer->Finish();
    return ctx;
  }

  RecordingContext ctx;  // declared before `analyzer`, which refers to it
  std::unique_ptr<Analyzer> analyzer;
};

// An Intel that knows one pool domain, minergate.com (MsraMiner's pool), and nothing else:
// for analysers that check names against the pool list without depending on data/nba.
inline const Intel* PoolIntel() {
  static const Intel* const kIntel = [] {
    auto* intel = new Intel;
    intel->AddPoolDomain("minergate.com");
    return intel;
  }();
  return kIntel;
}

// JSON value as text: GoogleTest cannot print nlohmann::json values (it recurses into them), so
// compare text.
inline std::string Text(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

}  // namespace otguard::nba::testing

#endif  // OTGUARD_SRC_NBA_TESTING_FAKE_CONTEXT_H_
