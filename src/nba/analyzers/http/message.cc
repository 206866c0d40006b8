#include "nba/analyzers/http/message.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>

#include "nba/analyzers/http/http.h"
#include "nba/wire.h"
#include "otguard/base/bytes.h"

namespace otguard::nba::analyzers::http {
namespace {

// Methods the probe accepts (RFC 9110 §9 and WebDAV, RFC 4918); the parser accepts any token.
constexpr std::array<std::string_view, 14> kMethods = {
    "GET",     "POST",  "HEAD", "PUT",      "DELETE",    "OPTIONS", "TRACE",
    "CONNECT", "PATCH", "COPY", "PROPFIND", "PROPPATCH", "MKCOL",   "MOVE"};

bool IsToken(std::string_view s) {
  return !s.empty() && s.size() <= 20 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '-'; });
}

bool IsVersion(std::string_view s) { return s == "HTTP/1.1" || s == "HTTP/1.0"; }

bool OneOf(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

std::string_view View(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Text(std::string_view s) { return wire::PrintableText(s, kMaxText); }

// "METHOD SP request-target SP HTTP/1.x" (RFC 9112 §3) or "HTTP/1.x SP 3DIGIT [SP reason]"
// (§4).
std::optional<StartLine> ParseStartLine(std::string_view line, bool response) {
  line = Trim(line);
  size_t sp1 = line.find(' ');
  if (sp1 == line.npos) return std::nullopt;
  StartLine out;
  if (response) {
    std::string_view code = line.substr(sp1 + 1, 3);
    auto status = ParseDecimal(code, 999);
    if (!IsVersion(line.substr(0, sp1)) || code.size() != 3 || !status || *status < 100) {
      return std::nullopt;
    }
    if (line.size() > sp1 + 4 && line[sp1 + 4] != ' ') return std::nullopt;
    out.status = static_cast<int>(*status);
    return out;
  }
  size_t sp2 = line.rfind(' ');
  if (sp2 == sp1 || !IsVersion(line.substr(sp2 + 1))) return std::nullopt;
  out.method = line.substr(0, sp1);
  out.uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!IsToken(out.method) || out.uri.empty() || out.uri.find(' ') != out.uri.npos) {
    return std::nullopt;
  }
  return out;
}

// Header fields of a complete head (RFC 9112 §5); names are case-insensitive.
void ParseFields(std::string_view fields, Head& head) {
  while (!fields.empty()) {
    size_t nl = fields.find('\n');
    std::string_view line = fields.substr(0, nl);
    fields.remove_prefix(nl == fields.npos ? fields.size() : nl + 1);
    size_t colon = line.find(':');
    if (colon == line.npos) continue;
    std::string name = wire::Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "host") {
      head.host = Text(value);
    } else if (name == "user-agent") {
      head.user_agent = Text(value);
    } else if (name == "content-type") {
      head.content_type = wire::Lower(Trim(value.substr(0, value.find(';'))));
    } else if (name == "content-encoding") {
      head.content_encoding = wire::Lower(value);
    } else if (name == "transfer-encoding") {
      head.chunked = wire::Lower(value).find("chunked") != std::string::npos;
    } else if (name == "content-length" && !head.content_length) {
      head.content_length = ParseDecimal(value);
      head.bad_length = !head.content_length;
    }
  }
}

std::string RequestUrl(std::string_view target, std::string_view host, const Endpoint& server) {
  std::string scheme = wire::Lower(target.substr(0, 8));
  if (scheme.starts_with("http://") || scheme.starts_with("https://")) return std::string(target);
  if (!target.starts_with('/')) return "";
  std::string authority(host);
  if (authority.empty()) {
    std::string ip = server.ip.ToString();
    authority = server.ip.is_v4() ? ip : "[" + ip + "]";
  }
  // A port is after the last ':' that is not inside an IPv6 literal's brackets.
  size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos &&
                  (authority.front() == '[' || authority.find(':') == colon);
  if (!has_port) authority += ":" + std::to_string(server.port);
  return "http://" + authority + std::string(target);
}

std::string_view UrlHost(std::string_view url) {
  size_t start = url.find("://");
  if (start == url.npos) return "";
  std::string_view authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != authority.npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

std::string Extension(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));
  std::string_view name = uri.substr(uri.rfind('/') == uri.npos ? 0 : uri.rfind('/') + 1);
  size_t dot = name.rfind('.');
  if (dot == name.npos || name.size() - dot > 11) return "";
  return wire::Lower(name.substr(dot + 1));
}

// The extensions a file of this type is expected to have; "bin" suits any binary.
bool ExtensionFits(std::string_view magic, std::string_view ext) {
  if (ext.empty() || ext == "bin") return true;
  if (magic == "pe")
    return OneOf(ext, {"exe", "dll", "sys", "scr", "com", "ocx", "cpl", "drv", "efi", "mui"});
  if (magic == "elf") return OneOf(ext, {"so", "elf", "run", "out", "ko"});
  if (magic == "zip") {
    return OneOf(
        ext, {"zip",  "jar", "apk", "war", "ear",  "xpi",  "crx",  "nupkg", "whl", "docx", "xlsx",
              "pptx", "odt", "ods", "odp", "epub", "vsix", "appx", "msix",  "kmz", "ipa"});
  }
  if (magic == "cab") return OneOf(ext, {"cab", "msu"});
  if (magic == "gzip") return OneOf(ext, {"gz", "tgz", "gzip"});
  return ext == magic;  // rar, 7z
}

// Content types that promise something other than a binary file.
bool TypeContradicts(std::string_view type) {
  for (std::string_view p : {"text/", "image/", "audio/", "video/", "font/"}) {
    if (type.starts_with(p)) return true;
  }
  return type.ends_with("/json") || type.ends_with("/xml") || type.ends_with("+xml") ||
         type.ends_with("javascript") || type.find("html") != type.npos;
}

bool IsDocument(std::string_view ext, std::string_view type) {
  return OneOf(ext, {"docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"}) ||
         type.starts_with("application/vnd.openxmlformats") ||
         type.starts_with("application/vnd.oasis.opendocument");
}

bool ProbeRequest(std::string_view s) {
  size_t sp = s.find(' ');
  if (sp == s.npos ||
      std::find(kMethods.begin(), kMethods.end(), s.substr(0, sp)) == kMethods.end()) {
    return false;
  }
  std::string_view target = s.substr(sp + 1);
  if (target.empty() || !(target[0] == '/' || target[0] == '*' ||
                          std::isalnum(static_cast<unsigned char>(target[0])))) {
    return false;
  }
  size_t end = 0;
  while (end < target.size() && target[end] > 0x20 && target[end] < 0x7f) ++end;
  if (end == target.size()) return true;  // the target runs past the probe's window
  std::string_view rest = target.substr(end);
  constexpr std::string_view kVersion = " HTTP/1.";
  return rest.substr(0, kVersion.size()) == kVersion.substr(0, rest.size());
}

bool ProbeResponse(std::string_view s) {
  if (s.size() < 13 || !(s.starts_with("HTTP/1.1 ") || s.starts_with("HTTP/1.0 "))) return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return digit(s[9]) && digit(s[10]) && digit(s[11]) && (s[12] == ' ' || s[12] == '\r');
}

std::string_view SniffMagic(std::span<const uint8_t> b) {
  std::string_view s = View(b);
  if (s.starts_with("MZ")) return "pe";
  if (s.starts_with("\x7f\x45LF")) return "elf";
  if (s.starts_with("PK\x03\x04")) return "zip";
  if (s.starts_with("MSCF")) return "cab";
  if (s.starts_with("Rar!\x1a\x07")) return "rar";
  if (s.starts_with("7z\xbc\xaf\x27\x1c")) return "7z";
  if (s.starts_with("\x1f\x8b\x08")) return "gzip";  // RFC 1952: CM 8 (deflate) is the only one
  return "";
}

}  // namespace otguard::nba::analyzers::http
