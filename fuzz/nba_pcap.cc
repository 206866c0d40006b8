// Fuzz target for capture files: libpcap's pcap/pcapng reader as OpenCaptureFiles drives it,
// then the engine with every built-in analyser over what it yields. A damaged file must end in
// counted errors, never a crash or an endless read.
//
// Input: the bytes of a capture file. OpenCaptureFiles takes paths, so the bytes go to one
// scratch file per process (rewritten for every input). At most 10,000 frames are analysed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "otguard/nba/capture.h"
#include "otguard/nba/engine.h"
#include "otguard/nba/intel.h"

namespace {

using namespace otguard::nba;

constexpr uint64_t kMaxFrames = 10'000;

const std::filesystem::path& ScratchFile() {
  static const std::filesystem::path* path = [] {
    auto dir = std::filesystem::temp_directory_path();
    // Unique per process, so parallel fuzzing jobs do not share the file.
    std::string name = "otguard-nba-pcap-fuzz-" + std::to_string(std::random_device()());
    return new std::filesystem::path(dir / name);
  }();
  return *path;
}

bool WriteScratch(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(ScratchFile().c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

const Intel& FuzzIntel() {
  static const Intel* intel = [] {
    auto* i = new Intel();
    i->AddPoolDomain("minergate.com");
    i->AddPoolDomain("nanopool.org");
    for (uint16_t port : {3333, 5555, 9999, 45560}) i->AddPoolPort(port);
    i->AddService(Transport::kTcp, 445, {"smb", false, false});
    i->AddService(Transport::kTcp, 80, {"http", true, false});
    i->AddService(Transport::kTcp, 502, {"modbus", false, true});
    i->AddService(Transport::kTcp, 102, {"s7comm", false, true});
    i->AddService(Transport::kUdp, 53, {"dns", false, false});
    return i;
  }();
  return *intel;
}

class DumpingObserver final : public FlowObserver {
 public:
  void OnFinding(const FlowInfo&, const Finding& f, uint64_t, Micros) override {
    (void)f.fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!WriteScratch(data, size)) std::abort();  // the harness itself is broken
  auto source = OpenCaptureFiles({ScratchFile()});
  if (!source) return 0;  // not a capture: rejected up front, as the CLI reports it
  EngineOptions options;
  options.max_flows = 256;
  options.reassembly_limit = 16 * 1024;
  DumpingObserver observer;
  Engine engine(options, FuzzIntel(), observer);
  Frame frame;
  uint64_t frames = 0;
  while (frames < kMaxFrames && (*source)->Next(frame)) {
    if (frame.index != frames++) std::abort();
    engine.ProcessFrame(frame.link_type, frame.data, frame.wire_len, frame.ts, frame.index);
  }
  engine.Flush();
  const CaptureCounters& c = (*source)->counters();
  if (c.frames != frames) std::abort();
  return 0;
}
