// Measures the signature database at the scale (not a test):
//   sigdb_bench gen DIR [HASHES BODIES [random]]  writes DIR/big.hsb and DIR/big.ndb
//   sigdb_bench open DB.ogdb                Open() time and resident memory
//   sigdb_bench scan DB.ogdb FILE...        MatchBody throughput on one core (files preloaded)
// Half of the generated body signatures are byte strings cut from /usr/bin programs (so their
// anchors are common code and many match: a worst case), the other half random ("random":
// all, like malware signatures over clean files); some have wildcards, gaps, alternatives.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "otguard/sigdb/database.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

long StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

const char kHex[] = "0123456789abcdef";

std::string HexOf(const std::string& bytes) {
  std::string s;
  for (unsigned char c : bytes) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

bool g_random_only = false;

std::string BodyPattern(std::mt19937_64& rng, const std::vector<std::string>& programs) {
  std::string bytes(10 + rng() % 30, '\0');
  if (!g_random_only && rng() % 2 && !programs.empty()) {
    // Real signatures are chosen to be distinctive: skip windows of padding or few values.
    const std::string& p = programs[rng() % programs.size()];
    for (int tries = 0; tries < 100 && p.size() > bytes.size(); ++tries) {
      std::string w = p.substr(rng() % (p.size() - bytes.size()), bytes.size());
      if (std::set<char>(w.begin(), w.end()).size() >= bytes.size() / 2) {
        bytes = w;
        break;
      }
    }
  } else {
    for (auto& c : bytes) c = static_cast<char>(rng());
  }
  std::string hex = HexOf(bytes);
  switch (rng() % 10) {
    case 0:
      hex.replace(8, 2, "??");
      break;
    case 1:
      hex.insert(12, "*");
      break;
    case 2:
      hex.insert(12, "{4-32}");
      break;
    case 3:
      hex.insert(10, "(aa|bb|" + hex.substr(10, 2) + ")");
      break;
    default:
      break;
  }
  return hex;
}

int Gen(const std::string& dir, long hashes, long bodies) {
  fs::create_directories(dir);
  std::mt19937_64 rng(42);
  {
    std::ofstream out(dir + "/big.hsb");
    std::string digest(32, '\0');
    for (long i = 0; i < hashes; ++i) {
      for (auto& c : digest) c = static_cast<char>(rng());
      out << HexOf(digest) << ":" << (1000 + rng() % 1000000) << ":Bench.Sha256." << i << "\n";
    }
  }
  std::vector<std::string> programs;
  for (const auto& e : fs::directory_iterator("/usr/bin")) {
    if (programs.size() >= 50) break;
    if (e.is_regular_file() && e.file_size() > 100000) programs.push_back(ReadFile(e.path()));
  }
  std::ofstream out(dir + "/big.ndb");
  for (long i = 0; i < bodies; ++i) {
    out << "Bench.Body." << i << ":0:*:" << BodyPattern(rng, programs) << "\n";
  }
  return 0;
}

int Open(const std::string& path) {
  long before = StatusKb("VmRSS:");
  auto t0 = Clock::now();
  auto db = otguard::sigdb::Database::Open(path);
  auto t1 = Clock::now();
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
    return 2;
  }
  otguard::Digests d;
  d.sha256.emplace();
  std::vector<otguard::sigdb::Detection> out;
  auto t2 = Clock::now();
  (*db)->MatchHashes(d, 1234, otguard::sigdb::MatchMode::kAll, &out);
  auto t3 = Clock::now();
  auto info = (*db)->Info();
  std::printf(
      "open: %.2f ms, first hash lookup %.1f us, RSS %ld KB -> %ld KB (peak %ld KB); %llu hash, "
      "%llu body\n",
      std::chrono::duration<double, std::milli>(t1 - t0).count(),
      std::chrono::duration<double, std::micro>(t3 - t2).count(), before, StatusKb("VmRSS:"),
      StatusKb("VmHWM:"), static_cast<unsigned long long>(info.hash_signatures),
      static_cast<unsigned long long>(info.body_signatures));
  return 0;
}

int Scan(const std::string& path, int argc, char** argv) {
  auto db = otguard::sigdb::Database::Open(path);
  if (!db) return 2;
  std::vector<std::string> files;
  size_t total = 0;
  for (int i = 0; i < argc; ++i) {
    files.push_back(ReadFile(argv[i]));
    total += files.back().size();
  }
  std::vector<otguard::sigdb::Detection> out;
  auto t0 = Clock::now();
  for (const auto& f : files) {
    (*db)->MatchBody(otguard::ByteSpan(reinterpret_cast<const uint8_t*>(f.data()), f.size()),
                     nullptr, otguard::sigdb::MatchMode::kAll, &out);
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("scan: %zu files, %.1f MB in %.3f s = %.0f MB/s, %zu detections\n", files.size(),
              total / 1e6, s, total / 1e6 / s, out.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "gen") {
    g_random_only = argc > 5 && std::string(argv[5]) == "random";
    return Gen(argv[2], argc > 3 ? std::stol(argv[3]) : 1000000,
               argc > 4 ? std::stol(argv[4]) : 50000);
  }
  if (argc == 3 && std::string(argv[1]) == "open") return Open(argv[2]);
  if (argc >= 4 && std::string(argv[1]) == "scan") return Scan(argv[2], argc - 3, argv + 3);
  std::fprintf(stderr, "usage: sigdb_bench gen DIR [HASHES BODIES] | open DB | scan DB FILE...\n");
  return 2;
}
