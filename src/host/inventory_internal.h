// The inventory's helpers that the hunt and the tests share (src/host/inventory.cc).
#ifndef OTGUARD_SRC_HOST_INVENTORY_INTERNAL_H_
#define OTGUARD_SRC_HOST_INVENTORY_INTERNAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "otguard/host/inventory.h"

namespace otguard::host::internal {

// The program file a configured command line runs: the quoted first word, or on Windows
// everything up to ".exe" (an unquoted "C:\Program Files\x\y.exe -k" is how Windows resolves
// it too), or the first word; systemd's ExecStart prefixes ("-", "@", "+", "!") removed.
std::string ProgramOf(std::string_view command);

// The lookup key of an image path: Windows paths (a drive letter or UNC) without case and with
// either slash; other paths as they are.
std::string ImageKey(std::string_view path);

// The program a service starts: the autorun reader's resolution when it lists the same command,
// else the command line's first word, resolved. "" when that is not an absolute path.
std::string ServiceImagePath(const platform::ServiceInfo& service,
                             const std::vector<platform::Autorun>& autoruns);

// The images collector, on whatever lists `inv` holds.
Result<size_t> CollectImages(Inventory& inv, const InventoryOptions& options);

}  // namespace otguard::host::internal

#endif  // OTGUARD_SRC_HOST_INVENTORY_INTERNAL_H_
