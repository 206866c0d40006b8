// The STIX 2.1 patterning language (OASIS STIX Version 2.1, 2021, section 9): a parser to a
// syntax tree. Only the STIX import (stix.cc) uses it; it decides what it can express.
#ifndef OTGUARD_SRC_HOST_STIX_PATTERN_H_
#define OTGUARD_SRC_HOST_STIX_PATTERN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::host::stix {

// Limits that keep a hostile pattern cheap: nesting of ( and [, and the pattern's length.
constexpr int kMaxDepth = 64;
// Real patterns are long: Mandiant's APT1 Appendix G ORs a thousand MD5s in one pattern.
constexpr size_t kMaxPatternBytes = 1024 * 1024;

struct Literal {
  enum class Type { kString, kInt, kFloat, kBool, kBinary, kHex, kTimestamp };
  Type type = Type::kString;
  std::string value;  // strings unescaped; b'', h'', t'' without their prefix and quotes
};

// "file:hashes.'SHA-256'": type "file", steps {"hashes", "SHA-256"}; "protocols[*]" is a step
// "protocols" and a step "[*]" (list indexes keep their brackets).
struct ObjectPath {
  std::string type;
  std::vector<std::string> steps;
  // The steps joined with '.' before each key: "hashes.SHA-256", "dst_ref.value", "protocols[*]".
  std::string Property() const;
};

struct Comparison {
  ObjectPath path;
  bool negated = false;  // NOT before the operator
  std::string op;        // "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
                         // "ISSUPERSET", "EXISTS"
  std::vector<Literal> values;  // one, or the members of an IN set; none for EXISTS
  size_t begin = 0, end = 0;    // offsets of the comparison's text in the pattern
};

// Inside [ ]: comparisons joined by AND and OR (n-ary, AND binds tighter), with parentheses.
struct ComparisonExpr {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  Comparison comparison;
  std::vector<ComparisonExpr> children;
  size_t begin = 0, end = 0;  // offsets of the expression's text
};

// Observation expressions joined by AND, OR, FOLLOWEDBY (n-ary; AND binds tightest, FOLLOWEDBY
// loosest), each with its qualifiers (WITHIN, REPEATS, START/STOP) as written.
struct ObservationExpr {
  enum class Kind { kObservation, kAnd, kOr, kFollowedBy };
  Kind kind = Kind::kObservation;
  ComparisonExpr comparison;  // kObservation: the [ ... ]
  std::vector<ObservationExpr> children;
  std::vector<std::string> qualifiers;  // "WITHIN 600 SECONDS", as written
  size_t begin = 0, end = 0;            // offsets of the expression's text
};

// Parses a pattern. InvalidArgument "syntax error at offset N: <what>" (N counts bytes from 0)
// for text the grammar does not accept, nesting deeper than kMaxDepth or a pattern longer
// than kMaxPatternBytes.
Result<ObservationExpr> ParsePattern(std::string_view pattern);

}  // namespace otguard::host::stix

#endif  // OTGUARD_SRC_HOST_STIX_PATTERN_H_
