// "Did you mean ...?" for names typed by hand (keys of policy, allowlist and pack files).
//
// Thread-safety: pure functions.
#ifndef OTGUARD_BASE_SUGGEST_H_
#define OTGUARD_BASE_SUGGEST_H_

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string_view>

namespace otguard {

// Levenshtein distance (insertions, deletions, substitutions of bytes).
size_t EditDistance(std::string_view a, std::string_view b);

// The known word closest to `word` when it is within `max_distance` edits (the first of equally
// close ones); "" when none is, or when `word` is longer than 64 bytes (no quadratic work on
// hostile input).
std::string_view ClosestWord(std::string_view word, std::span<const std::string_view> known,
                             size_t max_distance = 2);

}  // namespace otguard

#endif  // OTGUARD_BASE_SUGGEST_H_
