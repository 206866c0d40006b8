// Development tool: writes fuzz seeds for one analyser from real captures, in the record format
// of fuzz/nba_analyzer.cc (one file per flow, first 64 KiB of the flow).
//   otguard_nba_corpus ANALYZER OUT_DIR PCAP...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/nba/capture.h"
#include "otguard/nba/engine.h"
#include "otguard/platform/crypto.h"

using namespace otguard::nba;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ANALYZER OUT_DIR PCAP...\n", argv[0]);
    return 2;
  }
  std::string analyzer = argv[1];
  std::filesystem::path out_dir = argv[2];
  std::vector<std::filesystem::path> files(argv + 3, argv + argc);
  auto intel = Intel::Load(Intel::DefaultDir());
  if (!intel) {
    std::fprintf(stderr, "%s\n", intel.error().ToString().c_str());
    return 1;
  }
  std::map<uint64_t, std::vector<uint8_t>> flows;
  constexpr size_t kMaxSeed = 64 * 1024;
  EngineOptions options;
  options.only = {analyzer};
  options.tap = [&](const FlowInfo& flow, std::string_view, Direction dir,
                    std::span<const uint8_t> data, uint64_t gap) {
    auto& seed = flows[flow.id];
    if (seed.size() >= kMaxSeed) return;
    size_t len = gap ? std::min<uint64_t>(gap, 0xffff) : std::min<size_t>(data.size(), 0xffff);
    seed.push_back(static_cast<uint8_t>((dir == Direction::kToClient ? 1 : 0) | (gap ? 2 : 0)));
    seed.push_back(len & 0xff);
    seed.push_back(len >> 8);
    if (!gap) seed.insert(seed.end(), data.begin(), data.begin() + len);
  };
  FlowObserver observer;
  Engine engine(options, *intel, observer);
  auto source = OpenCaptureFiles(files);
  if (!source) {
    std::fprintf(stderr, "%s\n", source.error().ToString().c_str());
    return 1;
  }
  Frame frame;
  while ((*source)->Next(frame)) {
    engine.ProcessFrame(frame.link_type, frame.data, frame.wire_len, frame.ts, frame.index);
  }
  engine.Flush();
  std::filesystem::create_directories(out_dir);
  for (const auto& [id, seed] : flows) {
    auto digest = otguard::platform::Sha256(seed);
    if (!digest) return 1;
    std::string name = otguard::HexEncode(std::span<const uint8_t>(digest->data(), 8));
    std::ofstream(out_dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(seed.data()), seed.size());
  }
  std::printf("%zu seeds written to %s\n", flows.size(), out_dir.c_str());
  return 0;
}
