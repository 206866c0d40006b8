// nba_flows: writes a trace with N concurrent TCP flows for the peak-memory benchmark of
// `otguard nba`.
//
//   nba_flows [--flows N] --out FILE
//
// Every flow is a distinct 5-tuple with a handshake (SYN, SYN-ACK, ACK) and one request from
// the client: half are HTTP GETs to port 80, half Modbus/TCP reads of holding registers to port
// 502, so the protocol analysers keep state for them too. No flow ends (no FIN, no RST) and the
// whole trace lasts 4 µs per flow (4 s for a million), far below any idle timeout: at the last
// packet all N flows are open at once. 50 flows per client host, 200 servers.
// Output: classic pcap, Ethernet, microseconds; IPv4 and TCP checksums are right.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int kFlowsPerClient = 50;
constexpr int kServers = 200;

struct Options {
  uint64_t flows = 1'000'000;
  std::string out;
};

void Put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  Put16(b, at, static_cast<uint16_t>(v >> 16));
  Put16(b, at + 2, static_cast<uint16_t>(v));
}

uint32_t Sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct Segment {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;  // TCP flag bits
  const std::string* payload;
};

// One Ethernet/IPv4/TCP frame with correct checksums (RFC 791, RFC 9293).
void Build(const Segment& s, std::vector<uint8_t>& b) {
  const bool syn = s.flags & 0x02;
  const size_t tcp_len = syn ? 24 : 20;  // SYNs carry an MSS option
  const size_t data_len = s.payload ? s.payload->size() : 0;
  b.assign(14 + 20 + tcp_len + data_len, 0);
  const uint8_t macs[12] = {0x00, 0x1b, 0x1b, 0, 0, 2, 0x00, 0x1b, 0x1b, 0, 0, 1};
  std::memcpy(b.data(), macs, 12);
  Put16(b, 12, 0x0800);
  b[14] = 0x45;
  Put16(b, 16, static_cast<uint16_t>(20 + tcp_len + data_len));
  Put16(b, 20, 0x4000);  // DF
  b[22] = 64;
  b[23] = 6;
  Put32(b, 26, s.src);
  Put32(b, 30, s.dst);
  Put16(b, 24, Fold(Sum16(&b[14], 20)));
  const size_t t = 34;
  Put16(b, t, s.sport);
  Put16(b, t + 2, s.dport);
  Put32(b, t + 4, s.seq);
  Put32(b, t + 8, s.ack);
  b[t + 12] = static_cast<uint8_t>((tcp_len / 4) << 4);
  b[t + 13] = s.flags;
  Put16(b, t + 14, 64240);
  if (syn) Put32(b, t + 20, 0x020405B4);  // MSS 1460
  if (data_len) std::memcpy(&b[t + tcp_len], s.payload->data(), data_len);
  uint8_t pseudo[12];
  std::memcpy(pseudo, &b[26], 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = static_cast<uint8_t>((tcp_len + data_len) >> 8);
  pseudo[11] = static_cast<uint8_t>(tcp_len + data_len);
  Put16(b, t + 16, Fold(Sum16(&b[t], tcp_len + data_len, Sum16(pseudo, 12))));
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--flows" && i + 1 < argc) {
      o.flows = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--out" && i + 1 < argc) {
      o.out = argv[++i];
    } else {
      return false;
    }
  }
  return !o.out.empty() && o.flows > 0 && o.flows <= uint64_t{kFlowsPerClient} << 24;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, opt)) {
    std::fprintf(stderr, "usage: nba_flows [--flows N] --out FILE\n");
    return 2;
  }
  std::FILE* f = std::fopen(opt.out.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "nba_flows: %s: %s\n", opt.out.c_str(), std::strerror(errno));
    return 2;
  }
  std::setvbuf(f, nullptr, _IOFBF, 1 << 22);
  const uint32_t header[6] = {0xA1B2C3D4, 2 | (4u << 16), 0, 0, 65535, 1};
  std::fwrite(header, sizeof(header), 1, f);

  const std::string http = "GET /index.html HTTP/1.1\r\nHost: hmi\r\nAccept: */*\r\n\r\n";
  // Modbus/TCP: transaction 1, protocol 0, length 6, unit 1, read holding registers 0..9.
  const std::string modbus("\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a", 12);
  std::vector<uint8_t> frame;
  int64_t ts = int64_t{1'704'067'200} * 1'000'000;
  auto emit = [&](const Segment& s) {
    Build(s, frame);
    const uint32_t rec[4] = {
        static_cast<uint32_t>(ts / 1'000'000), static_cast<uint32_t>(ts % 1'000'000),
        static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size())};
    std::fwrite(rec, sizeof(rec), 1, f);
    std::fwrite(frame.data(), 1, frame.size(), f);
    ts += 1;
  };
  for (uint64_t i = 0; i < opt.flows; ++i) {
    const uint32_t client = 0x0A000000u + 0x10000u + static_cast<uint32_t>(i / kFlowsPerClient);
    const uint32_t server = 0xAC100000u + 1 + static_cast<uint32_t>(i % kServers);  // 172.16.0.x
    const uint16_t sport = static_cast<uint16_t>(20000 + i % kFlowsPerClient);
    const bool is_http = (i / kServers) % 2 == 0;
    const std::string* request = is_http ? &http : &modbus;
    const uint16_t dport = is_http ? 80 : 502;
    const uint32_t cisn = static_cast<uint32_t>(i * 2654435761u), sisn = ~cisn;
    emit({client, server, sport, dport, cisn, 0, 0x02, nullptr});
    emit({server, client, dport, sport, sisn, cisn + 1, 0x12, nullptr});
    emit({client, server, sport, dport, cisn + 1, sisn + 1, 0x10, nullptr});
    emit({client, server, sport, dport, cisn + 1, sisn + 1, 0x18, request});
  }
  if (std::fclose(f) != 0) {
    std::fprintf(stderr, "nba_flows: writing %s failed\n", opt.out.c_str());
    return 2;
  }
  std::fprintf(stderr, "nba_flows: %s: %llu flows, %llu packets\n", opt.out.c_str(),
               static_cast<unsigned long long>(opt.flows),
               static_cast<unsigned long long>(opt.flows * 4));
  return 0;
}
