// One fuzzer per protocol analyser: this harness is compiled once per analyser folder with
// OTGUARD_FUZZ_ANALYZER naming it (src/nba/CMakeLists.txt).
//
// Input: records of [flags:1][length:2 little endian][bytes], where flags bit 0 is the direction
// (0 client to server) and bit 1 turns the record into a gap of `length` bytes. The analyser
// gets them as the engine would deliver a reassembled flow; then Finish().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "otguard/nba/analyzer.h"

namespace {

using namespace otguard::nba;

class FuzzContext final : public AnalyzerContext {
 public:
  FuzzContext() {
    static const uint8_t kClient[4] = {10, 0, 0, 1}, kServer[4] = {10, 0, 0, 2};
    flow_.client = {IpAddress::V4(kClient), 49152};
    flow_.server = {IpAddress::V4(kServer), 0};
    flow_.transport = Transport::kTcp;
  }
  FlowInfo& mutable_flow() { return flow_; }
  const FlowInfo& flow() const override { return flow_; }
  const Intel& intel() const override {
    static const Intel* intel = [] {  // built once: the harness runs millions of inputs
      auto* i = new Intel();
      i->AddPoolDomain("minergate.com");
      i->AddPoolPort(45560);
      i->AddService(Transport::kTcp, 80, {"http", true, false});
      // IOC matching runs on whatever the analysers read (URLs, names, SNI).
      WatchedIndicator w;
      w.pack_id = "fuzz";
      w.pack_version = "1";
      w.indicator_id = "wire";
      w.title = "fuzz";
      w.urls = {"http://10.0.0.2/", "http://example.com/a?b"};
      w.domains = {"*.example.com", "xmr.pool.minergate.com"};
      if (auto list = Watchlist::Build({w})) i->SetWatchlist(*list);
      return i;
    }();
    return *intel;
  }
  Micros now() const override { return 1'500'000'000'000'000; }
  uint64_t packet_index() const override { return 0; }
  void Report(Finding finding) override {
    // Findings must be serialisable: the alert writer dumps their fields.
    (void)finding.fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  void ConfirmProtocol(std::string_view) override {}
  void Anomaly(std::string_view) override {}

 private:
  FlowInfo flow_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const AnalyzerInfo* info = FindAnalyzer(OTGUARD_FUZZ_ANALYZER);
  if (info == nullptr) std::abort();
  FuzzContext ctx;
  ctx.mutable_flow().transport = info->transport;
  if (!info->ports.empty()) ctx.mutable_flow().server.port = info->ports.front();
  std::unique_ptr<Analyzer> analyzer = info->create(ctx);
  if (!analyzer) return 0;
  std::span<const uint8_t> in(data, size);
  while (in.size() >= 3 && !analyzer->stopped()) {
    uint8_t flags = in[0];
    size_t len = in[1] | size_t{in[2]} << 8;
    in = in.subspan(3);
    Direction dir = (flags & 1) ? Direction::kToClient : Direction::kToServer;
    if (flags & 2) {
      analyzer->Gap(dir, len);
      continue;
    }
    len = std::min(len, in.size());
    // Probes see the first bytes of every record: they must not crash on anything either.
    if (info->probe) (void)info->probe(dir, in.first(std::min<size_t>(len, 64)));
    analyzer->Deliver(dir, in.first(len));
    in = in.subspan(len);
  }
  analyzer->Finish();
  return 0;
}
