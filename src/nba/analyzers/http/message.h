// HTTP/1.x message syntax used by the analyser (private to this folder): start lines, the few
// header fields it needs, and what a file's name and Content-Type promise about its bytes.
// Specification: RFC 9112 (§3 request line, §4 status line, §5 fields), RFC 9110.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_HTTP_MESSAGE_H_
#define OTGUARD_SRC_NBA_ANALYZERS_HTTP_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "otguard/nba/flow.h"

namespace otguard::nba::analyzers::http {

inline constexpr size_t kMaxText = 256;

struct StartLine {
  std::string_view method, uri;  // requests; views into the parsed line
  int status = 0;                // responses
};

struct Head {
  StartLine start;
  std::string host, user_agent, content_type, content_encoding;  // content_type: lower case,
                                                                 // without parameters
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool bad_length = false;  // a Content-Length that is not a number (RFC 9112 §6.3 item 5)
};

std::string_view View(std::span<const uint8_t> b);
// Without surrounding spaces, tabs and a trailing CR.
std::string_view Trim(std::string_view s);
// Wire text for findings: printable ASCII (others become '?'), at most kMaxText characters.
std::string Text(std::string_view s);

// A request line (`response` false: method token, target, HTTP/1.0 or 1.1) or a status line;
// nullopt if it is neither.
std::optional<StartLine> ParseStartLine(std::string_view line, bool response);
// Reads Host, User-Agent, Content-Type, Content-Encoding, Transfer-Encoding and Content-Length
// from the field lines after the start line.
void ParseFields(std::string_view fields, Head& head);

// The lower-case extension of the URI's last path segment ("tlb"), "" if none.
std::string Extension(std::string_view uri);
// Whether a file starting with `magic` (SniffMagic) may carry extension `ext`.
bool ExtensionFits(std::string_view magic, std::string_view ext);
// Whether a Content-Type promises something other than a binary file (text, image, JSON ...).
bool TypeContradicts(std::string_view type);
// Office Open XML / OpenDocument files: ZIP containers that are documents, not archives.
bool IsDocument(std::string_view ext, std::string_view type);

// The URL a request names (RFC 9112 §3.2, §3.3): an absolute-form target as it is; an
// origin-form target ("/path?q") behind "http://" and the Host field (the server's address
// when there is none), with the server's port when the Host names none. "" for the authority
// form (CONNECT) and the asterisk form (OPTIONS *).
std::string RequestUrl(std::string_view target, std::string_view host, const Endpoint& server);
// The host of a URL "scheme://[user@]host[:port]/...": without user part, port or IPv6
// brackets; "" when there is none.
std::string_view UrlHost(std::string_view url);

// Strict probes on the first payload bytes: a request line of a known method, a status line.
bool ProbeRequest(std::string_view head);
bool ProbeResponse(std::string_view head);

}  // namespace otguard::nba::analyzers::http

#endif  // OTGUARD_SRC_NBA_ANALYZERS_HTTP_MESSAGE_H_
