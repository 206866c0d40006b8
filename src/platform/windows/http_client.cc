// STUB: replaced by the Windows implementation.
#include "otguard/platform/http_client.h"
namespace otguard::platform {
Result<HttpResponse> HttpSend(const HttpRequest&) { return Unexpected(Unimplemented("TODO")); }
}  // namespace otguard::platform
