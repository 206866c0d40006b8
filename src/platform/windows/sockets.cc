// STUB: replaced by the Windows implementation.
#include "otguard/platform/sockets.h"
namespace otguard::platform {
Result<std::vector<SocketEndpoint>> ListSockets() { return Unexpected(Unimplemented("TODO")); }
}  // namespace otguard::platform
