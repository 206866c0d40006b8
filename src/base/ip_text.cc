#include "otguard/base/ip_text.h"

#include "otguard/base/bytes.h"

#include <cstdio>
#include <vector>

namespace otguard {
namespace {

std::optional<std::array<uint8_t, 4>> ParseV4(std::string_view s) {
  std::array<uint8_t, 4> out{};
  size_t part = 0, i = 0;
  while (part < 4) {
    size_t start = i;
    unsigned value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 4) {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    size_t digits = i - start;
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s[start] == '0')) {
      return std::nullopt;
    }
    out[part++] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

// RFC 4291 section 2.2 text forms: groups of 1-4 hex digits, one "::", an IPv4 tail.
std::optional<std::array<uint8_t, 16>> ParseV6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return std::nullopt;
  std::vector<uint16_t> head, tail;
  std::vector<uint16_t>* groups = &head;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    groups = &tail;
    i = 2;
  } else if (s[0] == ':') {
    return std::nullopt;
  }
  std::optional<std::array<uint8_t, 4>> v4_tail;
  while (i < s.size()) {
    size_t start = i;
    unsigned value = 0;
    while (i < s.size() && HexDigitValue(s[i]) >= 0 && i - start < 5) {
      value = value * 16 + static_cast<unsigned>(HexDigitValue(s[i]));
      ++i;
    }
    if (i < s.size() && s[i] == '.') {  // the IPv4 tail: the rest of the text
      v4_tail = ParseV4(s.substr(start));
      if (!v4_tail) return std::nullopt;
      i = s.size();
      break;
    }
    if (i - start == 0 || i - start > 4) return std::nullopt;
    groups->push_back(static_cast<uint16_t>(value));
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return std::nullopt;
      compressed = true;
      groups = &tail;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;  // a trailing single ':'
    }
  }
  size_t total = head.size() + tail.size() + (v4_tail ? 2 : 0);
  if (total > 8 || (!compressed && total != 8) || (compressed && total == 8)) return std::nullopt;
  std::array<uint8_t, 16> out{};
  size_t pos = 0;
  for (uint16_t g : head) {
    out[pos++] = static_cast<uint8_t>(g >> 8);
    out[pos++] = static_cast<uint8_t>(g);
  }
  pos = 16 - (tail.size() * 2 + (v4_tail ? 4 : 0));
  for (uint16_t g : tail) {
    out[pos++] = static_cast<uint8_t>(g >> 8);
    out[pos++] = static_cast<uint8_t>(g);
  }
  if (v4_tail) {
    for (uint8_t b : *v4_tail) out[pos++] = b;
  }
  return out;
}

bool IsV4Mapped(const std::array<uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<IpPrefix> ParseIpAddress(std::string_view text) {
  IpPrefix p;
  if (auto v4 = ParseV4(text)) {
    p.family = 4;
    std::copy(v4->begin(), v4->end(), p.bytes.begin());
    p.length = 32;
    return p;
  }
  if (auto v6 = ParseV6(text)) {
    p.family = 6;
    p.bytes = *v6;
    p.length = 128;
    return p;
  }
  return std::nullopt;
}

std::optional<IpPrefix> ParseIpPrefix(std::string_view text) {
  size_t slash = text.find('/');
  std::optional<IpPrefix> p = ParseIpAddress(text.substr(0, slash));
  if (!p || slash == std::string_view::npos) return p;
  std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3 || (len.size() > 1 && len[0] == '0')) return std::nullopt;
  int value = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > (p->family == 4 ? 32 : 128)) return std::nullopt;
  p->length = value;
  return p;
}

bool IpPrefixContains(const IpPrefix& prefix, std::string_view address) {
  std::optional<IpPrefix> a = ParseIpAddress(address);
  if (!a) return false;
  if (a->family == 6 && IsV4Mapped(a->bytes)) {
    a->family = 4;
    std::array<uint8_t, 16> v4{};
    std::copy(a->bytes.begin() + 12, a->bytes.end(), v4.begin());
    a->bytes = v4;
  }
  if (a->family != prefix.family) return false;
  int full = prefix.length / 8, rest = prefix.length % 8;
  for (int i = 0; i < full; ++i) {
    if (a->bytes[i] != prefix.bytes[i]) return false;
  }
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a->bytes[full] & mask) == (prefix.bytes[full] & mask);
}

bool IpPrefixHasHostBits(const IpPrefix& prefix) {
  size_t bytes = prefix.family == 4 ? 4 : 16;
  for (size_t bit = static_cast<size_t>(prefix.length); bit < bytes * 8; ++bit) {
    if (prefix.bytes[bit / 8] & (0x80 >> (bit % 8))) return true;
  }
  return false;
}

std::string IpPrefixText(const IpPrefix& prefix) {
  std::string out;
  char buf[8];
  if (prefix.family == 6 && IsV4Mapped(prefix.bytes)) {
    IpPrefix v4;
    std::copy(prefix.bytes.begin() + 12, prefix.bytes.end(), v4.bytes.begin());
    out = "::ffff:" + IpPrefixText(v4);
    if (prefix.length != 128) out += "/" + std::to_string(prefix.length);
    return out;
  }
  if (prefix.family == 4) {
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf, sizeof buf, i ? ".%u" : "%u", prefix.bytes[i]);
      out += buf;
    }
    if (prefix.length != 32) out += "/" + std::to_string(prefix.length);
    return out;
  }
  uint16_t g[8];
  for (int i = 0; i < 8; ++i)
    g[i] = static_cast<uint16_t>(prefix.bytes[2 * i] << 8 | prefix.bytes[2 * i + 1]);
  // RFC 5952: the longest run (at least two) of zero groups becomes "::", the first if tied.
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  if (prefix.length != 128) out += "/" + std::to_string(prefix.length);
  return out;
}

}  // namespace otguard
