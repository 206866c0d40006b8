// Domain names and URLs in the normal forms that indicators compare them by: one definition
// for the IOC packs and the hunt (host) and for traffic (nba), so that a URL from a feed
// matches the same URLs in a command line and in an HTTP request.
#ifndef OTGUARD_BASE_URL_H_
#define OTGUARD_BASE_URL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "otguard/base/status.h"

namespace otguard {

constexpr size_t kMaxUrlBytes = 4096;

// A DNS name of at least two labels (letters, digits, '-', '_'), lower case, no trailing dot;
// with `allow_wildcard`, optionally "*." in front (a zone). InvalidArgument "domain '<text>':
// <why>" otherwise, also for an IPv4 address.
Result<std::string> NormalizeDomainName(std::string_view text, bool allow_wildcard);

// A URL "scheme://[user@]host[:port][/path][?query][#fragment]" in its normal form: scheme and
// host in lower case, no user part, no fragment, no default port (http 80, https 443, ftp 21),
// "/" for an empty path, percent escapes in upper case (RFC 3986, 6.2.2). The host is an
// address (IPv6 in brackets, RFC 5952) or a domain of at least two labels, never a wildcard.
// The path and query are kept as written: a URL indicator is a literal. InvalidArgument
// "URL '<text>': <why>" otherwise.
Result<std::string> NormalizeUrl(std::string_view text);

// What two URLs in normal form are compared by: http and https are one family ("web"), so
// "web|host[:port]/path?query"; other schemes keep their name ("ftp|...").
std::string UrlMatchKey(std::string_view normal_url);

}  // namespace otguard

#endif  // OTGUARD_BASE_URL_H_
