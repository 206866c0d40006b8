#include "otguard/platform/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "otguard/platform/processes.h"
#include "platform/testing/socket_checks.h"

extern char** environ;

namespace otguard::platform {
namespace {

// A socket closed when the test ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Binds `s` to the loopback address of `family` with port 0; returns the port (0 on failure).
uint16_t BindLoopback(int s, int family) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  }
  if (bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) return 0;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

using test_support::ExpectListener;
using test_support::MatchingSockets;

void ExpectListenerFound(int family, const char* address) {
  Socket s(socket(family, SOCK_STREAM, 0));
  // A host without IPv6 is the only reason not to test ::1; any other failure is a failure.
  if (family == AF_INET6 && s.fd() < 0 && errno == EAFNOSUPPORT) {
    GTEST_SKIP() << "this kernel has no IPv6 (socket: EAFNOSUPPORT)";
  }
  ASSERT_GE(s.fd(), 0) << std::strerror(errno);
  uint16_t port = BindLoopback(s.fd(), family);
  if (port == 0 && family == AF_INET6 && errno == EADDRNOTAVAIL) {
    GTEST_SKIP() << "IPv6 is disabled on the loopback interface (bind ::1: EADDRNOTAVAIL)";
  }
  ASSERT_NE(port, 0) << std::strerror(errno);
  ASSERT_EQ(listen(s.fd(), 4), 0);
  uint32_t owner = ExpectListener(family == AF_INET ? 4 : 6, port, address);
  EXPECT_EQ(owner, CurrentProcessId());
}

TEST(SocketsTest, FindsOwnIpv4Listener) { ExpectListenerFound(AF_INET, "127.0.0.1"); }

TEST(SocketsTest, FindsOwnIpv6Listener) { ExpectListenerFound(AF_INET6, "::1"); }

TEST(SocketsTest, ConnectedPairIsEstablishedBothWays) {
  Socket listener(socket(AF_INET, SOCK_STREAM, 0));
  uint16_t port = BindLoopback(listener.fd(), AF_INET);
  ASSERT_NE(port, 0);
  ASSERT_EQ(listen(listener.fd(), 4), 0);
  Socket client(socket(AF_INET, SOCK_STREAM, 0));
  uint16_t client_port = BindLoopback(client.fd(), AF_INET);
  ASSERT_NE(client_port, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  ASSERT_EQ(connect(client.fd(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  Socket server(accept(listener.fd(), nullptr, nullptr));
  ASSERT_GE(server.fd(), 0);

  auto client_side = MatchingSockets(SocketProtocol::kTcp, 4, client_port);
  ASSERT_EQ(client_side.size(), 1u);
  EXPECT_EQ(client_side[0].state, "ESTABLISHED");
  EXPECT_EQ(client_side[0].remote_address, "127.0.0.1");
  EXPECT_EQ(client_side[0].remote_port, port);
  EXPECT_EQ(client_side[0].pid, CurrentProcessId());

  bool server_side_found = false;
  for (const SocketEndpoint& e : MatchingSockets(SocketProtocol::kTcp, 4, port)) {
    if (e.state != "ESTABLISHED") continue;
    server_side_found = true;
    EXPECT_EQ(e.remote_port, client_port);
    EXPECT_EQ(e.remote_address, "127.0.0.1");
    EXPECT_EQ(e.pid, CurrentProcessId());
  }
  EXPECT_TRUE(server_side_found);
}

TEST(SocketsTest, FindsOwnUdpSocket) {
  Socket s(socket(AF_INET, SOCK_DGRAM, 0));
  uint16_t port = BindLoopback(s.fd(), AF_INET);
  ASSERT_NE(port, 0);
  auto found = MatchingSockets(SocketProtocol::kUdp, 4, port);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].local_address, "127.0.0.1");
  EXPECT_EQ(found[0].state, "");
  EXPECT_EQ(found[0].remote_address, "");
  EXPECT_EQ(found[0].pid, CurrentProcessId());
}

// Owners are found through other processes' descriptors too, not only this one's.
TEST(SocketsTest, FindsListenerOfChildWithChildPid) {
  std::filesystem::path ready = std::filesystem::path(::testing::TempDir()) /
                                ("otguard-sockets-ready-" + std::to_string(getpid()));
  std::filesystem::remove(ready);
  std::string path = OTGUARD_TEST_CHILD, ready_text = ready.string();
  char mode[] = "listen", seconds[] = "30";
  char* argv[] = {path.data(), mode, ready_text.data(), seconds, nullptr};
  pid_t child = -1;
  ASSERT_EQ(posix_spawn(&child, path.c_str(), nullptr, nullptr, argv, environ), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < deadline) {
    usleep(10'000);  // polling for the child's file, with a deadline
  }
  unsigned port = 0;
  std::ifstream(ready) >> port;
  std::vector<SocketEndpoint> found;
  if (port != 0) found = MatchingSockets(SocketProtocol::kTcp, 4, static_cast<uint16_t>(port));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::filesystem::remove(ready);
  ASSERT_NE(port, 0u);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].state, "LISTEN");
  EXPECT_EQ(found[0].pid, static_cast<uint32_t>(child));
}

}  // namespace
}  // namespace otguard::platform
