#include "otguard/platform/accounts.h"

namespace otguard::platform {

Result<std::vector<LocalAccount>> ListLocalAccounts(const ConfigRoot&) {
  return Unexpected(Unimplemented("ListLocalAccounts: not yet"));
}

}  // namespace otguard::platform
