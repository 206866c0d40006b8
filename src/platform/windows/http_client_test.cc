#include "otguard/platform/http_client.h"

#include <winsock2.h>  // before windows.h

#include <windows.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace otguard::platform {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string FindHeader(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (_stricmp(n.c_str(), name.c_str()) == 0) return v;
  }
  return {};
}

// A unique string per call, so a log line can only come from this test's request.
std::string Marker(const char* what) {
  return std::string(what) + "-" + std::to_string(GetCurrentProcessId()) + "-" +
         std::to_string(GetTickCount());
}

class Winsock {
 public:
  Winsock() {
    WSADATA wsa;
    ok_ = WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
  }
  ~Winsock() {
    if (ok_) WSACleanup();
  }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// A TCP socket bound to 127.0.0.1 on a port the system chose; returns the port.
uint16_t BindLoopback(SOCKET s) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 0;
  int len = sizeof(addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

TEST(HttpClientTest, BadUrlsAreInvalidArgument) {
  for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "https:///nohost"}) {
    HttpRequest request;
    request.url = url;
    auto r = HttpSend(request);
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << url << r.error().ToString();
  }
}

TEST(HttpClientTest, MalformedPinAndHeadersAreInvalidArgument) {
  HttpRequest request;
  request.url = "https://127.0.0.1:1/";
  request.pinned_sha256 = "ABCD";
  EXPECT_EQ(HttpSend(request).error().code(), StatusCode::kInvalidArgument);
  request.pinned_sha256 = std::string(64, 'a');
  request.url = "http://127.0.0.1:1/";  // a pin cannot hold over plain HTTP
  EXPECT_EQ(HttpSend(request).error().code(), StatusCode::kInvalidArgument);
  request.pinned_sha256.clear();
  request.headers = {{"X-Ok", "value\r\nX-Injected: yes"}};
  EXPECT_EQ(HttpSend(request).error().code(), StatusCode::kInvalidArgument);
}

TEST(HttpClientTest, ClosedPortIsIoErrorQuickly) {
  Winsock winsock;
  ASSERT_TRUE(winsock.ok());
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  uint16_t port = BindLoopback(s);
  closesocket(s);  // nobody listens there now
  ASSERT_NE(port, 0);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.timeout_ms = 20000;
  DWORD start = GetTickCount();
  auto r = HttpSend(request);
  DWORD elapsed = GetTickCount() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kIoError) << r.error().ToString();
  EXPECT_LT(elapsed, 10000u) << "a refused connection must not wait for the timeout";
}

TEST(HttpClientTest, SilentServerTimesOutAsAborted) {
  Winsock winsock;
  ASSERT_TRUE(winsock.ok());
  // Listens but never accepts: the connection completes in the backlog, no answer ever comes.
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  uint16_t port = BindLoopback(s);
  ASSERT_NE(port, 0);
  ASSERT_EQ(listen(s, 4), 0);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.timeout_ms = 700;
  DWORD start = GetTickCount();
  auto r = HttpSend(request);
  DWORD elapsed = GetTickCount() - start;
  closesocket(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kAborted) << r.error().ToString();
  EXPECT_LT(elapsed, 15000u);
}

// Tests against tests/windows/https/https_server.py, which the CTest driver
// (tests/windows/https/run_http_test.py) starts and describes in environment variables.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    https_port_ = Env("OTGUARD_HTTPS_PORT");
    http_port_ = Env("OTGUARD_HTTP_PORT");
    pin_ = Env("OTGUARD_HTTPS_SHA256");
    log_ = Env("OTGUARD_HTTP_LOG");
    if (https_port_.empty() || http_port_.empty() || pin_.empty() || log_.empty()) {
      GTEST_SKIP() << "no test server: run through CTest (platform_http_client_test_server)";
    }
    if (log_[0] == '/') log_ = "Z:" + log_;  // under Wine the driver passes a Unix path
  }

  HttpRequest Https(const std::string& path) const {
    HttpRequest r;
    r.url = "https://127.0.0.1:" + https_port_ + path;
    r.pinned_sha256 = pin_;
    r.timeout_ms = 20000;
    return r;
  }

  // Everything the server has logged so far: each request's line, headers and body bytes.
  std::string ServerLog() const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string https_port_, http_port_, pin_, log_;
};

TEST_F(HttpServerTest, GetWithTheRightPin) {
  auto r = HttpSend(Https("/hello"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello from the otguard test server\n");
  EXPECT_EQ(FindHeader(*r, "X-Otguard-Test"), "yes");
}

TEST_F(HttpServerTest, PostBodyIsEchoedWithHeaders) {
  HttpRequest request = Https("/echo");
  request.method = "POST";
  request.body = Marker("post-body") + std::string(100000, 'x');
  request.headers = {{"X-Otguard-Agent", "station-7"}};
  auto r = HttpSend(request);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, request.body);
  EXPECT_EQ(FindHeader(*r, "X-Echo-Agent"), "station-7");
}

TEST_F(HttpServerTest, NonSuccessStatusIsAResponse) {
  auto r = HttpSend(Https("/no-such-page"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpServerTest, WrongPinFailsAndSendsNoBody) {
  const std::string secret = Marker("secret-body");
  HttpRequest request = Https("/echo");
  request.method = "POST";
  request.body = secret;
  request.pinned_sha256 = std::string(64, '0');
  auto r = HttpSend(request);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kPermissionDenied) << r.error().ToString();
  EXPECT_NE(r.error().message().find("does not match the pin"), std::string::npos);

  // The server handles one connection at a time: once a later request is answered, whatever
  // the rejected connection carried has been logged.
  const std::string barrier = Marker("barrier");
  auto b = HttpSend(Https("/hello?" + barrier));
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  const std::string log = ServerLog();
  ASSERT_NE(log.find(barrier), std::string::npos) << "the server log is not being written";
  EXPECT_EQ(log.find(secret), std::string::npos) << "the body reached an unpinned server";
}

TEST_F(HttpServerTest, SelfSignedWithoutPinIsNotTrusted) {
  HttpRequest request = Https("/hello");
  request.pinned_sha256.clear();
  auto r = HttpSend(request);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kPermissionDenied) << r.error().ToString();
}

TEST_F(HttpServerTest, PlainHttpToLoopback) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + http_port_ + "/hello";
  auto r = HttpSend(request);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello from the otguard test server\n");
}

TEST_F(HttpServerTest, ResponseLargerThanTheLimitIsResourceExhausted) {
  // Announced by Content-Length, and streamed without one (read until the limit is passed).
  for (const char* path : {"/big?n=50001", "/stream?n=50001"}) {
    HttpRequest request = Https(path);
    request.max_response_bytes = 50000;
    auto r = HttpSend(request);
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_EQ(r.error().code(), StatusCode::kResourceExhausted) << path << r.error().ToString();
  }
  for (const char* path : {"/big?n=50000", "/stream?n=50000"}) {  // exactly the limit is fine
    HttpRequest request = Https(path);
    request.max_response_bytes = 50000;
    auto r = HttpSend(request);
    ASSERT_TRUE(r.has_value()) << path << r.error().ToString();
    EXPECT_EQ(r->body, std::string(50000, 'b')) << path;
  }
}

}  // namespace
}  // namespace otguard::platform
