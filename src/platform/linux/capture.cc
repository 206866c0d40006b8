// Capture through libpcap: files read with a large stdio buffer, live interfaces non-blocking
// with poll() so that a stop request is seen within 200 ms.
#include "otguard/platform/capture.h"

#include <pcap/pcap.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

namespace otguard::platform {
namespace {

constexpr size_t kMaxErrorMessages = 16;
constexpr size_t kReadBuffer = 1 << 20;

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// pcapng allows 64-bit timestamps of any value; times past year 9999 (or before 1970) are
// clamped so that every later subtraction of two times stays far from overflow.
constexpr int64_t kMicrosPerSecond = 1'000'000;
int64_t ToMicros(const timeval& tv) {
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  int64_t sec = std::clamp<int64_t>(tv.tv_sec, 0, kMaxSeconds);
  int64_t usec = std::clamp<int64_t>(tv.tv_usec, 0, kMicrosPerSecond - 1);
  return sec * kMicrosPerSecond + usec;
}

void NoteError(CaptureCounters& c, std::string message) {
  if (c.errors.size() < kMaxErrorMessages) c.errors.push_back(std::move(message));
}

// libpcap reads a capture file record by record through stdio; with the default 4 KiB buffer
// that is a read() per few packets. (Mapping the file and reading it through fmemopen() saved
// little more and made the mapped capture count as the process's resident memory.)
Result<FILE*> OpenStream(const std::filesystem::path& file) {
  FILE* fp = std::fopen(file.c_str(), "rb");
  if (fp == nullptr) {
    return Unexpected(
        Status(StatusCode::kPermissionDenied, file.string() + ": " + std::strerror(errno)));
  }
  std::setvbuf(fp, nullptr, _IOFBF, kReadBuffer);
  return fp;
}

Status ApplyFilter(pcap_t* p, const std::string& filter, const std::string& what) {
  if (filter.empty()) return Status::Ok();
  bpf_program program;
  if (pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return Status(StatusCode::kInvalidArgument,
                  what + ": bad filter '" + filter + "': " + pcap_geterr(p));
  }
  int rc = pcap_setfilter(p, &program);
  pcap_freecode(&program);
  if (rc != 0) return Status(StatusCode::kInvalidArgument, what + ": " + pcap_geterr(p));
  return Status::Ok();
}

// Capture files merged by timestamp: each file keeps its current frame; the oldest goes next.
class FileSource final : public PacketSource {
 public:
  struct Input {
    std::string name;
    PcapHandle handle;
    int link_type = 0;
    bool has_frame = false;
    int64_t last_ts = 0;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
  };

  explicit FileSource(std::vector<Input> inputs) : inputs_(std::move(inputs)) {
    for (size_t i = 0; i < inputs_.size(); ++i) Advance(i);
  }

  bool Next(CaptureFrame& frame) override {
    if (advance_ != SIZE_MAX) Advance(advance_);
    advance_ = SIZE_MAX;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!inputs_[i].has_frame) continue;
      if (best == SIZE_MAX ||
          ToMicros(inputs_[i].header->ts) < ToMicros(inputs_[best].header->ts)) {
        best = i;
      }
    }
    if (best == SIZE_MAX) return false;
    Input& in = inputs_[best];
    frame.link_type = in.link_type;
    frame.ts = ToMicros(in.header->ts);
    frame.wire_len = in.header->len;
    frame.data = std::span<const uint8_t>(in.data, in.header->caplen);
    frame.index = counters_.frames++;
    advance_ = best;
    return true;
  }

  const CaptureCounters& counters() const override { return counters_; }

 private:
  void Advance(size_t i) {
    Input& in = inputs_[i];
    in.has_frame = false;
    if (!in.handle) return;
    int rc = pcap_next_ex(in.handle.get(), &in.header, &in.data);
    if (rc == 1) {
      in.has_frame = true;
      int64_t ts = ToMicros(in.header->ts);
      if (ts < in.last_ts) ++counters_.out_of_order;
      in.last_ts = std::max(in.last_ts, ts);
      return;
    }
    if (rc == PCAP_ERROR) {
      std::string msg = pcap_geterr(in.handle.get());
      if (msg.find("truncated") != std::string::npos) {
        ++counters_.truncated_files;
      } else {
        ++counters_.read_errors;
      }
      NoteError(counters_, in.name + ": " + msg);
    }
    in.handle.reset();  // end of file or unreadable rest: what was read is kept
  }

  std::vector<Input> inputs_;
  size_t advance_ = SIZE_MAX;
  CaptureCounters counters_;
};

class LiveSource final : public PacketSource {
 public:
  LiveSource(PcapHandle handle, LiveCaptureOptions options)
      : handle_(std::move(handle)),
        options_(std::move(options)),
        start_(std::chrono::steady_clock::now()),
        link_type_(pcap_datalink(handle_.get())) {}

  bool Next(CaptureFrame& frame) override {
    for (;;) {
      if (Done()) return false;
      pcap_pkthdr* header;
      const u_char* data;
      int rc = pcap_next_ex(handle_.get(), &header, &data);
      if (rc == 1) {
        frame.link_type = link_type_;
        frame.ts = ToMicros(header->ts);
        frame.wire_len = header->len;
        frame.data = std::span<const uint8_t>(data, header->caplen);
        frame.index = counters_.frames++;
        return true;
      }
      if (rc == 0) {  // nothing buffered: wait a little, then check the stop conditions
        pollfd pfd{pcap_get_selectable_fd(handle_.get()), POLLIN, 0};
        poll(&pfd, 1, 200);
        continue;
      }
      if (rc == PCAP_ERROR) {
        ++counters_.read_errors;
        NoteError(counters_, options_.interface + ": " + pcap_geterr(handle_.get()));
      }
      return false;
    }
  }

  const CaptureCounters& counters() const override {
    pcap_stat st;
    if (pcap_stats(handle_.get(), &st) == 0) counters_.dropped = st.ps_drop + st.ps_ifdrop;
    return counters_;
  }

 private:
  bool Done() const {
    if (options_.stop && options_.stop->stopped()) return true;
    if (options_.max_packets && counters_.frames >= options_.max_packets) return true;
    if (options_.max_seconds > 0 &&
        std::chrono::steady_clock::now() - start_ >= std::chrono::seconds(options_.max_seconds)) {
      return true;
    }
    return false;
  }

  PcapHandle handle_;
  LiveCaptureOptions options_;
  std::chrono::steady_clock::time_point start_;
  int link_type_;
  mutable CaptureCounters counters_;
};

}  // namespace

Result<std::unique_ptr<PacketSource>> OpenCaptureFiles(
    const std::vector<std::filesystem::path>& files, const std::string& filter) {
  std::vector<FileSource::Input> inputs;
  for (const auto& file : files) {
    char err[PCAP_ERRBUF_SIZE] = {};
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return Unexpected(Status(StatusCode::kNotFound, file.string() + ": no such file"));
    }
    OTGUARD_ASSIGN_OR_RETURN(FILE * fp, OpenStream(file));
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (p == nullptr) {
      std::fclose(fp);
      return Unexpected(Status(StatusCode::kInvalidArgument, file.string() + ": " + err));
    }
    FileSource::Input in;
    in.name = file.string();
    in.handle.reset(p);
    in.link_type = pcap_datalink(p);
    OTGUARD_RETURN_IF_ERROR(ApplyFilter(p, filter, in.name));
    inputs.push_back(std::move(in));
  }
  return std::unique_ptr<PacketSource>(std::make_unique<FileSource>(std::move(inputs)));
}

Result<std::unique_ptr<PacketSource>> OpenLiveCapture(const LiveCaptureOptions& options) {
  char err[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_create(options.interface.c_str(), err));
  if (!handle) return Unexpected(Status(StatusCode::kNotFound, options.interface + ": " + err));
  pcap_set_snaplen(handle.get(), options.snaplen);
  pcap_set_promisc(handle.get(), options.promiscuous ? 1 : 0);
  pcap_set_timeout(handle.get(), 200);
  pcap_set_buffer_size(handle.get(), options.buffer_mb * 1024 * 1024);
  int rc = pcap_activate(handle.get());
  if (rc < 0) {
    std::string msg =
        options.interface + ": " + pcap_statustostr(rc) + " " + pcap_geterr(handle.get());
    StatusCode code = StatusCode::kIoError;
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
      code = StatusCode::kPermissionDenied;
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
      code = StatusCode::kNotFound;
    }
    return Unexpected(Status(code, msg));
  }
  OTGUARD_RETURN_IF_ERROR(ApplyFilter(handle.get(), options.filter, options.interface));
  // Non-blocking with poll(): with TPACKET_V3 a blocking read may not time out while the
  // interface is idle, and the capture must still stop on time (--duration, Ctrl-C).
  if (pcap_setnonblock(handle.get(), 1, err) != 0) {
    return Unexpected(Status(StatusCode::kIoError, options.interface + ": " + err));
  }
  return std::unique_ptr<PacketSource>(std::make_unique<LiveSource>(std::move(handle), options));
}

}  // namespace otguard::platform
