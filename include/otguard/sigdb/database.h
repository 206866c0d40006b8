// The signature database: ClamAV-compatible hash and body signatures, compiled once into an
// immutable object that any number of threads match against concurrently.
//
// Sources are ClamAV signature files (.hdb, .hsb, .ndb, .fp, .sfp); the compiled form is
// otguard's own versioned, checksummed file, memory-mapped read-only by Open().
#ifndef OTGUARD_SIGDB_DATABASE_H_
#define OTGUARD_SIGDB_DATABASE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/base/digests.h"
#include "otguard/base/status.h"

namespace otguard::sigdb {

// The digests a database needs and gets are otguard::DigestSet / otguard::Digests
// (base/digests.h): the scanner computes only the ones NeededHashes() names.

// ClamAV matches no signature, hash or body, on a file of 5 bytes or fewer; neither does
// otguard, so that verdicts agree (an empty-file hash is a classic false positive).
constexpr uint64_t kMinMatchableFileSize = 6;

// What the matcher needs to know of an executable's layout for target-1 signatures and
// EP/section offsets. The scanner fills it from src/pe; every offset is a file offset.
struct ExecutableLayout {
  struct Section {
    uint64_t offset = 0;  // raw data start in the file
    uint64_t size = 0;    // raw data size
  };
  std::optional<uint64_t> entry_point;  // unset when the EP maps outside the file
  std::vector<Section> sections;
};

struct Detection {
  enum class Kind { kHash, kBody };
  std::string name;  // signature name as written in the source (no .UNOFFICIAL suffix)
  Kind kind = Kind::kHash;
  std::string source;  // "file:line" of the signature, for the operator
};

// A line that was skipped (unsupported or malformed), with where and why.
struct Diagnostic {
  std::string location;  // "path:line"
  std::string message;
};

struct CompileOptions {
  bool strict = false;          // any Diagnostic makes compilation fail
  bool include_builtin = true;  // add the built-in EICAR test signature
};

// A named source text, for compiling from memory (tests, fuzzers, bundled content).
struct SourceText {
  std::string name;  // file name; its extension selects the format (.hdb, .hsb, .ndb, .fp, .sfp)
  std::string text;
};

struct DatabaseInfo {
  uint32_t format_version = 0;
  uint64_t hash_signatures = 0;    // .hdb + .hsb entries
  uint64_t body_signatures = 0;    // .ndb entries
  uint64_t allowlist_entries = 0;  // .fp + .sfp entries
  uint64_t created_unix = 0;
  std::string checksum;  // hex SHA-256 of the payload
};

enum class MatchMode { kFirst, kAll };

// Immutable once built; all const methods are thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  // Parses and compiles signature files. Unsupported or malformed lines are skipped and
  // reported in *diagnostics (may be null); with options.strict they fail the compilation.
  static Result<std::shared_ptr<const Database>> CompileFiles(std::span<const std::string> paths,
                                                              const CompileOptions& options,
                                                              std::vector<Diagnostic>* diagnostics);
  static Result<std::shared_ptr<const Database>> CompileText(std::span<const SourceText> sources,
                                                             const CompileOptions& options,
                                                             std::vector<Diagnostic>* diagnostics);

  // Maps a compiled database file read-only. Corrupt on a bad magic, version or checksum.
  // Open() checks the header, the directory and every part a body scan reads; the bulk hash
  // tables and names of a large database are checked block by block when first used (a
  // block that fails is ignored and logged), so opening a million signatures takes
  // milliseconds. Verify() checks everything.
  static Result<std::shared_ptr<const Database>> Open(const std::string& path);
  // The same from bytes in memory (bundles, tests, fuzzers); the bytes are copied.
  static Result<std::shared_ptr<const Database>> OpenMemory(ByteSpan bytes);
  // True when `path` starts with the compiled database's magic.
  static bool IsCompiledFile(const std::string& path);

  // Writes the compiled form atomically (temporary file, fsync, rename).
  virtual Status Save(const std::string& path) const = 0;
  virtual DatabaseInfo Info() const = 0;
  // Re-checks the payload checksum and every block checksum: Corrupt on a mismatch.
  // Not pure so that test doubles need not implement it (they get Unimplemented).
  virtual Status Verify() const;

  // The digests MatchHashes()/IsAllowlisted() need; compute only these.
  virtual DigestSet NeededHashes() const = 0;
  virtual bool HasBodySignatures() const = 0;
  // True when some body signature needs an ExecutableLayout (target 1, EP/section offsets).
  virtual bool NeedsLayout() const = 0;

  // True when the file is on a .fp/.sfp allowlist: the scanner then drops its detections.
  virtual bool IsAllowlisted(const Digests& digests, uint64_t size) const = 0;
  // Appends hash-signature detections for a file of `size` bytes.
  virtual void MatchHashes(const Digests& digests, uint64_t size, MatchMode mode,
                           std::vector<Detection>* out) const = 0;
  // Appends body-signature detections in `data` (the whole file). `layout` is null when the
  // file is not an executable (does not start with "MZ", as ClamAV decides target 1);
  // target-1 signatures then never match. An MZ file whose PE headers ClamAV would not load
  // gets a layout without entry point or sections: target-1 signatures at `*`, absolute and
  // EOF offsets still match it, EP/section offsets do not.
  virtual void MatchBody(ByteSpan data, const ExecutableLayout* layout, MatchMode mode,
                         std::vector<Detection>* out) const = 0;
};

}  // namespace otguard::sigdb

#endif  // OTGUARD_SIGDB_DATABASE_H_
