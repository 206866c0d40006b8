// Packet sources: capture files (pcap and pcapng, several merged in time order) and live
// interfaces with a BPF filter. Linux: libpcap. Not in the Windows build (it has no network
// analysis, DESIGN.md).
//
// Thread-safety: a PacketSource is used by one thread at a time; the Open functions are
// thread-safe.
#ifndef OTGUARD_PLATFORM_CAPTURE_H_
#define OTGUARD_PLATFORM_CAPTURE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/base/stop_signal.h"

namespace otguard::platform {

struct CaptureFrame {
  int link_type = 0;              // a libpcap LINKTYPE_ value (1 Ethernet, 113 Linux cooked ...)
  int64_t ts = 0;                 // microseconds since the Unix epoch, clamped to 1970..9999
  uint32_t wire_len = 0;          // length on the wire; data may be shorter (snap length)
  std::span<const uint8_t> data;  // valid until the next Next()
  uint64_t index = 0;             // position in the merged input
};

struct CaptureCounters {
  uint64_t frames = 0;
  uint64_t truncated_files = 0;     // a file ended inside a record header or body
  uint64_t read_errors = 0;         // other errors the reader reported
  uint64_t out_of_order = 0;        // a frame older than the previous one from the same file
  uint64_t dropped = 0;             // live: dropped by the kernel
  std::vector<std::string> errors;  // the first few error messages, for the report
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // The next frame, false at the end (or when stopped). Read errors are counted and reading
  // continues with the next file; they never end the whole input silently.
  virtual bool Next(CaptureFrame& frame) = 0;
  virtual const CaptureCounters& counters() const = 0;
};

// Opens all files up front (errors: kNotFound, kPermissionDenied, kInvalidArgument for a file
// that is not a capture or a bad filter), then yields frames merged by timestamp. `filter`:
// optional BPF expression.
Result<std::unique_ptr<PacketSource>> OpenCaptureFiles(
    const std::vector<std::filesystem::path>& files, const std::string& filter = "");

struct LiveCaptureOptions {
  std::string interface;
  std::string filter;
  int snaplen = 262144;
  bool promiscuous = true;  // a sensor on a SPAN port needs it
  int buffer_mb = 64;
  // Capture stops when this is notified (checked at least every 200 ms; StopOnInterrupt in
  // interrupt.h notifies it on Ctrl+C), or after `max_seconds` (0: never) or `max_packets`
  // (0: unlimited).
  const StopSignal* stop = nullptr;
  int max_seconds = 0;
  uint64_t max_packets = 0;
};
// Needs CAP_NET_RAW. Errors: kPermissionDenied, kNotFound (no such interface), kInvalidArgument
// (bad filter), kIoError.
Result<std::unique_ptr<PacketSource>> OpenLiveCapture(const LiveCaptureOptions& options);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_CAPTURE_H_
