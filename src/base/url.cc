// Domain names and URLs in the normal forms indicators compare them by
// (include/otguard/base/url.h).
#include "otguard/base/url.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "otguard/base/ip_text.h"

namespace otguard {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal number without sign or leading zeros, at most `max`.
bool ParseDecimal(std::string_view s, uint32_t max, uint32_t* out) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

Result<std::string> NormalizeDomainName(std::string_view text, bool allow_wildcard) {
  std::string out;
  std::string_view name = text;
  if (allow_wildcard && name.starts_with("*.")) {
    out = "*.";
    name.remove_prefix(2);
  }
  if (name.ends_with('.')) name.remove_suffix(1);
  auto bad = [&](std::string_view why) {
    return Unexpected(
        InvalidArgument("domain '" + std::string(text.substr(0, 80)) + "': " + std::string(why)));
  };
  if (name.empty() || name.size() > 253) return bad("must have 1..253 characters");
  size_t labels = 0;
  std::string_view last;
  for (std::string_view rest = name;;) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63) return bad("labels must have 1..63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
    for (char c : label) {
      // '_' appears in real names (SRV, some CDNs) though RFC 952 hostnames lack it.
      if (!(IsDigit(c) || (ToLower(c) >= 'a' && ToLower(c) <= 'z') || c == '-' || c == '_')) {
        return bad("only letters, digits, '-' and '_' (and a leading '*.') are allowed");
      }
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) return bad("needs at least two labels (\"example.com\")");
  if (std::all_of(last.begin(), last.end(), IsDigit)) {
    return bad("looks like an IPv4 address: put it in addresses");
  }
  for (char c : name) out += ToLower(c);
  return out;
}

Result<std::string> NormalizeUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Unexpected(
        InvalidArgument("URL '" + std::string(text.substr(0, 120)) + "': " + std::string(why)));
  };
  if (text.size() > kMaxUrlBytes) return bad("longer than 4096 bytes");
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("has a space or a control character");
  }
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return bad("needs scheme://host");
  std::string out;
  for (size_t i = 0; i < colon; ++i) {
    char c = ToLower(text[i]);
    bool ok = (c >= 'a' && c <= 'z') || (i > 0 && (IsDigit(c) || c == '+' || c == '.' || c == '-'));
    if (!ok) return bad("the scheme has a character other than letters, digits, '+', '.', '-'");
    out += c;
  }
  const std::string scheme = out;
  std::string_view rest = text.substr(colon + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad("text after ']'");
    if (!after.empty()) port = after.substr(1);
    if (host.find(':') == std::string_view::npos) return bad("'[...]' holds no IPv6 address");
  } else if (size_t c = authority.find(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return bad("no host");
  if (host.find_first_of("*?/") != std::string_view::npos) return bad("the host is not a name");
  std::string host_text;
  if (auto address = ParseIpAddress(host)) {
    host_text = IpPrefixText(*address);
    if (address->family == 6) host_text = "[" + host_text + "]";
  } else if (auto domain = NormalizeDomainName(host, /*allow_wildcard=*/false)) {
    host_text = *domain;
  } else {
    return bad("the host is neither an address nor a domain of two or more labels");
  }
  out += "://" + host_text;
  if (!port.empty()) {
    uint32_t n = 0;
    if (!ParseDecimal(port, 65535, &n) || n == 0) return bad("the port is not 1..65535");
    const bool default_port = (scheme == "http" && n == 80) || (scheme == "https" && n == 443) ||
                              (scheme == "ftp" && n == 21);
    if (!default_port) out += ":" + std::to_string(n);
  }
  if (path.empty() || path.front() == '?') out += '/';
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) &&
        IsHexDigit(path[i + 2])) {
      out += '%';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 1])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string UrlMatchKey(std::string_view normal_url) {
  const size_t colon = normal_url.find("://");
  if (colon == std::string_view::npos) return std::string(normal_url);
  std::string_view scheme = normal_url.substr(0, colon);
  std::string family = scheme == "http" || scheme == "https" ? "web" : std::string(scheme);
  return family + "|" + std::string(normal_url.substr(colon + 3));
}

}  // namespace otguard
