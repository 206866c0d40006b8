// Authenticode digests and the export's file facts on real PE files, against osslsigncode
// (Linux only: it runs openssl and osslsigncode, and reads Wine's and ClamAV's files, which
// scripts/install-deps.sh installs). Excluded from the Windows build in CMakeLists.txt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "host/file_hasher.h"
#include "otguard/host/allowlist_export.h"
#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

namespace fs = std::filesystem;
using internal::FileHasher;
using internal::FileHashes;
using ::testing::HasSubstr;
using testutil::TempDir;

FileHasher NewHasher() {
  auto hasher = FileHasher::Create(uint64_t{1} << 30);
  EXPECT_TRUE(hasher.has_value());
  return std::move(*hasher);
}
std::string Shell(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  *status = pclose(pipe);
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Real PE files of both word sizes: a sample of Wine's DLLs and ClamAV's test executables.
std::vector<fs::path> RealPeFiles() {
  std::vector<fs::path> files;
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
                          "/usr/lib/x86_64-linux-gnu/wine/i386-windows",
                          "/usr/lib/i386-linux-gnu/wine/i386-windows"}) {
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> all;
    for (const auto& e : fs::directory_iterator(dir)) all.push_back(e.path());
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size(); i += std::max<size_t>(1, all.size() / 12)) {
      files.push_back(all[i]);
    }
  }
  const fs::path clam = "/usr/share/clamav-testfiles";
  if (fs::is_directory(clam)) {
    for (const auto& e : fs::directory_iterator(clam)) {
      if (e.path().extension() == ".exe") files.push_back(e.path());
    }
  }
  return files;
}

// The digest osslsigncode (an independent implementation) signs into a file and recomputes on
// verification equals ours, on real files signed with a throw-away certificate; and signing does
// not change the digest of a file whose size needed no padding (what catalogs rely on).
TEST(FileHasher, AuthenticodeDigestMatchesOsslsigncode) {
  int status = 0;
  Shell("command -v osslsigncode && command -v openssl", &status);
  ASSERT_EQ(status, 0) << "osslsigncode or openssl is missing: run scripts/install-deps.sh";
  const std::vector<fs::path> files = RealPeFiles();
  ASSERT_GE(files.size(), 10u) << "no real PE files: wine64 and clamav-testfiles are missing "
                                  "(scripts/install-deps.sh)";
  TempDir dir;
  const std::string key = dir.File("key.pem"), cert = dir.File("cert.pem");
  std::string out = Shell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout " + key +
                              " -out " + cert + " -subj '/CN=otguard test'",
                          &status);
  ASSERT_EQ(status, 0) << out;
  const std::regex calculated("Calculated message digest *: *([0-9A-Fa-f]{64})");
  FileHasher hasher = NewHasher();
  size_t compared = 0, unchanged_by_signing = 0, refused = 0;
  for (const fs::path& file : files) {
    const std::string signed_path = dir.File("signed_" + file.filename().string());
    out = Shell("osslsigncode sign -certs " + cert + " -key " + key + " -h sha256 -in '" +
                    file.string() + "' -out '" + signed_path + "'",
                &status);
    FileHashes original = hasher.Hash(file.string(), true);
    if (status != 0) {
      // osslsigncode refuses to sign some of ClamAV's deliberately odd files (SizeOfHeaders
      // 0x0C): nothing to compare with. Windows hashes them all the same.
      ++refused;
      continue;
    }
    out = Shell("osslsigncode verify -in '" + signed_path + "'", &status);  // self-signed: fails
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, calculated)) << file << ": " << out;
    FileHashes signed_hashes = hasher.Hash(signed_path, true);
    EXPECT_EQ(signed_hashes.authenticode_sha256, Lower(m[1].str()))
        << file << ": " << signed_hashes.authenticode_error;
    ++compared;
    if (original.size % 8 == 0) {
      EXPECT_EQ(original.authenticode_sha256, signed_hashes.authenticode_sha256) << file;
      ++unchanged_by_signing;
    }
    fs::remove(signed_path);
  }
  std::printf(
      "compared %zu files with osslsigncode (%zu unchanged by signing), %zu refused by it\n",
      compared, unchanged_by_signing, refused);
  EXPECT_GE(compared, 10u) << refused << " refused";
  EXPECT_GE(unchanged_by_signing, 1u);
}

// A certificate table pointing past the end of the file is refused, never read out of bounds.
TEST(FileHasher, CertificateTableBeyondTheFileIsRefused) {
  const fs::path notepad = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/notepad.exe";
  ASSERT_TRUE(fs::exists(notepad)) << "wine64 is missing: run scripts/install-deps.sh";
  std::string bytes = testutil::ReadAll(notepad.string());
  const uint32_t lfanew = *reinterpret_cast<const uint32_t*>(&bytes[0x3C]);
  const size_t entry = lfanew + 24 + 112 + 4 * 8;  // PE32+ data directory, index 4
  const uint32_t past_end = static_cast<uint32_t>(bytes.size() - 8);
  const uint32_t size = 64;
  bytes.replace(entry, 4, reinterpret_cast<const char*>(&past_end), 4);
  bytes.replace(entry + 4, 4, reinterpret_cast<const char*>(&size), 4);
  TempDir dir;
  FileHasher hasher = NewHasher();
  FileHashes h = hasher.Hash(dir.Write("bad.exe", bytes), true);
  EXPECT_EQ(h.error, "");  // the flat digests are still there
  EXPECT_EQ(h.sha256.size(), 64u);
  EXPECT_EQ(h.authenticode_sha256, "");
  EXPECT_NE(h.authenticode_error.find("beyond the end of the file"), std::string::npos)
      << h.authenticode_error;
}
// On the station, a hash rule's file gives AppLocker its Authenticode hash and SRP its MD5 and
// size; a file changed since approval gives nothing (and says so), so the rule is widened with
// a comment instead of allowing the new content by hash.
TEST(CollectExportFacts, HashRulesGetTheStationsFileFacts) {
  const std::string source = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/notepad.exe";
  ASSERT_TRUE(std::filesystem::exists(source)) << "wine64 is missing: run scripts/install-deps.sh";
  testutil::TempDir dir;
  const std::string program = dir.Write("opc.exe", testutil::ReadAll(source));
  const std::string changed = dir.Write("hmi.exe", testutil::ReadAll(source) + "x");
  auto hasher = internal::FileHasher::Create(uint64_t{1} << 30);
  ASSERT_TRUE(hasher.has_value());
  const internal::FileHashes want = hasher->Hash(program, true);
  ASSERT_EQ(want.authenticode_sha256.size(), 64u) << want.authenticode_error;

  Allowlist a;
  a.host = "es-01";
  a.version = 1;
  a.processes.push_back({.id = "p-000000000001",
                         .kind = ProcessRuleKind::kHash,
                         .path = program,
                         .sha256 = {want.sha256}});
  a.processes.push_back({.id = "p-000000000002",
                         .kind = ProcessRuleKind::kHash,
                         .path = changed,
                         .sha256 = {std::string(64, 'a')}});
  a.processes.push_back({.id = "p-000000000003",
                         .kind = ProcessRuleKind::kPublisherPath,
                         .path = dir.path() + "/",
                         .signer = "Yokogawa Electric Corporation"});
  ExportOptions options;
  ExportFactsReport report;
  CollectExportFacts(a, &options, &report);
  EXPECT_EQ(report.files_hashed, 2u);
  EXPECT_EQ(report.hashes_found, 1u);
  EXPECT_EQ(report.publishers_found, 0u);
  ASSERT_EQ(options.files.count(want.sha256), 1u);
  const ExportFileFacts& facts = options.files.at(want.sha256);
  EXPECT_EQ(facts.file_name, "opc.exe");
  EXPECT_EQ(facts.size, want.size);
  EXPECT_EQ(facts.md5, want.md5);
  EXPECT_EQ(facts.authenticode_sha256, want.authenticode_sha256);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_THAT(report.problems[0], HasSubstr("p-000000000002: " + changed + ": its SHA-256 "));
  EXPECT_THAT(report.problems[0], HasSubstr("none the rule allows"));
  EXPECT_THAT(report.problems[1], HasSubstr("p-000000000003: "));
  EXPECT_THAT(report.problems[1], HasSubstr("checked on Windows only"));

  // The AppLocker export now has a hash rule for opc.exe with the Authenticode digest.
  options.windows_defaults = true;
  auto xml = (*FindExportTarget("applocker"))->Export(a, options);
  ASSERT_TRUE(xml.has_value()) << xml.error().ToString();
  std::string upper = want.authenticode_sha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_THAT(*xml, HasSubstr("<FileHash Type=\"SHA256\" Data=\"0x" + upper +
                              "\" SourceFileName=\"opc.exe\" SourceFileLength=\"" +
                              std::to_string(want.size) + "\" />"));
  // An operator's --publisher is never overridden nor looked for.
  options = {};
  options.publishers["Yokogawa Electric Corporation"] = "O=YOKOGAWA, C=JP";
  report = {};
  CollectExportFacts(a, &options, &report);
  EXPECT_EQ(options.publishers.at("Yokogawa Electric Corporation"), "O=YOKOGAWA, C=JP");
  EXPECT_EQ(report.problems.size(), 1u);
}

}  // namespace
}  // namespace otguard::host
