// What the host is on Windows: the version from the kernel (RtlGetVersion) and the registry's
// product strings; installed updates from the three places Windows has recorded them over
// time (Component Based Servicing since Vista, the Updates and HotFix keys on XP and 2003).
#include "otguard/platform/system.h"

#include <windows.h>

#include <cctype>
#include <map>
#include <optional>

#include "otguard/base/time_format.h"
#include "otguard/platform/registry.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

constexpr RegistryHive kHklm = RegistryHive::kLocalMachine;
constexpr char kCurrentVersionKey[] = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
constexpr char kCbsPackagesKey[] =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages";
constexpr char kUpdatesKey[] = "SOFTWARE\\Microsoft\\Updates";
constexpr char kHotFixKey[] = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\HotFix";

// CBS package states (CurrentState) in which the update is in effect. Staged, install-pending
// or uninstall-pending packages are not: reporting them would hide a missing patch.
constexpr uint64_t kCbsSuperseded = 0x50;
constexpr uint64_t kCbsInstalled = 0x70;
constexpr uint64_t kCbsPermanent = 0x80;

std::optional<RegistryValue> ReadValue(const std::string& key, const std::string& name) {
  auto value = ReadRegistryValue(kHklm, key, name);
  if (!value.has_value()) return std::nullopt;
  return std::move(*value);
}

std::string ReadText(const std::string& key, const std::string& name) {
  auto value = ReadValue(key, name);
  if (!value.has_value()) return {};
  if (value->type == RegistryType::kString || value->type == RegistryType::kExpandString) {
    return value->text;
  }
  if (value->type == RegistryType::kDword || value->type == RegistryType::kQword) {
    return std::to_string(value->number);
  }
  return {};
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string NativeArchitecture() {
  // GetNativeSystemInfo (XP and later), not GetSystemInfo: under WOW64 the latter describes
  // the emulated 32-bit machine.
  SYSTEM_INFO info{};
  GetNativeSystemInfo(&info);
  switch (info.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      return "x86_64";
    case PROCESSOR_ARCHITECTURE_INTEL:
      return "x86";
    case 12:  // PROCESSOR_ARCHITECTURE_ARM64 (missing from older SDK headers)
      return "aarch64";
    case PROCESSOR_ARCHITECTURE_ARM:
      return "arm";
    case PROCESSOR_ARCHITECTURE_IA64:
      return "ia64";
    default:
      return "unknown";
  }
}

// The product name as shown to people: ProductName, except that Windows 11 still records
// "Windows 10 ..." there (Microsoft kept the value for compatibility); its builds start at
// 22000.
std::string ProductName(const win::WindowsVersion& v) {
  std::string name = ReadText(kCurrentVersionKey, "ProductName");
  if (name.empty()) {
    std::string edition = ReadText(kCurrentVersionKey, "EditionID");
    name = "Windows " + std::to_string(v.major) + "." + std::to_string(v.minor);
    if (!edition.empty()) name += " " + edition;
  }
  const std::string ten = "Windows 10";
  size_t at = name.find(ten);
  if (v.major == 10 && v.build >= 22000 && at != std::string::npos) name[at + ten.size() - 1] = '1';
  return name;
}

// The build as Windows shows it ("19045.3803" with the update revision UBR, Windows 10 and
// later; "7601" before). XP's CurrentBuild holds "1.511.1 () (Obsolete data - do not use)":
// CurrentBuildNumber is read first, and only digits are believed.
std::string BuildNumber(const win::WindowsVersion& v) {
  std::string build = ReadText(kCurrentVersionKey, "CurrentBuildNumber");
  if (!AllDigits(build)) build = ReadText(kCurrentVersionKey, "CurrentBuild");
  if (!AllDigits(build)) build = std::to_string(v.build);
  auto ubr = ReadValue(kCurrentVersionKey, "UBR");
  if (ubr.has_value() && ubr->type == RegistryType::kDword) {
    build += "." + std::to_string(ubr->number);
  }
  return build;
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// "KB4012212" from a name that contains it ("Package_for_KB4012212~31bf3856ad364e35~...",
// "KB958644-v2"); "" when there is none. Case-insensitive, as update names are. Hotfixes from
// before 2003 are named after the article's old "Q" number ("Q246009"), which is the same
// number as KB246009.
std::string FindKbId(const std::string& name) {
  if (name.size() > 1 && (name[0] == 'Q' || name[0] == 'q') && IsDigit(name[1])) {
    size_t end = 1;
    while (end < name.size() && IsDigit(name[end])) ++end;
    return "KB" + name.substr(1, end - 1);
  }
  for (size_t i = 0; i + 2 < name.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(name[i])) != 'K' ||
        std::toupper(static_cast<unsigned char>(name[i + 1])) != 'B') {
      continue;
    }
    size_t end = i + 2;
    while (end < name.size() && IsDigit(name[end])) ++end;
    if (end > i + 2) return "KB" + name.substr(i + 2, end - i - 2);
  }
  return {};
}

// Found updates by id, in the order of the sources: the first source to name an update wins,
// later ones only fill in what it lacked.
class HotfixSet {
 public:
  void Add(Hotfix hotfix) {
    auto [it, inserted] = index_.emplace(hotfix.id, hotfixes_.size());
    if (inserted) {
      hotfixes_.push_back(std::move(hotfix));
      return;
    }
    Hotfix& known = hotfixes_[it->second];
    if (known.description.empty()) known.description = std::move(hotfix.description);
    if (known.installed_on.empty()) known.installed_on = std::move(hotfix.installed_on);
  }
  std::vector<Hotfix> Take() { return std::move(hotfixes_); }

 private:
  std::vector<Hotfix> hotfixes_;
  std::map<std::string, size_t> index_;
};

// Subkeys of `key`; an absent key is an empty list (that source does not exist on this
// Windows), any other failure an error.
Result<std::vector<std::string>> SubkeysIfPresent(const std::string& key) {
  auto subkeys = ListRegistrySubkeys(kHklm, key);
  if (!subkeys.has_value() && subkeys.error().code() == StatusCode::kNotFound) {
    return std::vector<std::string>();
  }
  return subkeys;
}

// InstallTimeHigh/Low: a FILETIME split into two DWORDs.
std::string CbsInstallTime(const std::string& package_key) {
  auto high = ReadValue(package_key, "InstallTimeHigh");
  auto low = ReadValue(package_key, "InstallTimeLow");
  if (!high.has_value() || !low.has_value()) return {};
  FILETIME time;
  time.dwHighDateTime = static_cast<DWORD>(high->number);
  time.dwLowDateTime = static_cast<DWORD>(low->number);
  int64_t ns = win::FileTimeToUnixNs(time);
  return ns == 0 ? std::string() : Rfc3339UtcFromNs(ns);
}

bool CbsPackageInEffect(const std::string& package_key) {
  auto state = ReadValue(package_key, "CurrentState");
  if (!state.has_value() || state->type != RegistryType::kDword) return true;  // not recorded
  return state->number == kCbsInstalled || state->number == kCbsPermanent ||
         state->number == kCbsSuperseded;
}

Status AddCbsPackages(HotfixSet& found) {
  OTGUARD_ASSIGN_OR_RETURN(auto packages, SubkeysIfPresent(kCbsPackagesKey));
  for (const std::string& package : packages) {
    std::string id = FindKbId(package);
    if (id.empty()) continue;
    const std::string key = std::string(kCbsPackagesKey) + "\\" + package;
    if (!CbsPackageInEffect(key)) continue;
    found.Add({id, package, CbsInstallTime(key), "cbs"});
  }
  return Status::Ok();
}

// Updates\<product>\<service pack>\<KB...>, e.g. Updates\Windows XP\SP3\KB958644.
Status AddUpdatesKey(HotfixSet& found) {
  OTGUARD_ASSIGN_OR_RETURN(auto products, SubkeysIfPresent(kUpdatesKey));
  for (const std::string& product : products) {
    const std::string product_key = std::string(kUpdatesKey) + "\\" + product;
    OTGUARD_ASSIGN_OR_RETURN(auto levels, SubkeysIfPresent(product_key));
    for (const std::string& level : levels) {
      const std::string level_key = product_key + "\\" + level;
      OTGUARD_ASSIGN_OR_RETURN(auto updates, SubkeysIfPresent(level_key));
      for (const std::string& update : updates) {
        std::string id = FindKbId(update);
        if (id.empty()) continue;
        const std::string key = level_key + "\\" + update;
        found.Add({id, ReadText(key, "Description"), ReadText(key, "InstalledDate"), "updates"});
      }
    }
  }
  return Status::Ok();
}

Status AddHotFixKey(HotfixSet& found) {
  OTGUARD_ASSIGN_OR_RETURN(auto fixes, SubkeysIfPresent(kHotFixKey));
  for (const std::string& fix : fixes) {
    std::string id = FindKbId(fix);
    if (id.empty()) continue;
    const std::string key = std::string(kHotFixKey) + "\\" + fix;
    std::string description = ReadText(key, "Fix Description");
    if (description.empty()) description = ReadText(key, "Comments");
    found.Add({id, description, ReadText(key, "InstalledDate"), "hotfix"});
  }
  return Status::Ok();
}

}  // namespace

OsFamily ThisOsFamily() { return OsFamily::kWindows; }

Result<OsVersion> GetOsVersion() {
  const win::WindowsVersion& v = win::RunningWindowsVersion();
  if (v.major == 0) return Unexpected(Internal("RtlGetVersion is unavailable"));
  OsVersion os;
  os.family = "windows";
  os.name = ProductName(v);
  os.version = std::to_string(v.major) + "." + std::to_string(v.minor);
  os.build = BuildNumber(v);
  os.service_pack = win::WideToUtf8(v.service_pack);
  os.architecture = NativeArchitecture();
  os.kernel = os.version + "." + std::to_string(v.build);
  return os;
}

Result<std::vector<Hotfix>> ListHotfixes() {
  HotfixSet found;
  OTGUARD_RETURN_IF_ERROR(AddCbsPackages(found));
  OTGUARD_RETURN_IF_ERROR(AddUpdatesKey(found));
  OTGUARD_RETURN_IF_ERROR(AddHotFixKey(found));
  return found.Take();
}

Result<std::string> GetFileVersion(const std::string& path) {
  // version.dll's API (XP and later). It loads the file as a data file: nothing runs. The
  // resource is small (a few KiB); a size beyond 1 MiB is not a version resource.
  constexpr DWORD kMaxVersionInfoBytes = 1 << 20;
  // System32 through Sysnative under WOW64: the version of the driver the machine runs.
  const std::wstring wide = win::NativeSystemPath(win::Utf8ToWide(path));
  DWORD ignored = 0;
  const DWORD size = GetFileVersionInfoSizeW(wide.c_str(), &ignored);
  if (size == 0 || size > kMaxVersionInfoBytes) {
    const DWORD err = size == 0 ? GetLastError() : ERROR_RESOURCE_DATA_NOT_FOUND;
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND || err == ERROR_ACCESS_DENIED ||
        err == ERROR_SHARING_VIOLATION) {
      return Unexpected(win::WinErrorToStatus(err, "version of " + path));
    }
    // Not a PE file, or one without a VS_VERSION_INFO resource (ERROR_RESOURCE_*_NOT_FOUND,
    // ERROR_BAD_FORMAT, ERROR_BAD_EXE_FORMAT ...).
    return Unexpected(NotFound(path + ": no version resource"));
  }
  std::string info(size, '\0');
  if (!GetFileVersionInfoW(wide.c_str(), 0, size, info.data())) {
    return Unexpected(win::LastErrorToStatus("version of " + path));
  }
  void* fixed = nullptr;
  UINT fixed_bytes = 0;
  // VS_VERSIONINFO aligns its Value (the VS_FIXEDFILEINFO) on 32 bits within the buffer.
  if (!VerQueryValueW(info.data(), L"\\", &fixed, &fixed_bytes) || fixed == nullptr ||
      fixed_bytes < sizeof(VS_FIXEDFILEINFO)) {
    return Unexpected(NotFound(path + ": no fixed file version"));
  }
  const auto* ffi = static_cast<const VS_FIXEDFILEINFO*>(fixed);
  if (ffi->dwSignature != 0xFEEF04BD) return Unexpected(NotFound(path + ": no fixed file version"));
  return std::to_string(HIWORD(ffi->dwFileVersionMS)) + "." +
         std::to_string(LOWORD(ffi->dwFileVersionMS)) + "." +
         std::to_string(HIWORD(ffi->dwFileVersionLS)) + "." +
         std::to_string(LOWORD(ffi->dwFileVersionLS));
}

}  // namespace otguard::platform
