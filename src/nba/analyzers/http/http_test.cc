#include "nba/analyzers/http/http.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "nba/analyzers/http/message.h"
#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::http {
namespace {

using namespace std::string_literals;

// Port 80 is the web port the analyser weighs downloads against.
const Intel* WebIntel() {
  static const Intel* const kIntel = [] {
    auto* intel = new Intel;
    intel->AddService(Transport::kTcp, 80, {"http", true, false});
    return intel;
  }();
  return kIntel;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const std::string kZipBody =
    std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10) + std::string(90, 'z');
const std::string kMsraRequest =
    "GET /MsraReportDataCache32.tlb HTTP/1.1\r\nHost: 192.168.1.20:26931\r\n"
    "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0)\r\n\r\n";
const std::string kMsraResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
    "Content-Length: 100\r\n\r\n" +
    kZipBody;

TEST(HttpTest, MsraMinerArchiveFromItsWebServerPortIsHigh) {
  testing::RecordingContext ctx(Transport::kTcp, 26931, WebIntel());
  EXPECT_TRUE(Info().probe(Direction::kToServer, Bytes(kMsraRequest).first(64)));
  EXPECT_TRUE(Info().probe(Direction::kToClient, Bytes(kMsraResponse).first(64)));
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes(kMsraRequest));
  a->Deliver(Direction::kToClient, Bytes(kMsraResponse).first(60));  // split inside the head
  a->Deliver(Direction::kToClient, Bytes(kMsraResponse).subspan(60));
  a->Finish();
  EXPECT_EQ(ctx.protocol, "http");
  ASSERT_EQ(ctx.findings.size(), 1u);
  const Finding& f = ctx.findings[0];
  EXPECT_EQ(f.rule, "http.executable_download");
  EXPECT_EQ(f.category, Category::kDownload);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.technique, "T0867");
  const auto& h = f.fields["http"];
  EXPECT_EQ(h["method"], "GET");
  EXPECT_EQ(h["uri"], "/MsraReportDataCache32.tlb");
  EXPECT_EQ(h["host"], "192.168.1.20:26931");
  EXPECT_EQ(h["user_agent"], "Mozilla/4.0 (compatible; MSIE 6.0)");
  EXPECT_EQ(h["status"], 200);
  EXPECT_EQ(h["body_magic"], "zip");
  EXPECT_EQ(h["server_port"], 26931);
  EXPECT_EQ(h["reasons"], (std::vector<std::string>{"non_web_port", "extension_mismatch"}));
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(HttpTest, NormalPageIsQuiet) {
  testing::RecordingContext ctx(Transport::kTcp, 80, WebIntel());
  auto a = Info().create(ctx);
  const std::string page = "<!DOCTYPE html><html><body>Plant historian</body></html>";
  a->Deliver(Direction::kToServer,
             Bytes("GET /index.html HTTP/1.1\r\nHost: historian\r\nUser-Agent: curl/8\r\n\r\n"));
  a->Deliver(Direction::kToClient,
             Bytes("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                   "Content-Length: " +
                   std::to_string(page.size()) + "\r\n\r\n" + page));
  a->Finish();
  EXPECT_EQ(ctx.protocol, "http");
  EXPECT_TRUE(ctx.findings.empty());
  EXPECT_TRUE(ctx.anomalies.empty());
}

std::string Chunked(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); i += 5) {
    std::string_view part = body.substr(i, 5);
    char size[8];
    std::snprintf(size, sizeof(size), "%zx", part.size());
    out += std::string(size) + ";ext=1\r\n" + std::string(part) + "\r\n";
  }
  return out + "0\r\nX-Trailer: 1\r\n\r\n";
}

TEST(HttpTest, PipelinedRequestsPairWithTheirResponses) {
  testing::RecordingContext ctx(Transport::kTcp, 80, WebIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes("HEAD /tool.exe HTTP/1.1\r\nHost: h\r\n\r\n"
                                         "GET /a.css HTTP/1.1\r\nHost: h\r\n\r\n"
                                         "GET /update/tool.exe?v=2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(40, '\0');
  std::string responses =
      // A HEAD response announces a length but carries no body.
      "HTTP/1.1 200 OK\r\nContent-Length: 48\r\nContent-Type: application/octet-stream\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Type: text/css\r\n\r\nbody{x:1}"
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/x-msdownload\r\n\r\n" +
      Chunked(exe);
  for (size_t i = 0; i < responses.size(); i += 3) {
    a->Deliver(Direction::kToClient, Bytes(std::string_view(responses).substr(i, 3)));
  }
  a->Finish();
  ASSERT_EQ(ctx.findings.size(), 1u);
  const auto& h = ctx.findings[0].fields["http"];
  EXPECT_EQ(h["uri"], "/update/tool.exe?v=2");
  EXPECT_EQ(h["body_magic"], "pe");
  EXPECT_EQ(ctx.findings[0].severity, Severity::kMedium);  // web port, name and type agree
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(HttpTest, ExecutableDisguisedAsImageOnAWebPortIsHigh) {
  testing::RecordingContext ctx(Transport::kTcp, 80, WebIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes("GET /logo.png HTTP/1.0\r\n\r\n"));
  // No length: the body runs to the end of the connection.
  a->Deliver(Direction::kToClient,
             Bytes("HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\nMZ\x90\x00"s));
  a->Finish();
  ASSERT_EQ(ctx.findings.size(), 1u);
  EXPECT_EQ(ctx.findings[0].severity, Severity::kHigh);
  EXPECT_EQ(ctx.findings[0].fields["http"]["reasons"],
            (std::vector<std::string>{"extension_mismatch", "content_type_mismatch"}));
}

TEST(HttpTest, CompressedPagesAndOfficeDocumentsAreQuiet) {
  testing::RecordingContext ctx(Transport::kTcp, 80, WebIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer,
             Bytes("GET / HTTP/1.1\r\n\r\nGET /report.xlsx HTTP/1.1\r\n\r\n"));
  a->Deliver(Direction::kToClient, Bytes("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                         "Content-Type: text/html\r\nContent-Length: 10\r\n\r\n"
                                         "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"s));
  a->Deliver(Direction::kToClient, Bytes("HTTP/1.1 200 OK\r\nContent-Type: application/"
                                         "vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
                                         "Content-Length: 100\r\n\r\n" +
                                         kZipBody));
  a->Finish();
  EXPECT_TRUE(ctx.findings.empty());
}

TEST(HttpTest, GapInsideABodyKeepsSyncAndGapInHeadersResyncs) {
  testing::RecordingContext ctx(Transport::kTcp, 26931, WebIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes("GET /big.bin HTTP/1.1\r\n\r\n"));
  a->Deliver(Direction::kToClient, Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nabcd"));
  a->Gap(Direction::kToClient, 4000);
  a->Deliver(Direction::kToClient, Bytes(std::string(996, 'x')));  // the body ends here
  a->Deliver(Direction::kToServer, Bytes("GET /x HTTP/1.1\r\nHost: a\r\nUser-Ag"));
  a->Gap(Direction::kToServer, 30);  // the rest of that head is lost
  a->Deliver(Direction::kToServer, Bytes("ent: junk\r\n\r\nGET /MsraReportDataCache32.tlb HTTP/1.1"
                                         "\r\nHost: h\r\n\r\n"));
  // The response to the lost request was not captured either.
  a->Deliver(Direction::kToClient, Bytes(kMsraResponse));
  a->Finish();
  ASSERT_EQ(ctx.findings.size(), 1u);
  // The lost request is not paired: the archive is attributed to the request after the resync.
  EXPECT_EQ(ctx.findings[0].fields["http"]["uri"], "/MsraReportDataCache32.tlb");
  EXPECT_EQ(ctx.findings[0].fields["http"]["body_magic"], "zip");
  EXPECT_FALSE(a->stopped());
}

TEST(HttpTest, NotHttpStopsAndHugeHeadersAreAnomalies) {
  testing::RecordingContext ctx(Transport::kTcp, 80, WebIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes("\x16\x03\x01 hello\r\n\r\n"));
  EXPECT_TRUE(a->stopped());
  EXPECT_TRUE(ctx.protocol.empty());

  testing::RecordingContext ctx2(Transport::kTcp, 80, WebIntel());
  auto b = Info().create(ctx2);
  b->Deliver(Direction::kToServer, Bytes("GET / HTTP/1.1\r\n\r\n"));
  std::string cookie = "GET / HTTP/1.1\r\nCookie: " + std::string(40000, 'c');
  b->Deliver(Direction::kToServer, Bytes(cookie));
  EXPECT_EQ(ctx2.anomalies, (std::map<std::string, int>{{"header_too_long", 1}}));
  b->Deliver(Direction::kToServer, Bytes("\r\n\r\nGET /next HTTP/1.1\r\n\r\n"));  // resyncs
  EXPECT_FALSE(b->stopped());
}

TEST(HttpTest, ProbeIsStrict) {
  auto probe = [](Direction d, std::string_view s) { return Info().probe(d, Bytes(s)); };
  EXPECT_TRUE(probe(Direction::kToServer, "POST /f79e53 HTTP/1.1\r\n"));
  EXPECT_TRUE(probe(Direction::kToServer, "GET /" + std::string(70, 'a')));
  EXPECT_TRUE(probe(Direction::kToServer, "GET http://example.com/ HTTP/1.0\r\n"));
  EXPECT_FALSE(probe(Direction::kToServer, "GET / SMB/1.0\r\n"));
  EXPECT_FALSE(probe(Direction::kToServer, "GETX / HTTP/1.1\r\n"));
  EXPECT_FALSE(probe(Direction::kToServer, "get / HTTP/1.1\r\n"));
  EXPECT_FALSE(probe(Direction::kToServer, "GET  HTTP/1.1\r\n"));
  EXPECT_FALSE(probe(Direction::kToClient, "GET / HTTP/1.1\r\n"));
  EXPECT_TRUE(probe(Direction::kToClient, "HTTP/1.1 404 Not Found\r\n"));
  EXPECT_FALSE(probe(Direction::kToClient, "HTTP/2 200\r\n"));
  EXPECT_FALSE(probe(Direction::kToServer, ""));
}

TEST(HttpTest, SniffsTheCommonFormats) {
  EXPECT_EQ(SniffMagic(Bytes("\x7f"
                             "ELF\x02\x01")),
            "elf");
  EXPECT_EQ(SniffMagic(Bytes("MSCF\0\0\0\0")), "cab");
  EXPECT_EQ(SniffMagic(Bytes("Rar!\x1a\x07\x01\x00")), "rar");
  EXPECT_EQ(SniffMagic(Bytes("7z\xbc\xaf\x27\x1c\x00\x04")), "7z");
  EXPECT_EQ(SniffMagic(Bytes("\x1f\x8b\x08\x00")), "gzip");
  EXPECT_EQ(SniffMagic(Bytes("M")), "");
  EXPECT_EQ(SniffMagic(Bytes("<html>")), "");
}

// Through the real engine, bundled intel and a capture file: the worm's web server on 26931 is
// found by the probe, and 26931 is not a web port.
void WriteLe32(std::ofstream& out, uint32_t v) { out.write(reinterpret_cast<char*>(&v), 4); }

std::vector<uint8_t> TcpFrame(bool to_server, uint32_t seq, uint32_t ack, uint8_t flags,
                              std::string_view payload) {
  const uint8_t client[4] = {192, 168, 1, 30}, server[4] = {192, 168, 1, 20};
  std::vector<uint8_t> f(14, 0);
  f[12] = 0x08;  // IPv4
  size_t ip_len = 20 + 20 + payload.size();
  std::vector<uint8_t> ip = {0x45, 0, uint8_t(ip_len >> 8), uint8_t(ip_len), 0, 0, 0x40, 0, 64, 6,
                             0,    0};
  ip.insert(ip.end(), to_server ? client : server, (to_server ? client : server) + 4);
  ip.insert(ip.end(), to_server ? server : client, (to_server ? server : client) + 4);
  uint16_t sport = to_server ? 49310 : 26931, dport = to_server ? 26931 : 49310;
  std::vector<uint8_t> tcp = {uint8_t(sport >> 8), uint8_t(sport), uint8_t(dport >> 8),
                              uint8_t(dport)};
  for (uint32_t v : {seq, ack}) {
    for (int i = 3; i >= 0; --i) tcp.push_back(uint8_t(v >> (8 * i)));
  }
  tcp.insert(tcp.end(), {0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), tcp.begin(), tcp.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

TEST(HttpTest, EngineFindsTheWormServerOnItsOddPort) {
  auto path = std::filesystem::path(::testing::TempDir()) / "msra_http.pcap";
  {
    std::ofstream out(path, std::ios::binary);
    for (uint32_t v : {0xa1b2c3d4u, 0x00040002u, 0u, 0u, 65535u, 1u}) WriteLe32(out, v);
    using namespace tcp_flags;
    const std::vector<std::vector<uint8_t>> frames = {
        TcpFrame(true, 100, 0, kSyn, ""),
        TcpFrame(false, 500, 101, kSyn | kAck, ""),
        TcpFrame(true, 101, 501, kAck, ""),
        TcpFrame(true, 101, 501, kAck | kPsh, kMsraRequest),
        TcpFrame(false, 501, 101 + uint32_t(kMsraRequest.size()), kAck | kPsh, kMsraResponse),
    };
    uint32_t ts = 1'500'000'000;
    for (const auto& f : frames) {
      for (uint32_t v : {ts++, 0u, uint32_t(f.size()), uint32_t(f.size())}) WriteLe32(out, v);
      out.write(reinterpret_cast<const char*>(f.data()), f.size());
    }
  }
  auto replay = testing::ReplayFiles({path});
  auto alerts = replay.WithRule("http.executable_download");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].flow.app_protocol, "http");
  EXPECT_EQ(alerts[0].flow.server.port, 26931);
  EXPECT_EQ(alerts[0].finding.severity, Severity::kHigh);
  std::filesystem::remove(path);
}

// --- IOC URLs and domains ------------------------------------------------------------------

// An Intel whose watchlist holds one indicator with these URLs and domains.
Intel WatchIntel(std::vector<std::string> urls, std::vector<std::string> domains = {}) {
  WatchedIndicator w;
  w.pack_id = "test";
  w.pack_version = "1";
  w.indicator_id = "ind";
  w.title = "Test indicator";
  w.urls = std::move(urls);
  w.domains = std::move(domains);
  Intel intel;
  auto list = Watchlist::Build({w});
  EXPECT_TRUE(list.has_value());
  if (list) intel.SetWatchlist(*list);
  return intel;
}

// curl's request as captured in tests/data/pcaps/gopacket/test_ethernet.pcap (frame 4).
const std::string kCurlRequest =
    "GET / HTTP/1.1\r\nHost: 10.1.1.1\r\nUser-Agent: curl/7.47.0\r\nAccept: */*\r\n\r\n";

std::vector<Finding> IocAlerts(const Intel& intel, std::string_view request, uint16_t port = 80) {
  testing::RecordingContext ctx(Transport::kTcp, port, &intel);
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes(request));
  a->Finish();
  std::vector<Finding> out;
  for (const Finding& f : ctx.findings) {
    if (f.rule.starts_with("ioc.")) out.push_back(f);
  }
  return out;
}

TEST(HttpIocTest, RequestUrlFromTargetHostAndServerPort) {
  Endpoint server{*IpAddress::Parse("10.1.1.1"), 80};
  EXPECT_EQ(RequestUrl("/", "10.1.1.1", server), "http://10.1.1.1:80/");
  EXPECT_EQ(RequestUrl("/a?b", "x.example:8080", server), "http://x.example:8080/a?b");
  EXPECT_EQ(RequestUrl("/a", "", server), "http://10.1.1.1:80/a");
  EXPECT_EQ(RequestUrl("/a", "[2001:db8::1]", server), "http://[2001:db8::1]:80/a");
  EXPECT_EQ(RequestUrl("HTTP://x.example/a", "proxy.example", server), "HTTP://x.example/a");
  EXPECT_EQ(RequestUrl("x.example:443", "x.example:443", server), "");  // CONNECT
  EXPECT_EQ(RequestUrl("*", "x.example", server), "");                  // OPTIONS *
  Endpoint v6{*IpAddress::Parse("2001:db8::2"), 8080};
  EXPECT_EQ(RequestUrl("/a", "", v6), "http://[2001:db8::2]:8080/a");
  EXPECT_EQ(UrlHost("http://u@X.example:8080/a"), "X.example");
  EXPECT_EQ(UrlHost("http://[2001:db8::1]:80/"), "2001:db8::1");
  EXPECT_EQ(UrlHost("nothing"), "");
}

TEST(HttpIocTest, CapturedCurlRequestMatchesItsUrl) {
  Intel intel = WatchIntel({"http://10.1.1.1/"});
  auto alerts = IocAlerts(intel, kCurlRequest);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "ioc.test.ind");
  EXPECT_EQ(alerts[0].category, Category::kIoc);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "http request");
  EXPECT_EQ(alerts[0].fields["ioc"]["value"], "http://10.1.1.1/");
  EXPECT_EQ(alerts[0].fields["ioc"]["matched"], "http://10.1.1.1/");
}

// The point of issue 12: the host's other URLs are not the indicator's.
TEST(HttpIocTest, AnotherPathOrPortOnTheSameHostIsNoMatch) {
  EXPECT_TRUE(IocAlerts(WatchIntel({"http://10.1.1.1/login.asp"}), kCurlRequest).empty());
  EXPECT_TRUE(IocAlerts(WatchIntel({"http://10.1.1.1:8080/"}), kCurlRequest).empty());
  // The same request reaching port 8080 without a port in Host is http://10.1.1.1:8080/.
  EXPECT_TRUE(IocAlerts(WatchIntel({"http://10.1.1.1/"}), kCurlRequest, 8080).empty());
  EXPECT_EQ(IocAlerts(WatchIntel({"http://10.1.1.1:8080/"}), kCurlRequest, 8080).size(), 1u);
}

TEST(HttpIocTest, AbsoluteFormThroughAProxyAndTheHostDomain) {
  const std::string proxied =
      "GET http://Raw.GitHubUserContent.com/evil-actor/payloads/main/stage2.sh HTTP/1.1\r\n"
      "Host: raw.githubusercontent.com\r\n\r\n";
  Intel url = WatchIntel({"https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"});
  auto alerts = IocAlerts(url, proxied, 3128);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "http request");
  const std::string benign =
      "GET /benign/tools/main/setup.sh HTTP/1.1\r\nHost: raw.githubusercontent.com\r\n\r\n";
  EXPECT_TRUE(IocAlerts(url, benign).empty());
  // A domain indicator is about the host: every request to it.
  Intel domain = WatchIntel({}, {"*.githubusercontent.com"});
  alerts = IocAlerts(domain, benign);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "http host");
  EXPECT_EQ(alerts[0].fields["ioc"]["value"], "raw.githubusercontent.com");
}

}  // namespace
}  // namespace otguard::nba::analyzers::http
