// An HTTPS client for the agent's talk with its server (WinHTTP on Windows). The server is
// usually the plant's own, with a certificate no public CA signed, so a request may pin the
// server certificate's SHA-256 instead of trusting the OS's roots.
//
// Thread-safety: HttpSend is thread-safe.
#ifndef OTGUARD_PLATFORM_HTTP_CLIENT_H_
#define OTGUARD_PLATFORM_HTTP_CLIENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // "https://host:port/path?query" (http:// only for tests and loopback)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_ms = 30000;  // for each of connect, send and receive
  // Lower-case hex SHA-256 of the server certificate (DER). Set: exactly that certificate is
  // accepted, whoever issued it, and the request fails with PermissionDenied before any body
  // is sent to another. Empty: the OS's trusted roots decide.
  std::string pinned_sha256;
  uint64_t max_response_bytes = 64ull << 20;  // larger bodies fail with ResourceExhausted
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the request and reads the whole response. Non-2xx statuses are responses, not errors;
// errors are failures to connect (IoError), TLS and pinning failures (PermissionDenied),
// timeouts (Aborted) and bad URLs (InvalidArgument). Unimplemented on Linux until the agent
// needs it there.
Result<HttpResponse> HttpSend(const HttpRequest& request);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_HTTP_CLIENT_H_
