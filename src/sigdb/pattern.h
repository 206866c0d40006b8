// Body-signature patterns: ClamAV's hex syntax parsed into a flat list of elements, and the
// exact verifier that checks a pattern around a candidate position.
//
// The element list is stored as is in the compiled database (fixed-size records plus a byte
// pool), so the verifier runs on the memory-mapped file without decoding.
#ifndef OTGUARD_SRC_SIGDB_PATTERN_H_
#define OTGUARD_SRC_SIGDB_PATTERN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"

namespace otguard::sigdb {

enum class ElemKind : uint8_t {
  kExact = 1,   // `count` bytes at pool[arg0]
  kMasked = 2,  // `count` (value, mask) pairs at pool[arg0]: ??, a?, ?a
  kGap = 3,     // skip between arg0 and arg1 bytes (kGapUnbounded: any number)
  kAlt = 4,     // `count` alternatives at pool[arg0]: each u16 length + (value, mask) pairs
};

constexpr uint32_t kGapUnbounded = 0xFFFFFFFFu;
constexpr uint32_t kAltVariable = 0xFFFFFFFFu;

// One on-disk element (12 bytes, 4-aligned).
struct Elem {
  uint8_t kind = 0;
  uint8_t negate = 0;  // kAlt: matches when no alternative does (fixed-length alternatives)
  uint16_t count = 0;
  uint32_t arg0 = 0;
  uint32_t arg1 = 0;  // kGap: max; kAlt: common length or kAltVariable
};
static_assert(sizeof(Elem) == 12);

// A parsed pattern before it is placed in a database.
struct Pattern {
  std::vector<Elem> elems;
  std::vector<uint8_t> pool;
};

// Parses a ClamAV .ndb hex signature. On failure the Status message says what is wrong and
// whether the construct is unsupported (kUnimplemented) or malformed (kInvalidArgument).
// Applies ClamAV's own acceptance rules (each part needs two fixed bytes, ...), so that a
// signature clamscan refuses is refused here too.
Result<Pattern> ParseHexPattern(std::string_view hex);

// Finds whether a pattern matches `data` with the element `anchor` starting at `anchor_pos`
// and the whole match starting in [start_min, start_max]. Exists-semantics: any placement of
// gaps and alternatives that fits counts, as with ClamAV. Bounded work: gives up (no match)
// after a fixed number of steps on pathological patterns.
// What earlier verifications of one signature in one file learned about its unbounded gaps
// (`*`, `{n-}`): whether the rest of the pattern can follow a gap depends only on where it
// starts, so a search that failed from position p need not be repeated from p or later
// (forward), nor below the end it already covered (backward). This keeps "A*B" linear when
// A is frequent and B absent.
struct GapMemo {
  uint64_t forward_fail_from = ~uint64_t{0};
  uint64_t backward_fail_to = 0;  // ends [lo, backward_fail_to) known to fail
  bool backward_known = false;
};

class GapMemoTable {
 public:
  virtual ~GapMemoTable() = default;
  virtual GapMemo* Get(uint32_t elem) = 0;
};

class Verifier {
 public:
  Verifier(ByteSpan data, const Elem* elems, uint32_t elem_count, const uint8_t* pool,
           GapMemoTable* memo = nullptr)
      : data_(data), elems_(elems), elem_count_(elem_count), pool_(pool), memo_(memo) {}

  bool MatchAt(uint32_t anchor, size_t anchor_pos, uint64_t start_min, uint64_t start_max);
  // Where the match found by the last successful MatchAt() ends (exclusive).
  size_t match_end() const { return end_; }

 private:
  bool Forward(uint32_t i, size_t pos);
  bool Backward(uint32_t i, size_t end);  // elements [0, i) must end at `end`
  bool GapForward(uint32_t i, size_t pos);
  bool GapBackward(uint32_t i, size_t end);
  bool GapForwardSearch(uint32_t i, size_t lo, size_t hi);
  bool GapBackwardSearch(uint32_t i, size_t lo, size_t hi);
  bool MaskedAt(const uint8_t* pairs, uint32_t n, size_t pos) const;
  // Charges work (recursion steps, and bytes skipped while searching) against a fixed
  // budget, so a pathological pattern costs a bounded time per candidate.
  bool Budget(uint64_t cost = 1) {
    steps_ += cost;
    exhausted_ = exhausted_ || steps_ > kMaxSteps;
    return !exhausted_;
  }

  static constexpr uint64_t kMaxSteps = 1u << 22;
  ByteSpan data_;
  const Elem* elems_;
  uint32_t elem_count_;
  const uint8_t* pool_;
  uint64_t start_min_ = 0;
  uint64_t start_max_ = 0;
  uint64_t steps_ = 0;
  bool exhausted_ = false;
  size_t end_ = 0;  // a failure after this is not proof, so it is not memoized
  GapMemoTable* memo_;
};

// Checks that a stored element list only refers to bytes inside a pool of `pool_size` bytes
// (for databases read from disk). Returns false when any reference is out of range.
bool ValidateElems(const Elem* elems, uint32_t count, const uint8_t* pool, size_t pool_size);

}  // namespace otguard::sigdb

#endif  // OTGUARD_SRC_SIGDB_PATTERN_H_
