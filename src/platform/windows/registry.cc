// Registry reads on Windows. Always the native view (KEY_WOW64_64KEY), so the 32-bit agent on
// 64-bit Windows sees the same SOFTWARE and Services keys as the OS itself; 32-bit Windows
// (XP included) ignores the flag.
#include "otguard/platform/registry.h"

#include <windows.h>

#include <algorithm>
#include <cstring>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;
using win::WideToUtf8;
using win::WinErrorToStatus;

// A value name may have up to 16,383 characters and a key name 255: one buffer fits both.
constexpr DWORD kMaxNameChars = 16384;
// The first guess for a value's data; larger values take a second call.
constexpr DWORD kInitialDataBytes = 512;
// A value that keeps growing between calls (written to concurrently) is given up after this.
constexpr int kMaxReadAttempts = 8;

class RegKey {
 public:
  explicit RegKey(HKEY key) : key_(key) {}
  RegKey(RegKey&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }
  RegKey(const RegKey&) = delete;
  RegKey& operator=(const RegKey&) = delete;
  RegKey& operator=(RegKey&&) = delete;
  ~RegKey() {
    if (key_ != nullptr) RegCloseKey(key_);
  }
  HKEY get() const { return key_; }

 private:
  HKEY key_;
};

HKEY HiveRoot(RegistryHive hive) {
  switch (hive) {
    case RegistryHive::kLocalMachine:
      return HKEY_LOCAL_MACHINE;
    case RegistryHive::kCurrentUser:
      return HKEY_CURRENT_USER;
    case RegistryHive::kUsers:
      return HKEY_USERS;
    case RegistryHive::kClassesRoot:
      return HKEY_CLASSES_ROOT;
  }
  return HKEY_LOCAL_MACHINE;
}

std::string KeyPath(RegistryHive hive, const std::string& key) {
  return std::string(RegistryHiveName(hive)) + "\\" + key;
}

Result<RegKey> OpenKey(RegistryHive hive, const std::string& key) {
  HKEY handle = nullptr;
  LSTATUS err = RegOpenKeyExW(HiveRoot(hive), Utf8ToWide(key).c_str(), 0,
                              KEY_READ | KEY_WOW64_64KEY, &handle);
  if (err != ERROR_SUCCESS) return Unexpected(WinErrorToStatus(err, "open " + KeyPath(hive, key)));
  return RegKey(handle);
}

// REG_MULTI_SZ: strings each ending in NUL, the list ending in an empty string. The data may
// lack either terminator, and an empty list may be 0, 2 or 4 bytes.
std::vector<std::string> SplitMultiString(std::wstring_view data) {
  std::vector<std::string> out;
  while (!data.empty() && data.front() != L'\0') {
    size_t end = data.find(L'\0');
    out.push_back(WideToUtf8(data.substr(0, end)));
    if (end == std::wstring_view::npos) break;
    data.remove_prefix(end + 1);
  }
  return out;
}

// The little-endian number in the first `width` bytes (fewer when the data is short).
uint64_t LittleEndian(const std::vector<uint8_t>& data, size_t width) {
  uint64_t n = 0;
  for (size_t i = std::min(width, data.size()); i > 0; --i) n = (n << 8) | data[i - 1];
  return n;
}

RegistryValue DecodeValue(std::string name, DWORD type, std::vector<uint8_t> data) {
  RegistryValue value;
  value.name = std::move(name);
  // Copied out rather than cast: the byte buffer need not be aligned for wchar_t.
  std::wstring wide(data.size() / sizeof(wchar_t), L'\0');
  if (!wide.empty()) std::memcpy(wide.data(), data.data(), wide.size() * sizeof(wchar_t));
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
      value.type = type == REG_SZ ? RegistryType::kString : RegistryType::kExpandString;
      value.text = WideToUtf8(wide.c_str(), wide.size());  // stops at the first NUL, if any
      break;
    case REG_MULTI_SZ:
      value.type = RegistryType::kMultiString;
      value.texts = SplitMultiString(wide);
      break;
    case REG_DWORD:
      value.type = RegistryType::kDword;
      value.number = LittleEndian(data, 4);
      break;
    case REG_QWORD:
      value.type = RegistryType::kQword;
      value.number = LittleEndian(data, 8);
      break;
    case REG_BINARY:
      value.type = RegistryType::kBinary;
      value.bytes = std::move(data);
      break;
    case REG_NONE:
      // Typeless data (often empty, sometimes a blob): kept, as kOther's bytes are.
      value.type = RegistryType::kNone;
      value.bytes = std::move(data);
      break;
    default:  // REG_DWORD_BIG_ENDIAN, REG_LINK, REG_RESOURCE_LIST, ...
      value.type = RegistryType::kOther;
      value.bytes = std::move(data);
      break;
  }
  return value;
}

// The data of one value. Its size may change between the call that sizes the buffer and the
// one that fills it, hence the loop.
// `wide_name` is the name as the registry spells it (an enumerated name may not survive a
// round trip through UTF-8).
Result<RegistryValue> QueryValue(HKEY key, const std::wstring& wide_name,
                                 const std::string& where) {
  const std::string name = WideToUtf8(wide_name);
  std::vector<uint8_t> data(kInitialDataBytes);
  for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
    DWORD type = REG_NONE;
    DWORD size = static_cast<DWORD>(data.size());
    LSTATUS err = RegQueryValueExW(key, wide_name.c_str(), nullptr, &type, data.data(), &size);
    if (err == ERROR_SUCCESS) {
      data.resize(size);
      return DecodeValue(name, type, std::move(data));
    }
    if (err != ERROR_MORE_DATA) {
      return Unexpected(WinErrorToStatus(err, where + ": read value \"" + name + "\""));
    }
    // `size` is what the value needs now; a little more absorbs a concurrent small growth.
    data.resize(static_cast<size_t>(size) + 64);
  }
  return Unexpected(Aborted(where + ": value \"" + name + "\" kept changing size"));
}

// The names RegEnumKeyExW or RegEnumValueW (wrapped as `enum_fn(index, buffer, &chars)`)
// gives, in index order.
template <typename EnumFn>
Result<std::vector<std::wstring>> EnumNames(EnumFn enum_fn, const std::string& where) {
  std::vector<std::wstring> names;
  std::wstring buffer(kMaxNameChars, L'\0');
  for (DWORD index = 0;; ++index) {
    DWORD chars = kMaxNameChars;
    LSTATUS err = enum_fn(index, buffer.data(), &chars);
    if (err == ERROR_NO_MORE_ITEMS) return names;
    if (err != ERROR_SUCCESS) return Unexpected(WinErrorToStatus(err, where + ": enumerate"));
    names.emplace_back(buffer.data(), std::min<DWORD>(chars, kMaxNameChars));
  }
}

}  // namespace

Result<RegistryValue> ReadRegistryValue(RegistryHive hive, const std::string& key,
                                        const std::string& name) {
  OTGUARD_ASSIGN_OR_RETURN(RegKey handle, OpenKey(hive, key));
  return QueryValue(handle.get(), Utf8ToWide(name), KeyPath(hive, key));
}

Result<std::vector<RegistryValue>> ListRegistryValues(RegistryHive hive, const std::string& key) {
  OTGUARD_ASSIGN_OR_RETURN(RegKey handle, OpenKey(hive, key));
  const std::string where = KeyPath(hive, key);
  // Names first, then each value by name: the data sizes are then each value's own business.
  auto enum_value = [&](DWORD index, wchar_t* name, DWORD* chars) {
    return RegEnumValueW(handle.get(), index, name, chars, nullptr, nullptr, nullptr, nullptr);
  };
  OTGUARD_ASSIGN_OR_RETURN(auto names, EnumNames(enum_value, where));
  std::vector<RegistryValue> values;
  values.reserve(names.size());
  for (const std::wstring& name : names) {
    auto value = QueryValue(handle.get(), name, where);
    if (value.has_value()) {
      values.push_back(std::move(*value));
    } else if (value.error().code() != StatusCode::kNotFound) {  // deleted meanwhile: skip
      return Unexpected(value.error());
    }
  }
  return values;
}

Result<std::vector<std::string>> ListRegistrySubkeys(RegistryHive hive, const std::string& key) {
  OTGUARD_ASSIGN_OR_RETURN(RegKey handle, OpenKey(hive, key));
  auto enum_key = [&](DWORD index, wchar_t* name, DWORD* chars) {
    return RegEnumKeyExW(handle.get(), index, name, chars, nullptr, nullptr, nullptr, nullptr);
  };
  OTGUARD_ASSIGN_OR_RETURN(auto names, EnumNames(enum_key, KeyPath(hive, key)));
  std::vector<std::string> subkeys;
  subkeys.reserve(names.size());
  for (const std::wstring& name : names) subkeys.push_back(WideToUtf8(name));
  return subkeys;
}

}  // namespace otguard::platform
