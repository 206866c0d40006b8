// The Linux agent's HTTPS client comes with the agent issue.
#include "otguard/platform/http_client.h"

namespace otguard::platform {

Result<HttpResponse> HttpSend(const HttpRequest&) {
  return Unexpected(Unimplemented("the HTTPS client is not implemented on Linux yet"));
}

}  // namespace otguard::platform
