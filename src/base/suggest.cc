#include "otguard/base/suggest.h"

#include <algorithm>
#include <vector>

namespace otguard {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string_view ClosestWord(std::string_view word, std::span<const std::string_view> known,
                             size_t max_distance) {
  if (word.size() > 64) return {};
  std::string_view best;
  size_t best_distance = max_distance + 1;
  for (std::string_view k : known) {
    size_t d = EditDistance(word, k);
    if (d < best_distance) best = k, best_distance = d;
  }
  return best;
}

}  // namespace otguard
