// Reads of the Windows registry (always the native 64-bit view, also from the 32-bit build on
// 64-bit Windows). Unimplemented on other OSes.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_REGISTRY_H_
#define OTGUARD_PLATFORM_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

enum class RegistryHive { kLocalMachine, kCurrentUser, kUsers, kClassesRoot };

enum class RegistryType {
  kNone,
  kString,
  kExpandString,
  kMultiString,
  kDword,
  kQword,
  kBinary,
  kOther
};

struct RegistryValue {
  std::string name;  // "" is the key's default value
  RegistryType type = RegistryType::kNone;
  std::string text;                // kString, kExpandString (not expanded), UTF-8
  std::vector<std::string> texts;  // kMultiString
  uint64_t number = 0;             // kDword, kQword
  std::vector<uint8_t> bytes;      // kBinary and kOther: the raw data
};

// `key` is the path below the hive, with backslashes ("SYSTEM\\CurrentControlSet\\Services").
// NotFound when the key or value does not exist; PermissionDenied when it may not be read.
Result<RegistryValue> ReadRegistryValue(RegistryHive hive, const std::string& key,
                                        const std::string& name);
Result<std::vector<RegistryValue>> ListRegistryValues(RegistryHive hive, const std::string& key);
Result<std::vector<std::string>> ListRegistrySubkeys(RegistryHive hive, const std::string& key);

const char* RegistryHiveName(RegistryHive hive);  // "HKLM", "HKCU", "HKU", "HKCR"

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_REGISTRY_H_
