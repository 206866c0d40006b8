// A program the Linux tests start as another process. Modes:
//   test_child sleep SECONDS            lives that long (a process to find by pid, parent and
//                                       command line)
//   test_child listen READY SECONDS     listens on 127.0.0.1 port 0, writes the port to READY
//                                       (written to READY.tmp, then renamed: READY is never
//                                       seen half written), keeps listening that long
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int Listen(const char* ready, const char* seconds) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 4) != 0) {
    return 3;
  }
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string tmp = std::string(ready) + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return 4;
  std::fprintf(f, "%u", static_cast<unsigned>(ntohs(addr.sin_port)));
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), ready) != 0) return 5;
  sleep(static_cast<unsigned>(std::atoi(seconds)));
  close(s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    sleep(static_cast<unsigned>(std::atoi(argv[2])));
    return 0;
  }
  if (argc >= 4 && std::strcmp(argv[1], "listen") == 0) return Listen(argv[2], argv[3]);
  std::fprintf(stderr, "usage: test_child sleep SECONDS | listen READY SECONDS\n");
  return 2;
}
