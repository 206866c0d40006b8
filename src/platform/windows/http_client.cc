// Windows implementation of otguard/platform/http_client.h: WinHTTP (XP SP1 and later).
//
// Pinning: with a pin, WinHTTP is told to accept any certificate (unknown CA, name, dates) and
// the pin is checked by us instead, twice:
//  1. In the WINHTTP_CALLBACK_STATUS_SENDING_REQUEST callback, after the TLS handshake and
//     before the request goes out; on a mismatch the request handle is closed there.
//  2. After WinHttpSendRequest returns, before the body is written with WinHttpWriteData.
// Wine 8 sends the request line and headers right after that callback even when the handle
// was closed in it, so under Wine only check 2 holds back the body. The body is therefore never
// handed to WinHttpSendRequest: it goes out only once the certificate has matched.
#include "otguard/platform/http_client.h"

#include <windows.h>  // before every other Windows header

#include <wincrypt.h>
#include <winhttp.h>

#include <algorithm>
#include <string_view>

#include "otguard/base/bytes.h"
#include "otguard/platform/crypto.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

// WSAETIMEDOUT: Wine 8's WinHttpReceiveResponse fails with the socket's error instead of
// ERROR_WINHTTP_TIMEOUT when the server does not answer in time.
constexpr DWORD kWsaTimedOut = 10060;

class InternetHandle {
 public:
  explicit InternetHandle(HINTERNET handle = nullptr) : handle_(handle) {}
  InternetHandle(const InternetHandle&) = delete;
  InternetHandle& operator=(const InternetHandle&) = delete;
  ~InternetHandle() {
    if (handle_ != nullptr) WinHttpCloseHandle(handle_);
  }
  HINTERNET get() const { return handle_; }
  // For a handle that the status callback already closed: never close it twice (its value
  // may by then belong to another thread's request).
  void forget() { handle_ = nullptr; }

 private:
  HINTERNET handle_;
};

const char* WinHttpErrorName(DWORD error) {
  switch (error) {
    case ERROR_WINHTTP_TIMEOUT:
    case kWsaTimedOut:
      return "timed out";
    case ERROR_WINHTTP_CANNOT_CONNECT:
      return "cannot connect";
    case ERROR_WINHTTP_CONNECTION_ERROR:
      return "connection reset";
    case ERROR_WINHTTP_NAME_NOT_RESOLVED:
      return "name not resolved";
    case ERROR_WINHTTP_SECURE_FAILURE:
      return "TLS certificate not trusted";
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE:
      return "invalid server response";
    case ERROR_WINHTTP_OPERATION_CANCELLED:
      return "cancelled";
    default:
      return "WinHTTP error";
  }
}

Status HttpError(DWORD error, std::string_view call, const std::string& url) {
  std::string message = std::string(call) + " " + url + ": " + WinHttpErrorName(error) + " (" +
                        std::to_string(static_cast<unsigned>(error)) + ")";
  switch (error) {
    case ERROR_WINHTTP_TIMEOUT:
    case kWsaTimedOut:
      return Aborted(std::move(message));
    case ERROR_WINHTTP_SECURE_FAILURE:
    case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
    case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
    case ERROR_WINHTTP_SECURE_INVALID_CA:
    case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
    case ERROR_WINHTTP_SECURE_CERT_REVOKED:
    case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE:
    case ERROR_WINHTTP_SECURE_INVALID_CERT:
    case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
    case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
      return PermissionDenied(std::move(message));
    case ERROR_WINHTTP_INVALID_URL:
    case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
      return InvalidArgument(std::move(message));
    case ERROR_NOT_ENOUGH_MEMORY:
      return ResourceExhausted(std::move(message));
    default:  // cannot connect, reset, name not resolved, bad response ...
      return IoError(std::move(message));
  }
}

Status LastHttpError(std::string_view call, const std::string& url) {
  return HttpError(GetLastError(), call, url);
}

Status PinMismatch() { return PermissionDenied("server certificate does not match the pin"); }

struct Target {
  bool secure = false;
  std::wstring host;
  INTERNET_PORT port = 0;
  std::wstring path;  // with the query
};

Result<Target> ParseUrl(const std::string& url) {
  std::wstring wide = win::Utf8ToWide(url);
  URL_COMPONENTS parts{};
  parts.dwStructSize = sizeof(parts);
  parts.dwHostNameLength = static_cast<DWORD>(-1);
  parts.dwUrlPathLength = static_cast<DWORD>(-1);
  parts.dwExtraInfoLength = static_cast<DWORD>(-1);
  parts.dwSchemeLength = static_cast<DWORD>(-1);
  if (wide.empty() || !WinHttpCrackUrl(wide.c_str(), static_cast<DWORD>(wide.size()), 0, &parts)) {
    return Unexpected(InvalidArgument("not an http(s) URL: " + url));
  }
  if ((parts.nScheme != INTERNET_SCHEME_HTTP && parts.nScheme != INTERNET_SCHEME_HTTPS) ||
      parts.dwHostNameLength == 0) {
    return Unexpected(InvalidArgument("not an http(s) URL: " + url));
  }
  Target t;
  t.secure = parts.nScheme == INTERNET_SCHEME_HTTPS;
  t.host.assign(parts.lpszHostName, parts.dwHostNameLength);
  t.port = parts.nPort;
  t.path.assign(parts.lpszUrlPath, parts.dwUrlPathLength);
  t.path.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);
  if (t.path.empty()) t.path = L"/";
  return t;
}

// "Name: value\r\n" lines; CR or LF inside would let a caller's value inject headers.
Result<std::wstring> HeaderBlock(const HttpRequest& request) {
  std::string block;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Unexpected(InvalidArgument("bad HTTP header: " + name));
    }
    block += name + ": " + value + "\r\n";
  }
  return win::Utf8ToWide(block);
}

bool ValidPin(const std::string& pin) {
  return pin.size() == 64 && std::all_of(pin.begin(), pin.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Whether the certificate the request's connection presented has the pinned SHA-256.
bool ServerCertificateMatches(HINTERNET request, const std::string& pin) {
  PCCERT_CONTEXT cert = nullptr;
  DWORD size = sizeof(cert);
  if (!WinHttpQueryOption(request, WINHTTP_OPTION_SERVER_CERT_CONTEXT, &cert, &size) ||
      cert == nullptr) {
    return false;
  }
  auto digest = Sha256(ByteSpan(cert->pbCertEncoded, cert->cbCertEncoded));
  CertFreeCertificateContext(cert);
  return digest.has_value() && HexEncode(*digest) == pin;
}

// Shared with the status callback, which runs on the sending thread during WinHttpSendRequest.
struct PinCheck {
  const std::string* pin = nullptr;
  bool mismatch = false;
  bool request_closed = false;
};

void CALLBACK OnStatus(HINTERNET handle, DWORD_PTR context, DWORD status, void*, DWORD) {
  auto* check = reinterpret_cast<PinCheck*>(context);
  if (check == nullptr || status != WINHTTP_CALLBACK_STATUS_SENDING_REQUEST) return;
  if (check->request_closed || ServerCertificateMatches(handle, *check->pin)) return;
  check->mismatch = true;
  check->request_closed = true;
  WinHttpCloseHandle(handle);  // Windows then fails the send before the request goes out
}

Status SetUpPinning(HINTERNET request) {
  DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                SECURITY_FLAG_IGNORE_CERT_DATE_INVALID | SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
  if (!WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags))) {
    return win::LastErrorToStatus("WinHttpSetOption(SECURITY_FLAGS)");
  }
  if (WinHttpSetStatusCallback(request, OnStatus, WINHTTP_CALLBACK_FLAG_SEND_REQUEST, 0) ==
      WINHTTP_INVALID_STATUS_CALLBACK) {
    return win::LastErrorToStatus("WinHttpSetStatusCallback");
  }
  return Status::Ok();
}

Status WriteBody(HINTERNET request, const std::string& body, const std::string& url) {
  for (size_t done = 0; done < body.size();) {
    DWORD n = static_cast<DWORD>(std::min<size_t>(body.size() - done, 1u << 20));
    DWORD written = 0;
    if (!WinHttpWriteData(request, body.data() + done, n, &written) || written == 0) {
      return LastHttpError("WinHttpWriteData", url);
    }
    done += written;
  }
  return Status::Ok();
}

Result<std::wstring> QueryHeaderText(HINTERNET request, DWORD what) {
  DWORD size = 0;
  WinHttpQueryHeaders(request, what, WINHTTP_HEADER_NAME_BY_INDEX, nullptr, &size,
                      WINHTTP_NO_HEADER_INDEX);
  if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
    return Unexpected(win::LastErrorToStatus("WinHttpQueryHeaders"));
  }
  std::wstring text(size / sizeof(wchar_t) + 1, L'\0');
  if (!WinHttpQueryHeaders(request, what, WINHTTP_HEADER_NAME_BY_INDEX, text.data(), &size,
                           WINHTTP_NO_HEADER_INDEX)) {
    return Unexpected(win::LastErrorToStatus("WinHttpQueryHeaders"));
  }
  text.resize(size / sizeof(wchar_t));
  return text;
}

// "HTTP/1.1 200 OK\r\nName: value\r\n...": the status line is skipped.
std::vector<std::pair<std::string, std::string>> ParseHeaders(const std::string& raw) {
  std::vector<std::pair<std::string, std::string>> headers;
  size_t start = raw.find("\r\n");
  while (start != std::string::npos && start + 2 < raw.size()) {
    start += 2;
    size_t end = raw.find("\r\n", start);
    std::string line = raw.substr(start, end == std::string::npos ? end : end - start);
    size_t colon = line.find(':');
    if (colon != std::string::npos && colon > 0) {
      size_t value = line.find_first_not_of(" \t", colon + 1);
      headers.emplace_back(line.substr(0, colon),
                           value == std::string::npos ? "" : line.substr(value));
    }
    start = end;
  }
  return headers;
}

Status ReadBody(HINTERNET request, const HttpRequest& r, std::string* body) {
  for (;;) {
    DWORD available = 0;
    if (!WinHttpQueryDataAvailable(request, &available)) {
      return LastHttpError("WinHttpQueryDataAvailable", r.url);
    }
    if (available == 0) return Status::Ok();
    if (body->size() + available > r.max_response_bytes) {
      return ResourceExhausted("response from " + r.url + " is larger than " +
                               std::to_string(r.max_response_bytes) + " bytes");
    }
    size_t old = body->size();
    body->resize(old + available);
    DWORD read = 0;
    if (!WinHttpReadData(request, body->data() + old, available, &read)) {
      return LastHttpError("WinHttpReadData", r.url);
    }
    body->resize(old + read);
  }
}

Result<HttpResponse> ReadResponse(HINTERNET request, const HttpRequest& r) {
  if (!WinHttpReceiveResponse(request, nullptr)) {
    return Unexpected(LastHttpError("WinHttpReceiveResponse", r.url));
  }
  HttpResponse response;
  DWORD status = 0;
  DWORD size = sizeof(status);
  if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                           WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX)) {
    return Unexpected(LastHttpError("WinHttpQueryHeaders(STATUS_CODE)", r.url));
  }
  response.status = static_cast<int>(status);
  OTGUARD_ASSIGN_OR_RETURN(std::wstring raw,
                           QueryHeaderText(request, WINHTTP_QUERY_RAW_HEADERS_CRLF));
  response.headers = ParseHeaders(win::WideToUtf8(raw));
  for (const auto& [name, value] : response.headers) {
    auto length = ParseDecimal(value);
    if (_stricmp(name.c_str(), "Content-Length") == 0 && length && *length > r.max_response_bytes) {
      return Unexpected(ResourceExhausted("response from " + r.url + " announces " + value +
                                          " bytes, more than the limit"));
    }
  }
  OTGUARD_RETURN_IF_ERROR(ReadBody(request, r, &response.body));
  return response;
}

// Sends the request line and headers, checks the pin, then the body.
Status Send(InternetHandle* request, const HttpRequest& r, PinCheck* check) {
  OTGUARD_ASSIGN_OR_RETURN(std::wstring headers, HeaderBlock(r));
  if (r.body.size() > 0xFFFFFFFEu) return InvalidArgument("request body too large");
  BOOL sent =
      WinHttpSendRequest(request->get(), headers.empty() ? nullptr : headers.c_str(),
                         static_cast<DWORD>(headers.size()), WINHTTP_NO_REQUEST_DATA, 0,
                         static_cast<DWORD>(r.body.size()), reinterpret_cast<DWORD_PTR>(check));
  DWORD error = sent ? ERROR_SUCCESS : GetLastError();
  if (check->request_closed) {
    request->forget();
    return PinMismatch();
  }
  if (!sent) return HttpError(error, "WinHttpSendRequest", r.url);
  if (check->pin != nullptr && !ServerCertificateMatches(request->get(), *check->pin)) {
    return PinMismatch();
  }
  return WriteBody(request->get(), r.body, r.url);
}

}  // namespace

Result<HttpResponse> HttpSend(const HttpRequest& r) {
  OTGUARD_ASSIGN_OR_RETURN(Target target, ParseUrl(r.url));
  const bool pinned = !r.pinned_sha256.empty();
  if (pinned && !ValidPin(r.pinned_sha256)) {
    return Unexpected(InvalidArgument("pinned_sha256 must be 64 lower-case hex digits"));
  }
  if (pinned && !target.secure) {
    return Unexpected(InvalidArgument("a certificate pin needs an https:// URL: " + r.url));
  }
  if (r.timeout_ms <= 0) return Unexpected(InvalidArgument("timeout_ms must be positive"));

  InternetHandle session(WinHttpOpen(L"otguard", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                                     WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0));
  if (session.get() == nullptr) return Unexpected(LastHttpError("WinHttpOpen", r.url));
  if (!WinHttpSetTimeouts(session.get(), r.timeout_ms, r.timeout_ms, r.timeout_ms, r.timeout_ms)) {
    return Unexpected(LastHttpError("WinHttpSetTimeouts", r.url));
  }
  // WinHttpReceiveResponse waits under a timeout of its own (90 s on Windows, none in Wine 8).
  DWORD timeout = static_cast<DWORD>(r.timeout_ms);
  WinHttpSetOption(session.get(), WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &timeout,
                   sizeof(timeout));
  InternetHandle connection(WinHttpConnect(session.get(), target.host.c_str(), target.port, 0));
  if (connection.get() == nullptr) return Unexpected(LastHttpError("WinHttpConnect", r.url));
  InternetHandle request(WinHttpOpenRequest(
      connection.get(), win::Utf8ToWide(r.method).c_str(), target.path.c_str(), nullptr,
      WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, target.secure ? WINHTTP_FLAG_SECURE : 0));
  if (request.get() == nullptr) return Unexpected(LastHttpError("WinHttpOpenRequest", r.url));

  // A redirect would send the request on to a server nobody checked; cookies are not ours.
  DWORD disable = WINHTTP_DISABLE_REDIRECTS | WINHTTP_DISABLE_COOKIES;
  WinHttpSetOption(request.get(), WINHTTP_OPTION_DISABLE_FEATURE, &disable, sizeof(disable));

  PinCheck check;
  if (pinned) {
    check.pin = &r.pinned_sha256;
    OTGUARD_RETURN_IF_ERROR(SetUpPinning(request.get()));
  }
  OTGUARD_RETURN_IF_ERROR(Send(&request, r, &check));
  return ReadResponse(request.get(), r);
}

}  // namespace otguard::platform
