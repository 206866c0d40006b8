// Helpers shared by the scan tests: a temporary directory and a fake signature database.
#ifndef OTGUARD_SRC_SCAN_TEST_UTIL_H_
#define OTGUARD_SRC_SCAN_TEST_UTIL_H_

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "otguard/sigdb/database.h"
#include "testing/temp_dir.h"

namespace otguard::scan::testing {

using testutil::ReadAll;
using testutil::TempDir;

// A database that matches a body substring and a whole-file SHA-256 and allowlists by SHA-256;
// it stands in for src/sigdb so the scanner's own logic is tested alone.
class FakeDatabase : public sigdb::Database {
 public:
  std::vector<std::pair<std::string, std::string>> body;                // {name, substring}
  std::vector<std::pair<std::string, std::array<uint8_t, 32>>> sha256;  // {name, digest}
  std::vector<std::array<uint8_t, 32>> allow_sha256;
  DigestSet needed = DigestBit(DigestKind::kSha256);
  mutable int body_calls = 0;

  Status Save(const std::string&) const override { return Unimplemented("fake"); }
  sigdb::DatabaseInfo Info() const override { return {}; }
  Status Verify() const override { return Status::Ok(); }
  DigestSet NeededHashes() const override { return needed; }
  bool HasBodySignatures() const override { return !body.empty(); }
  bool NeedsLayout() const override { return false; }
  bool IsAllowlisted(const Digests& d, uint64_t) const override {
    for (const auto& a : allow_sha256) {
      if (d.sha256 && *d.sha256 == a) return true;
    }
    return false;
  }
  void MatchHashes(const Digests& d, uint64_t, sigdb::MatchMode mode,
                   std::vector<sigdb::Detection>* out) const override {
    for (const auto& [name, digest] : sha256) {
      if (d.sha256 && *d.sha256 == digest) {
        out->push_back({name, sigdb::Detection::Kind::kHash, "fake.hsb:1"});
        if (mode == sigdb::MatchMode::kFirst) return;
      }
    }
  }
  void MatchBody(ByteSpan data, const sigdb::ExecutableLayout*, sigdb::MatchMode mode,
                 std::vector<sigdb::Detection>* out) const override {
    ++body_calls;
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    for (const auto& [name, needle] : body) {
      if (text.find(needle) != std::string_view::npos) {
        out->push_back({name, sigdb::Detection::Kind::kBody, "fake.ndb:1"});
        if (mode == sigdb::MatchMode::kFirst) return;
      }
    }
  }
};

}  // namespace otguard::scan::testing

#endif  // OTGUARD_SRC_SCAN_TEST_UTIL_H_
