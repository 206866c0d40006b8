#include "nba/testing/replay.h"

#include <gtest/gtest.h>

namespace otguard::nba::testing {
namespace {

class Recorder final : public FlowObserver {
 public:
  explicit Recorder(Replay& out) : out_(out) {}
  void OnFinding(const FlowInfo& flow, const Finding& f, uint64_t index, Micros ts) override {
    out_.findings.push_back({flow, f, index, ts});
  }
  void OnFlowEnd(const FlowInfo& flow, FlowEndReason) override { out_.flows.push_back(flow); }

 private:
  Replay& out_;
};

}  // namespace

std::vector<RecordedFinding> Replay::WithRule(const std::string& prefix) const {
  std::vector<RecordedFinding> out;
  for (const auto& f : findings) {
    if (f.finding.rule.rfind(prefix, 0) == 0) out.push_back(f);
  }
  return out;
}

std::vector<RecordedFinding> Replay::Alerts() const {
  std::vector<RecordedFinding> out;
  for (const auto& f : findings) {
    if (f.finding.kind == Finding::Kind::kAlert) out.push_back(f);
  }
  return out;
}

std::filesystem::path Pcap(const std::string& name) {
  return std::filesystem::path(OTGUARD_NBA_PCAP_DIR) / name;
}

const Intel& BundledIntel() {
  static const Intel* intel = [] {
    auto loaded = Intel::Load(OTGUARD_NBA_TEST_DATA_DIR);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().ToString();
      return new Intel();
    }
    return new Intel(std::move(*loaded));
  }();
  return *intel;
}

Replay ReplayFiles(const std::vector<std::filesystem::path>& files, EngineOptions options,
                   const Intel* intel) {
  Replay out;
  auto source = OpenCaptureFiles(files);
  if (!source) {
    ADD_FAILURE() << source.error().ToString();
    return out;
  }
  Recorder recorder(out);
  Engine engine(std::move(options), intel ? *intel : BundledIntel(), recorder);
  Frame frame;
  while ((*source)->Next(frame)) {
    engine.ProcessFrame(frame.link_type, frame.data, frame.wire_len, frame.ts, frame.index);
  }
  engine.Flush();
  out.counters = engine.counters();
  out.capture = (*source)->counters();
  return out;
}

}  // namespace otguard::nba::testing
