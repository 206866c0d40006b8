// Packet sources through libpcap: capture files (pcap and pcapng, several merged in time order)
// and live interfaces with a BPF filter.
#ifndef OTGUARD_NBA_CAPTURE_H_
#define OTGUARD_NBA_CAPTURE_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/nba/packet.h"

namespace otguard::nba {

struct Frame {
  int link_type = 0;
  Micros ts = 0;
  uint32_t wire_len = 0;
  std::span<const uint8_t> data;  // valid until the next Next()
  uint64_t index = 0;             // position in the merged input
};

struct CaptureCounters {
  uint64_t frames = 0;
  uint64_t truncated_files = 0;     // a file ended inside a record header or body
  uint64_t read_errors = 0;         // other errors libpcap reported while reading
  uint64_t out_of_order = 0;        // a frame older than the previous one from the same file
  uint64_t dropped = 0;             // live: dropped by the kernel (pcap_stats)
  std::vector<std::string> errors;  // the first few error messages, for the report
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // The next frame, false at the end (or when stopped). Read errors are counted and reading
  // continues with the next file; they never end the whole input silently.
  virtual bool Next(Frame& frame) = 0;
  virtual const CaptureCounters& counters() const = 0;
};

// Opens all files up front (errors: kNotFound, kInvalidArgument for a file that is not a
// capture), then yields frames merged by timestamp. `filter`: optional BPF expression.
Result<std::unique_ptr<PacketSource>> OpenCaptureFiles(
    const std::vector<std::filesystem::path>& files, const std::string& filter = "");

struct LiveOptions {
  std::string interface;
  std::string filter;
  int snaplen = 262144;
  bool promiscuous = true;  // a sensor on a SPAN port needs it
  int buffer_mb = 64;
  // Capture stops when this becomes true (checked at least every 200 ms), or after
  // `max_seconds` (0: never) or `max_packets` (0: unlimited).
  const std::atomic<bool>* stop = nullptr;
  int max_seconds = 0;
  uint64_t max_packets = 0;
};
// Needs CAP_NET_RAW. Errors: kPermissionDenied, kNotFound (no such interface), kInvalidArgument
// (bad filter).
Result<std::unique_ptr<PacketSource>> OpenLiveCapture(const LiveOptions& options);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_CAPTURE_H_
