// A program the Linux tests start as another process: `test_child sleep SECONDS` lives that
// long (a process to find by pid, parent and command line).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    sleep(static_cast<unsigned>(std::atoi(argv[2])));
    return 0;
  }
  std::fprintf(stderr, "usage: test_child sleep SECONDS\n");
  return 2;
}
