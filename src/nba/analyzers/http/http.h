// HTTP/1.x analyser: web ports, plus a strict probe for a request line ("GET /... HTTP/1.1") or
// a status line on any other port, so a worm's web server on a high port (MsraMiner's 26931,
// 36215, 26571) is parsed too. Follows pipelined requests and their responses (Content-Length,
// chunked, or until close), and looks at the first bytes of each response body.
//
// Reports alert "http.executable_download" (kDownload, T0867 Lateral Tool Transfer) once per URI
// and flow when a response body starts with executable or archive magic (PE "MZ", ELF, ZIP, CAB,
// RAR, 7z, gzip without Content-Encoding): high when the server is not on a web port
// (Intel::IsWebPort) or the bytes contradict the URI's extension or the Content-Type, medium
// otherwise. Office/OpenDocument files (ZIP containers) from a web port are not reported.
// Ordinary requests report nothing: an observation per request would drown the correlator.
//
// Specifications: RFC 9112 (message syntax, §6.3 body length, §7.1 chunked), RFC 9110 (methods,
// status codes without content). File signatures from the formats' documentation (PE/COFF, ELF,
// PKWARE APPNOTE, MS-CAB, RAR, 7z, RFC 1952). Idea of flagging executables by content rather
// than by name: Zeek's file analysis (mime sniffing) and ET Open "EXE download" rules.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_HTTP_HTTP_H_
#define OTGUARD_SRC_NBA_ANALYZERS_HTTP_HTTP_H_

#include <span>
#include <string_view>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::http {

// The registry entry: "http", TCP web ports, and the request/status line probe.
const AnalyzerInfo& Info();

// The executable or archive type the body starts with: "pe", "elf", "zip", "cab", "rar", "7z",
// "gzip", or "" for anything else.
std::string_view SniffMagic(std::span<const uint8_t> body_start);

}  // namespace otguard::nba::analyzers::http

#endif  // OTGUARD_SRC_NBA_ANALYZERS_HTTP_HTTP_H_
