// nba_trace: builds the large benchmark trace of `otguard nba` from the real captures.
//
//   nba_trace [--packets N] [--max-gap SECONDS] --out FILE [CAPTURE...]
//
// The captures (default: every .pcap/.pcapng in tests/data/pcaps) are merged into one
// template: each starts at time 0, idle gaps longer than --max-gap are shortened (the slow scan
// would otherwise stretch every copy to hours), frames merged by time. The template is then
// written again and again until N packets are out: copy k follows copy k-1 in time and has its
// IPv4 unicast addresses moved (2nd and 3rd octets XOR k), so every copy brings new hosts and
// new flows, as a larger plant would. IPv4, TCP and UDP checksums are updated incrementally
// (RFC 1624), so a checksum that was right stays right. Output: classic pcap, microseconds.
#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Frame {
  int64_t ts_us = 0;  // relative to the template's start
  uint32_t wire_len = 0;
  std::vector<uint8_t> data;
  // Offsets of what a copy rewrites; 0 when absent.
  uint32_t ip = 0;        // IPv4 header
  uint32_t l4_check = 0;  // TCP or UDP checksum field (not in later fragments)
  bool udp_no_check = false;
};

struct Options {
  uint64_t packets = 5'000'000;
  double max_gap = 1.0;
  std::string out;
  std::vector<std::string> inputs;
};

uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// RFC 1624 eqn. 3 for one 16-bit word: HC' = ~(~HC + ~m + m').
uint16_t ChecksumUpdate(uint16_t check, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~check) + static_cast<uint16_t>(~old_word) + new_word;
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Finds the IPv4 header and transport checksum of an Ethernet frame (one 802.1Q tag allowed).
void Locate(Frame& f) {
  const std::vector<uint8_t>& d = f.data;
  size_t off = 12;
  if (d.size() < off + 2) return;
  uint16_t type = Load16(&d[off]);
  if (type == 0x8100 && d.size() >= off + 6) {
    off += 4;
    type = Load16(&d[off]);
  }
  off += 2;
  if (type != 0x0800 || d.size() < off + 20 || (d[off] >> 4) != 4) return;
  f.ip = static_cast<uint32_t>(off);
  size_t ihl = (d[off] & 0xF) * 4u;
  bool later_fragment = (Load16(&d[off + 6]) & 0x1FFF) != 0;
  uint8_t proto = d[off + 9];
  if (later_fragment || ihl < 20) return;
  size_t check = off + ihl + (proto == 6 ? 16 : 6);
  if ((proto == 6 || proto == 17) && d.size() >= check + 2) {
    f.l4_check = static_cast<uint32_t>(check);
    f.udp_no_check = proto == 17 && Load16(&d[check]) == 0;
  }
}

// Reads one capture (pcap or pcapng) into frames with times relative to its first frame and
// gaps over max_gap shortened to max_gap. Returns false (with a message) on error.
bool ReadCapture(const std::string& path, double max_gap, std::vector<Frame>& out) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
  if (p == nullptr) {
    std::fprintf(stderr, "nba_trace: %s: %s\n", path.c_str(), err);
    return false;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    std::fprintf(stderr, "nba_trace: %s: not Ethernet, skipped\n", path.c_str());
    pcap_close(p);
    return true;
  }
  const int64_t gap_us = static_cast<int64_t>(max_gap * 1e6);
  int64_t prev = -1, now = 0;
  pcap_pkthdr* h;
  const u_char* bytes;
  while (pcap_next_ex(p, &h, &bytes) == 1) {
    int64_t ts = int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec;
    if (prev >= 0) now += std::clamp<int64_t>(ts - prev, 0, gap_us);
    prev = ts;
    Frame f;
    f.ts_us = now;
    f.wire_len = h->len;
    f.data.assign(bytes, bytes + h->caplen);
    Locate(f);
    out.push_back(std::move(f));
  }
  pcap_close(p);
  return true;
}

// Moves one address for copy k (octets 2 and 3 XOR k); multicast, broadcast and 0.x stay.
// The address starts at an even offset, so it is two checksum words, both of which may change.
void ShiftAddress(Frame& f, uint8_t* addr, uint32_t k) {
  if (addr[0] == 0 || addr[0] >= 224) return;
  uint8_t before[4];
  std::memcpy(before, addr, 4);
  addr[1] ^= static_cast<uint8_t>(k >> 8);
  addr[2] ^= static_cast<uint8_t>(k);
  uint8_t* d = f.data.data();
  for (int w = 0; w < 2; ++w) {
    uint16_t old_word = Load16(before + 2 * w), new_word = Load16(addr + 2 * w);
    Store16(d + f.ip + 10, ChecksumUpdate(Load16(d + f.ip + 10), old_word, new_word));
    if (f.l4_check != 0 && !f.udp_no_check) {
      uint16_t c = ChecksumUpdate(Load16(d + f.l4_check), old_word, new_word);
      Store16(d + f.l4_check, c == 0 && d[f.ip + 9] == 17 ? 0xFFFF : c);
    }
  }
}

class PcapWriter {
 public:
  explicit PcapWriter(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) return;
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 22);
    const uint32_t header[6] = {0xA1B2C3D4, 2 | (4u << 16), 0, 0, 65535, 1};
    std::fwrite(header, sizeof(header), 1, file_);
  }
  ~PcapWriter() {
    if (file_ != nullptr) std::fclose(file_);
  }
  bool ok() const { return file_ != nullptr && !std::ferror(file_); }
  void Write(int64_t ts_us, uint32_t wire_len, const std::vector<uint8_t>& data) {
    const uint32_t rec[4] = {static_cast<uint32_t>(ts_us / 1'000'000),
                             static_cast<uint32_t>(ts_us % 1'000'000),
                             static_cast<uint32_t>(data.size()), wire_len};
    std::fwrite(rec, sizeof(rec), 1, file_);
    std::fwrite(data.data(), 1, data.size(), file_);
  }
  bool Close() {
    bool good = ok() && std::fclose(file_) == 0;
    file_ = nullptr;
    return good;
  }

 private:
  std::FILE* file_;
};

std::vector<std::string> DefaultInputs() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(OTGUARD_TEST_PCAPS, ec)) {
    std::string ext = entry.path().extension().string();
    if (ext == ".pcap" || ext == ".pcapng") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--packets" && has_value) {
      o.packets = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--max-gap" && has_value) {
      o.max_gap = std::strtod(argv[++i], nullptr);
    } else if (a == "--out" && has_value) {
      o.out = argv[++i];
    } else if (!a.empty() && a[0] != '-') {
      o.inputs.push_back(a);
    } else {
      return false;
    }
  }
  if (o.inputs.empty()) o.inputs = DefaultInputs();
  return !o.out.empty() && !o.inputs.empty() && o.packets > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, opt)) {
    std::fprintf(stderr,
                 "usage: nba_trace [--packets N] [--max-gap SECONDS] --out FILE [CAPTURE...]\n"
                 "  default captures: %s/*.pcap*\n",
                 OTGUARD_TEST_PCAPS);
    return 2;
  }
  std::vector<Frame> tmpl;
  for (const std::string& path : opt.inputs) {
    if (!ReadCapture(path, opt.max_gap, tmpl)) return 2;
  }
  if (tmpl.empty()) {
    std::fprintf(stderr, "nba_trace: no frames in the inputs\n");
    return 2;
  }
  std::stable_sort(tmpl.begin(), tmpl.end(),
                   [](const Frame& a, const Frame& b) { return a.ts_us < b.ts_us; });
  // Copies follow each other one second apart; the first starts on 2024-01-01.
  const int64_t span = tmpl.back().ts_us + 1'000'000;
  const int64_t start = int64_t{1'704'067'200} * 1'000'000;

  PcapWriter out(opt.out);
  if (!out.ok()) {
    std::fprintf(stderr, "nba_trace: %s: %s\n", opt.out.c_str(), std::strerror(errno));
    return 2;
  }
  uint64_t written = 0;
  uint32_t copies = 0;
  std::vector<Frame> copy = tmpl;
  for (uint32_t k = 0; written < opt.packets; ++k, ++copies) {
    for (size_t i = 0; i < tmpl.size() && written < opt.packets; ++i, ++written) {
      Frame& f = copy[i];
      f.data = tmpl[i].data;  // same size: no allocation
      if (f.ip != 0 && k != 0) {
        ShiftAddress(f, f.data.data() + f.ip + 12, k);
        ShiftAddress(f, f.data.data() + f.ip + 16, k);
      }
      out.Write(start + k * span + f.ts_us, f.wire_len, f.data);
    }
  }
  if (!out.Close()) {
    std::fprintf(stderr, "nba_trace: writing %s failed\n", opt.out.c_str());
    return 2;
  }
  std::fprintf(stderr, "nba_trace: %s: %llu packets, %u copies of %zu frames (%.1f s each)\n",
               opt.out.c_str(), static_cast<unsigned long long>(written), copies, tmpl.size(),
               span / 1e6);
  return 0;
}
