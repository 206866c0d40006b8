#include "otguard/sigdb/database.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "otguard/platform/crypto.h"
#include "testing/temp_dir.h"

namespace otguard::sigdb {
namespace {

namespace fs = std::filesystem;

using testutil::TempDir;

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ByteSpan Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// MD5, SHA-1 and SHA-256 of `data`, through the platform's hashing.
Digests DigestsOf(std::string_view data) {
  auto digest = platform::MultiDigest::Create(
      DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha1) | DigestBit(DigestKind::kSha256));
  EXPECT_TRUE(digest.has_value());
  EXPECT_TRUE(digest->Update(Bytes(data)).ok());
  auto d = digest->Finish();
  EXPECT_TRUE(d.has_value());
  return *d;
}

const std::string kSample = "hello hash world\nhello hash world\nhello hash world\n";

std::string HexOf(ByteSpan b) { return HexEncode(b); }

std::vector<SourceText> SampleSources() {
  Digests d = DigestsOf(kSample);
  std::string n = std::to_string(kSample.size());
  return {
      {"main.hdb", HexOf(*d.md5) + ":" + n + ":Test.Md5\n" + HexOf(*d.md5) + ":" +
                       std::to_string(kSample.size() + 1) + ":Test.WrongSize\n"},
      {"main.hsb",
       HexOf(*d.sha1) + ":" + n + ":Test.Sha1\n" + HexOf(*d.sha256) + ":*:Test.AnySize:73\n"},
      {"main.ndb", "Test.Body:0:*:" + HexEncode(Bytes("hash world")) + "\n"},
  };
}

// Compiles SampleSources(), saves the database at `path` and returns its bytes (empty on
// failure, which the caller asserts against).
std::string SaveSample(const std::string& path) {
  auto db = Database::CompileText(SampleSources(), {}, nullptr);
  if (!db || !(*db)->Save(path).ok()) return "";
  return ReadFile(path);
}

std::set<std::string> Names(const std::vector<Detection>& ds) {
  std::set<std::string> s;
  for (const auto& d : ds) s.insert(d.name);
  return s;
}

TEST(Database, HashMatchingBySizeAndKind) {
  auto db = Database::CompileText(SampleSources(), {.include_builtin = false}, nullptr);
  ASSERT_TRUE(db) << db.error().ToString();
  EXPECT_EQ((*db)->NeededHashes(), DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha1) |
                                       DigestBit(DigestKind::kSha256));
  std::vector<Detection> out;
  (*db)->MatchHashes(DigestsOf(kSample), kSample.size(), MatchMode::kAll, &out);
  EXPECT_EQ(Names(out), (std::set<std::string>{"Test.Md5", "Test.Sha1", "Test.AnySize"}));
  for (const auto& d : out) EXPECT_EQ(d.kind, Detection::Kind::kHash);
  out.clear();
  (*db)->MatchHashes(DigestsOf(kSample), kSample.size(), MatchMode::kFirst, &out);
  EXPECT_EQ(out.size(), 1u);
  // Only the digests the scanner computed are looked up.
  out.clear();
  Digests only256;
  only256.sha256 = DigestsOf(kSample).sha256;
  (*db)->MatchHashes(only256, 12345, MatchMode::kAll, &out);
  EXPECT_EQ(Names(out), (std::set<std::string>{"Test.AnySize"}));
  out.clear();
  (*db)->MatchHashes(DigestsOf("other"), 5, MatchMode::kAll, &out);
  EXPECT_TRUE(out.empty());
}

TEST(Database, DetectionCarriesSource) {
  auto db = Database::CompileText(SampleSources(), {.include_builtin = false}, nullptr);
  ASSERT_TRUE(db);
  std::vector<Detection> out;
  (*db)->MatchBody(Bytes(kSample), nullptr, MatchMode::kAll, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "Test.Body");
  EXPECT_EQ(out[0].source, "main.ndb:1");
}

TEST(Database, AllowlistMatchesAnyDigestKind) {
  Digests d = DigestsOf(kSample);
  std::string n = std::to_string(kSample.size());
  for (std::string line : {HexOf(*d.md5) + ":" + n + ":Ok", HexOf(*d.sha256) + ":" + n + ":Ok",
                           HexOf(*d.sha1) + ":*:Ok:73"}) {
    for (const char* file : {"a.fp", "a.sfp"}) {
      std::vector<SourceText> src = SampleSources();
      src.push_back({file, line + "\n"});
      auto db = Database::CompileText(src, {.strict = true}, nullptr);
      ASSERT_TRUE(db);
      EXPECT_TRUE((*db)->IsAllowlisted(d, kSample.size())) << file << " " << line;
      EXPECT_FALSE((*db)->IsAllowlisted(DigestsOf("x"), 1));
      EXPECT_EQ((*db)->Info().allowlist_entries, 1u);
    }
  }
  std::vector<SourceText> src = SampleSources();
  src.push_back({"a.sfp", HexOf(*d.sha256) + ":" + std::to_string(kSample.size() + 1) + ":Ok\n"});
  auto db = Database::CompileText(src, {}, nullptr);
  ASSERT_TRUE(db);
  EXPECT_FALSE((*db)->IsAllowlisted(d, kSample.size()));
}

TEST(Database, DiagnosticsNameFileAndLineAndStrictFails) {
  std::vector<SourceText> src = {
      {"x.ndb", "Good:0:*:48454c4c4f\nBad:0:*:4845\n#c\nT:6:*:48454c4c4f\n"},
      {"y.hdb", "nothex:1:X\n"}};
  std::vector<Diagnostic> diags;
  auto db = Database::CompileText(src, {}, &diags);
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)->Info().body_signatures, 2u);  // Good + the built-in EICAR
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags[0].location, "x.ndb:2");
  EXPECT_EQ(diags[1].location, "x.ndb:4");
  EXPECT_NE(diags[1].message.find("unsupported"), std::string::npos);
  EXPECT_EQ(diags[2].location, "y.hdb:1");
  diags.clear();
  auto strict = Database::CompileText(src, {.strict = true}, &diags);
  EXPECT_FALSE(strict);
  EXPECT_EQ(diags.size(), 3u);
  std::vector<SourceText> unknown = {{"x.ldb", ""}};
  EXPECT_FALSE(Database::CompileText(unknown, {}, nullptr));
}

TEST(Database, SaveOpenRoundTrip) {
  TempDir dir;
  auto db = Database::CompileText(SampleSources(), {}, nullptr);
  ASSERT_TRUE(db);
  const std::string path = dir.File("sigs.ogdb");
  ASSERT_TRUE((*db)->Save(path).ok());
  EXPECT_TRUE(Database::IsCompiledFile(path));
  auto opened = Database::Open(path);
  ASSERT_TRUE(opened) << opened.error().ToString();
  DatabaseInfo a = (*db)->Info(), b = (*opened)->Info();
  EXPECT_EQ(b.format_version, 1u);
  EXPECT_EQ(a.checksum, b.checksum);
  EXPECT_EQ(b.checksum.size(), 64u);
  EXPECT_EQ(b.hash_signatures, 4u);
  EXPECT_EQ(b.body_signatures, 2u);
  EXPECT_GT(b.created_unix, 1600000000u);
  EXPECT_TRUE((*opened)->Verify().ok());
  std::vector<Detection> out;
  (*opened)->MatchHashes(DigestsOf(kSample), kSample.size(), MatchMode::kAll, &out);
  (*opened)->MatchBody(Bytes(kSample), nullptr, MatchMode::kAll, &out);
  EXPECT_EQ(Names(out),
            (std::set<std::string>{"Test.Md5", "Test.Sha1", "Test.AnySize", "Test.Body"}));
  // Saving over an existing database replaces it.
  ASSERT_TRUE((*opened)->Save(path).ok());
  EXPECT_TRUE(Database::Open(path));
  WriteFile(dir.File("plain.ndb"), "x");
  EXPECT_FALSE(Database::IsCompiledFile(dir.File("plain.ndb")));
  EXPECT_FALSE(Database::IsCompiledFile(dir.File("missing")));
  EXPECT_EQ(Database::Open(dir.File("missing")).error().code(), StatusCode::kNotFound);
}

TEST(Database, EveryFlippedByteIsCaught) {
  TempDir dir;
  const std::string path = dir.File("sigs.ogdb");
  const std::string good = SaveSample(path);
  ASSERT_FALSE(good.empty());
  // Every byte that belongs to the header, directory or a section (padding aside) matters.
  size_t caught = 0;
  for (size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    WriteFile(path, bad);
    auto opened = Database::Open(path);
    if (!opened) {
      EXPECT_EQ(opened.error().code(), StatusCode::kCorrupt) << i;
      ++caught;
    } else {
      ADD_FAILURE() << "flip at " << i << " not detected";
    }
  }
  EXPECT_GT(caught, 0u);
}

TEST(Database, TruncatedAndGarbageFilesAreCorrupt) {
  TempDir dir;
  const std::string path = dir.File("sigs.ogdb");
  const std::string good = SaveSample(path);
  ASSERT_FALSE(good.empty());
  for (size_t len : {size_t{0}, size_t{7}, size_t{100}, good.size() / 2, good.size() - 1}) {
    WriteFile(path, good.substr(0, len));
    auto opened = Database::Open(path);
    ASSERT_FALSE(opened) << len;
    EXPECT_EQ(opened.error().code(), StatusCode::kCorrupt) << len;
  }
  WriteFile(path, good + "x");
  EXPECT_FALSE(Database::Open(path));
  EXPECT_FALSE(Database::OpenMemory(Bytes("OTGSIGDB and then nonsense")));
}

TEST(Database, CompileFilesReadsDirectories) {
  TempDir dir;
  for (const auto& s : SampleSources()) WriteFile(dir.File(s.name), s.text);
  WriteFile(dir.File("other.ldb"), "ignored");
  std::vector<std::string> paths = {dir.File("")};
  std::vector<Diagnostic> diags;
  auto db = Database::CompileFiles(paths, {}, &diags);
  ASSERT_TRUE(db) << db.error().ToString();
  EXPECT_EQ((*db)->Info().hash_signatures, 4u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].location.find("other.ldb"), std::string::npos);
  std::vector<std::string> missing = {dir.File("nope.ndb")};
  EXPECT_FALSE(Database::CompileFiles(missing, {}, nullptr));
}

// A database past the eager-verification limit: its hash tables are verified lazily. A
// corrupt block then costs the signatures in it (logged), never a wrong answer or a crash,
// and Verify() reports it.
TEST(Database, LargeDatabaseVerifiesHashBlocksLazily) {
  std::string hsb;
  std::mt19937_64 rng(7);
  std::vector<std::array<uint8_t, 32>> digests(300000);
  for (auto& d : digests) {
    for (auto& b : d) b = static_cast<uint8_t>(rng());
    hsb += HexEncode(d) + ":100:H" + std::to_string(&d - digests.data()) + "\n";
  }
  std::vector<SourceText> src = {{"big.hsb", hsb}};
  auto db = Database::CompileText(src, {.strict = true}, nullptr);
  ASSERT_TRUE(db);
  for (size_t i = 0; i < digests.size(); i += 997) {
    Digests fd;
    fd.sha256 = digests[i];
    std::vector<Detection> out;
    (*db)->MatchHashes(fd, 100, MatchMode::kAll, &out);
    ASSERT_EQ(out.size(), 1u) << i;
    EXPECT_EQ(out[0].name, "H" + std::to_string(i));
    out.clear();
    (*db)->MatchHashes(fd, 101, MatchMode::kAll, &out);
    EXPECT_TRUE(out.empty());
  }
  TempDir dir;
  const std::string path = dir.File("big.ogdb");
  ASSERT_TRUE((*db)->Save(path).ok());
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 5] ^= 1;  // inside the last (lazy) table
  WriteFile(path, bytes);
  auto opened = Database::Open(path);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ((*opened)->Verify().code(), StatusCode::kCorrupt);
  Digests fd;
  fd.sha256 = digests[0];
  std::vector<Detection> out;
  (*opened)->MatchHashes(fd, 100, MatchMode::kAll, &out);
  EXPECT_EQ(out.size(), 1u);  // an intact block still answers
}

// A quick differential check against clamscan (the full differential test lives elsewhere).
// clamav is a declared test dependency (scripts/install-deps.sh, which `make test` runs).
TEST(Database, AgreesWithClamscanOnSmallSet) {
  ASSERT_EQ(std::system("clamscan --version >/dev/null 2>&1"), 0)
      << "clamscan is missing: run scripts/install-deps.sh";
  TempDir dir;
  fs::create_directories(dir.File("db"));
  fs::create_directories(dir.File("files"));
  const std::string ndb =
      "D.Star:0:*:48454c4c4f*574f524c44\nD.Gap:0:*:48454c4c4f{3}574f524c44\n"
      "D.NoGap:0:*:48454c4c4f{2}574f524c44\nD.Alt:0:*:48454c4c4f(11|22)2233\n"
      "D.Neg:0:*:48454c4c4f!(11|22)2233\nD.Off:0:100:48454c4c4f\nD.Eof:0:EOF-63:48454c4c4f\n"
      "D.Nib:0:*:48454c4c4?1?\nD.Range:0:*:4845{1-1000}574f524c44\n";
  WriteFile(dir.File("db/t.ndb"), ndb);
  const std::string b = std::string(100, '\0') + "HELLO\x11\x22\x33WORLD" + std::string(50, '\0');
  WriteFile(dir.File("files/b"), b);
  const std::string cmd = "clamscan --allmatch --no-summary -d " + dir.File("db") + " " +
                          dir.File("files") + " > " + dir.File("out.txt") + " 2>&1";
  (void)std::system(cmd.c_str());
  std::set<std::string> clam;
  std::istringstream lines(ReadFile(dir.File("out.txt")));
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find(": ");
    size_t found = line.rfind(".UNOFFICIAL FOUND");
    if (at != std::string::npos && found != std::string::npos)
      clam.insert(line.substr(at + 2, found - at - 2));
  }
  std::vector<SourceText> src = {{"t.ndb", ndb}};
  auto db = Database::CompileText(src, {.strict = true, .include_builtin = false}, nullptr);
  ASSERT_TRUE(db);
  std::vector<Detection> out;
  (*db)->MatchBody(Bytes(b), nullptr, MatchMode::kAll, &out);
  EXPECT_EQ(Names(out), clam);
  EXPECT_EQ(clam.size(), 7u);
}

}  // namespace
}  // namespace otguard::sigdb
