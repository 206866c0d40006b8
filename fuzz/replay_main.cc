// Runs a fuzz target over every file of a seed corpus (a directory or files), without
// libFuzzer: CTest replays each corpus with the normal compiler so a regression shows in
// `make test`. A crash, sanitizer report or hang fails the test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
int RunFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  size_t runs = 0;
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path root(argv[i]);
    if (std::filesystem::is_directory(root)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (!e.is_regular_file()) continue;
        failures += RunFile(e.path());
        ++runs;
      }
    } else {
      failures += RunFile(root);
      ++runs;
    }
  }
  // Also the empty input, which every parser must survive.
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::printf("replay: %zu inputs\n", runs);
  if (runs == 0) {
    std::fprintf(stderr, "replay: empty corpus\n");
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
