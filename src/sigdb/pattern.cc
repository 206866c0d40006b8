#include "sigdb/pattern.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace otguard::sigdb {
namespace {

constexpr size_t kMaxElems = 1000;
constexpr size_t kMaxAlternatives = 256;
constexpr uint64_t kMaxGap = 0x7FFFFFFF;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct BytePair {
  uint8_t value;
  uint8_t mask;
};

// Parses ClamAV's hex syntax left to right. Consecutive exact bytes become one kExact
// element, consecutive masked bytes one kMasked element; `*` and `{n-m}` ranges start a new
// "part" (ClamAV's subpattern), and each part must hold two fixed bytes in a row.
class HexParser {
 public:
  explicit HexParser(std::string_view s) : s_(s) {}

  Result<Pattern> Parse() {
    while (i_ < s_.size()) {
      OTGUARD_RETURN_IF_ERROR(Step());
      if (out_.elems.size() > kMaxElems) return Unexpected(Fail("pattern has too many elements"));
    }
    Flush();
    OTGUARD_RETURN_IF_ERROR(EndPart(/*last=*/true));
    return std::move(out_);
  }

 private:
  Status Step() {
    char c = s_[i_];
    if (c == '*') {
      ++i_;
      return Split(0, kGapUnbounded);
    }
    if (c == '{') return Brace();
    if (c == '!' && i_ + 1 < s_.size() && s_[i_ + 1] == '(') {
      ++i_;
      return Alternatives(/*negate=*/true);
    }
    if (c == '(') return Alternatives(/*negate=*/false);
    if (c == '[') return Unsupported("byte-range anchors [n-m] are not supported");
    auto pair = HexPair();
    if (!pair) return Fail("bad hex at column " + std::to_string(i_ + 1));
    AddByte(*pair);
    return Status();
  }

  std::optional<BytePair> HexPair() {
    if (i_ + 1 >= s_.size()) return std::nullopt;
    char a = s_[i_], b = s_[i_ + 1];
    int ha = HexValue(a), hb = HexValue(b);
    BytePair p{0, 0};
    if (a == '?' && b == '?') {
    } else if (a == '?' && hb >= 0) {
      p = {static_cast<uint8_t>(hb), 0x0F};
    } else if (ha >= 0 && b == '?') {
      p = {static_cast<uint8_t>(ha << 4), 0xF0};
    } else if (ha >= 0 && hb >= 0) {
      p = {static_cast<uint8_t>(ha << 4 | hb), 0xFF};
    } else {
      return std::nullopt;
    }
    i_ += 2;
    return p;
  }

  void AddByte(BytePair p) {
    part_nonempty_ = true;
    if (p.mask == 0xFF) {
      if (!masked_.empty()) Flush();
      exact_.push_back(p.value);
      ++run_;
      part_best_run_ = std::max(part_best_run_, run_);
    } else {
      if (!exact_.empty()) Flush();
      masked_.push_back(p);
      run_ = 0;
      part_only_exact_ = false;
    }
  }

  // Reads {n}, {-n}, {n-}, {n-m}. A fixed {n} stays inside the part; a range splits it.
  Status Brace() {
    size_t close = s_.find('}', i_);
    if (close == std::string_view::npos) return Fail("unterminated {");
    std::string_view body = s_.substr(i_ + 1, close - i_ - 1);
    i_ = close + 1;
    size_t dash = body.find('-');
    if (dash == std::string_view::npos) {
      auto n = Number(body);
      if (!n) return Fail("bad gap {" + std::string(body) + "}");
      Flush();
      run_ = 0;
      part_only_exact_ = false;
      part_nonempty_ = true;
      return Push({static_cast<uint8_t>(ElemKind::kGap), 0, 0, *n, *n});
    }
    std::string_view lo = body.substr(0, dash), hi = body.substr(dash + 1);
    auto min = lo.empty() ? std::optional<uint32_t>(0) : Number(lo);
    auto max = hi.empty() ? std::optional<uint32_t>(kGapUnbounded) : Number(hi);
    if (!min || !max || (lo.empty() && hi.empty())) {
      return Fail("bad gap {" + std::string(body) + "}");
    }
    if (*min > *max) return Fail("empty gap range {" + std::string(body) + "}");
    return Split(*min, *max);
  }

  static std::optional<uint32_t> Number(std::string_view t) {
    auto v = ParseDecimal(t, kMaxGap);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
  }

  // A `*` or range gap: closes the current part and starts the next.
  Status Split(uint32_t min, uint32_t max) {
    Flush();
    OTGUARD_RETURN_IF_ERROR(EndPart(/*last=*/false));
    return Push({static_cast<uint8_t>(ElemKind::kGap), 0, 0, min, max});
  }

  Status EndPart(bool last) {
    if (!part_nonempty_)
      return Fail("empty subpattern (a pattern cannot start or end with * or a range)");
    if (last && parts_ == 0 && part_only_exact_ && part_best_run_ < 3) {
      return Fail("signature too short (a fixed pattern needs at least 3 bytes)");
    }
    if (part_best_run_ < 2) return Fail("subpattern has no two fixed bytes in a row");
    ++parts_;
    part_nonempty_ = false;
    part_only_exact_ = true;
    part_best_run_ = 0;
    run_ = 0;
    return Status();
  }

  // (aa|bb|..) or !(aa|bb): alternatives of hex bytes, ?? or nibbles, and fixed {n}.
  Status Alternatives(bool negate) {
    size_t close = s_.find(')', i_);
    if (close == std::string_view::npos) return Fail("unterminated (");
    std::string_view body = s_.substr(i_ + 1, close - i_ - 1);
    if (body == "B" || body == "L")
      return Unsupported("boundary markers (B)/(L) are not supported");
    i_ = close + 1;
    std::vector<std::vector<BytePair>> alts(1);
    for (size_t k = 0; k < body.size();) {
      if (body[k] == '|') {
        alts.emplace_back();
        ++k;
        continue;
      }
      if (body[k] == '{') {
        size_t end = body.find('}', k);
        auto n =
            end == std::string_view::npos ? std::nullopt : Number(body.substr(k + 1, end - k - 1));
        if (!n || *n > 256) return Unsupported("only small fixed {n} gaps inside alternatives");
        alts.back().insert(alts.back().end(), *n, BytePair{0, 0});
        k = end + 1;
        continue;
      }
      HexParser sub(body.substr(k, 2));
      auto p = sub.HexPair();
      if (!p) return Fail("bad alternative (" + std::string(body) + ")");
      alts.back().push_back(*p);
      k += 2;
    }
    return AddAlternatives(alts, negate, body);
  }

  Status AddAlternatives(const std::vector<std::vector<BytePair>>& alts, bool negate,
                         std::string_view body) {
    if (alts.size() > kMaxAlternatives) return Unsupported("too many alternatives");
    uint32_t common = static_cast<uint32_t>(alts[0].size());
    bool generic = false;
    for (const auto& a : alts) {
      if (a.empty() || a.size() > 0xFFFF)
        return Fail("empty alternative in (" + std::string(body) + ")");
      if (a.size() != common) generic = true;
      for (auto p : a) generic = generic || p.mask != 0xFF;
    }
    if (negate && generic) {
      return Fail("negation needs fixed alternatives of one length (as ClamAV)");
    }
    Flush();
    run_ = 0;
    part_only_exact_ = false;
    part_nonempty_ = true;
    uint32_t at = static_cast<uint32_t>(out_.pool.size());
    for (const auto& a : alts) {
      out_.pool.push_back(static_cast<uint8_t>(a.size() & 0xFF));
      out_.pool.push_back(static_cast<uint8_t>(a.size() >> 8));
      for (auto p : a) {
        out_.pool.push_back(p.value);
        out_.pool.push_back(p.mask);
      }
    }
    uint32_t len = common;
    for (const auto& a : alts) {
      if (a.size() != common) len = kAltVariable;
    }
    return Push({static_cast<uint8_t>(ElemKind::kAlt), static_cast<uint8_t>(negate ? 1 : 0),
                 static_cast<uint16_t>(alts.size()), at, len});
  }

  void Flush() {
    while (!exact_.empty()) {
      size_t n = std::min<size_t>(exact_.size(), 0xFFFF);
      uint32_t at = static_cast<uint32_t>(out_.pool.size());
      out_.pool.insert(out_.pool.end(), exact_.begin(), exact_.begin() + n);
      out_.elems.push_back(
          {static_cast<uint8_t>(ElemKind::kExact), 0, static_cast<uint16_t>(n), at, 0});
      exact_.erase(exact_.begin(), exact_.begin() + n);
    }
    while (!masked_.empty()) {
      size_t n = std::min<size_t>(masked_.size(), 0xFFFF);
      uint32_t at = static_cast<uint32_t>(out_.pool.size());
      for (size_t k = 0; k < n; ++k) {
        out_.pool.push_back(masked_[k].value);
        out_.pool.push_back(masked_[k].mask);
      }
      out_.elems.push_back(
          {static_cast<uint8_t>(ElemKind::kMasked), 0, static_cast<uint16_t>(n), at, 0});
      masked_.erase(masked_.begin(), masked_.begin() + n);
    }
  }

  Status Push(Elem e) {
    out_.elems.push_back(e);
    return Status();
  }
  static Status Fail(std::string m) { return InvalidArgument(std::move(m)); }
  static Status Unsupported(std::string m) { return Unimplemented(std::move(m)); }

  std::string_view s_;
  size_t i_ = 0;
  Pattern out_;
  std::vector<uint8_t> exact_;
  std::vector<BytePair> masked_;
  size_t run_ = 0;
  size_t part_best_run_ = 0;
  bool part_only_exact_ = true;
  bool part_nonempty_ = false;
  size_t parts_ = 0;
};

}  // namespace

Result<Pattern> ParseHexPattern(std::string_view hex) {
  if (hex.empty()) return Unexpected(InvalidArgument("empty hex signature"));
  return HexParser(hex).Parse();
}

bool Verifier::MatchAt(uint32_t anchor, size_t anchor_pos, uint64_t start_min, uint64_t start_max) {
  start_min_ = start_min;
  start_max_ = start_max;
  steps_ = 0;
  exhausted_ = false;
  return Forward(anchor, anchor_pos) && Backward(anchor, anchor_pos);
}

bool Verifier::MaskedAt(const uint8_t* pairs, uint32_t n, size_t pos) const {
  const uint8_t* d = data_.data() + pos;
  for (uint32_t k = 0; k < n; ++k) {
    if ((d[k] & pairs[2 * k + 1]) != pairs[2 * k]) return false;
  }
  return true;
}

bool Verifier::Forward(uint32_t i, size_t pos) {
  const size_t size = data_.size();
  for (; i < elem_count_; ++i) {
    const Elem& e = elems_[i];
    switch (static_cast<ElemKind>(e.kind)) {
      case ElemKind::kExact:
        if (size - pos < e.count || std::memcmp(data_.data() + pos, pool_ + e.arg0, e.count)) {
          return false;
        }
        pos += e.count;
        break;
      case ElemKind::kMasked:
        if (size - pos < e.count || !MaskedAt(pool_ + e.arg0, e.count, pos)) return false;
        pos += e.count;
        break;
      case ElemKind::kGap:
        return GapForward(i, pos);
      case ElemKind::kAlt: {
        const uint8_t* a = pool_ + e.arg0;
        bool any = false;
        for (uint32_t k = 0; k < e.count; ++k) {
          uint32_t len = a[0] | a[1] << 8;
          bool hit = size - pos >= len && MaskedAt(a + 2, len, pos);
          if (hit && !e.negate) {
            if (!Budget()) return false;
            if (Forward(i + 1, pos + len)) return true;
          }
          any = any || hit;
          a += 2 + 2 * len;
        }
        if (!e.negate || any || size - pos < e.arg1) return false;
        pos += e.arg1;
        break;
      }
      default:
        return false;
    }
  }
  end_ = pos;
  return true;
}

bool Verifier::GapForward(uint32_t i, size_t pos) {
  const Elem& e = elems_[i];
  const size_t size = data_.size();
  if (size - pos < e.arg0) return false;
  size_t lo = pos + e.arg0;
  size_t hi = e.arg1 == kGapUnbounded ? size : std::min<size_t>(size, pos + e.arg1);
  if (i + 1 == elem_count_) {
    end_ = lo;
    return true;
  }
  GapMemo* memo = (e.arg1 == kGapUnbounded && memo_) ? memo_->Get(i) : nullptr;
  if (memo && lo >= memo->forward_fail_from) return false;
  if (GapForwardSearch(i, lo, hi)) return true;
  if (memo && !exhausted_)
    memo->forward_fail_from = std::min<uint64_t>(memo->forward_fail_from, lo);
  return false;
}

bool Verifier::GapForwardSearch(uint32_t i, size_t lo, size_t hi) {
  const size_t size = data_.size();
  const Elem& next = elems_[i + 1];
  if (static_cast<ElemKind>(next.kind) == ElemKind::kExact) {
    // Jump between occurrences of the next fixed byte instead of trying every position.
    const uint8_t first = pool_[next.arg0];
    const uint8_t* base = data_.data();
    size_t end = std::min(hi + 1, size);
    while (lo < end) {
      const void* hit = std::memchr(base + lo, first, end - lo);
      if (!hit) return false;
      size_t p = static_cast<const uint8_t*>(hit) - base;
      if (!Budget(1 + (p - lo) / 16)) return false;
      if (Forward(i + 1, p)) return true;
      lo = p + 1;
    }
    return false;
  }
  for (size_t p = lo; p <= hi; ++p) {
    if (!Budget()) return false;
    if (Forward(i + 1, p)) return true;
  }
  return false;
}

bool Verifier::Backward(uint32_t i, size_t end) {
  for (; i > 0; --i) {
    if (end < start_min_) return false;
    const Elem& e = elems_[i - 1];
    switch (static_cast<ElemKind>(e.kind)) {
      case ElemKind::kExact:
        if (end < e.count || std::memcmp(data_.data() + end - e.count, pool_ + e.arg0, e.count)) {
          return false;
        }
        end -= e.count;
        break;
      case ElemKind::kMasked:
        if (end < e.count || !MaskedAt(pool_ + e.arg0, e.count, end - e.count)) return false;
        end -= e.count;
        break;
      case ElemKind::kGap:
        return GapBackward(i, end);
      case ElemKind::kAlt: {
        const uint8_t* a = pool_ + e.arg0;
        bool any = false;
        for (uint32_t k = 0; k < e.count; ++k) {
          uint32_t len = a[0] | a[1] << 8;
          bool hit = end >= len && MaskedAt(a + 2, len, end - len);
          if (hit && !e.negate) {
            if (!Budget()) return false;
            if (Backward(i - 1, end - len)) return true;
          }
          any = any || hit;
          a += 2 + 2 * len;
        }
        if (!e.negate || any || end < e.arg1) return false;
        end -= e.arg1;
        break;
      }
      default:
        return false;
    }
  }
  return end >= start_min_ && end <= start_max_;
}

// Element i-1 is a gap; elements [0, i-1) must end somewhere in the gap's window before `end`.
bool Verifier::GapBackward(uint32_t i, size_t end) {
  const Elem& e = elems_[i - 1];
  if (end < e.arg0) return false;
  size_t hi = end - e.arg0;
  size_t lo = (e.arg1 == kGapUnbounded || end < e.arg1) ? 0 : end - e.arg1;
  lo = std::max<uint64_t>(lo, start_min_);
  if (lo > hi) return false;
  if (i - 1 == 0) return lo <= start_max_;
  // With an unbounded gap `lo` is the same on every call, so only ends above those already
  // searched need a look.
  GapMemo* memo = (e.arg1 == kGapUnbounded && memo_) ? memo_->Get(i - 1) : nullptr;
  size_t from = lo;
  if (memo && memo->backward_known) {
    if (hi < memo->backward_fail_to) return false;
    from = std::max<size_t>(lo, memo->backward_fail_to);
  }
  if (GapBackwardSearch(i, from, hi)) return true;
  if (memo && !exhausted_ && (!memo->backward_known || from <= memo->backward_fail_to)) {
    memo->backward_known = true;
    memo->backward_fail_to = std::max<uint64_t>(memo->backward_fail_to, hi + 1);
  }
  return false;
}

bool Verifier::GapBackwardSearch(uint32_t i, size_t lo, size_t hi) {
  const Elem& prev = elems_[i - 2];
  const bool exact = static_cast<ElemKind>(prev.kind) == ElemKind::kExact;
  const uint8_t last = exact ? pool_[prev.arg0 + prev.count - 1] : 0;
  for (size_t p = hi + 1; p-- > lo;) {
    if ((p & 15) == 0 && !Budget()) return false;
    if (exact && (p == 0 || data_[p - 1] != last)) continue;
    if (!Budget()) return false;
    if (Backward(i - 1, p)) return true;
  }
  return false;
}

bool ValidateElems(const Elem* elems, uint32_t count, const uint8_t* pool, size_t pool_size) {
  for (uint32_t i = 0; i < count; ++i) {
    const Elem& e = elems[i];
    switch (static_cast<ElemKind>(e.kind)) {
      case ElemKind::kExact:
        if (e.count == 0 || e.arg0 > pool_size || pool_size - e.arg0 < e.count) return false;
        break;
      case ElemKind::kMasked:
        if (e.count == 0 || e.arg0 > pool_size || (pool_size - e.arg0) / 2 < e.count) return false;
        break;
      case ElemKind::kGap:
        if (e.arg0 > e.arg1) return false;
        break;
      case ElemKind::kAlt: {
        if (e.count == 0) return false;
        size_t at = e.arg0;
        bool fixed = true;
        uint32_t first = 0;
        for (uint32_t k = 0; k < e.count; ++k) {
          if (at > pool_size || pool_size - at < 2) return false;
          uint32_t len = pool[at] | pool[at + 1] << 8;
          if (k == 0) first = len;
          fixed = fixed && len == first;
          at += 2;
          if ((pool_size - at) / 2 < len) return false;
          at += 2 * size_t{len};
        }
        if (e.negate && (!fixed || e.arg1 != first)) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace otguard::sigdb
