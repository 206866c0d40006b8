// Installed software on Windows: what "Add or Remove Programs" lists, read from the Uninstall
// keys (the native one, and the Wow6432Node one where 32-bit installers on 64-bit Windows
// register). Windows has no package database that owns files: OwningPackages is
// Unimplemented (the signer says who made a file).
#include "otguard/platform/packages.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "otguard/platform/registry.h"

namespace otguard::platform {
namespace {

constexpr RegistryHive kHklm = RegistryHive::kLocalMachine;

struct UninstallRoot {
  const char* key;
  const char* architecture;
};
constexpr UninstallRoot kUninstallRoots[] = {
    {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall", ""},
    {"SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall", "x86"},
};

const RegistryValue* Find(const std::vector<RegistryValue>& values, std::string_view name) {
  for (const auto& v : values) {
    // Registry value names are case-insensitive; installers write "Displayname" too.
    if (std::equal(v.name.begin(), v.name.end(), name.begin(), name.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &v;
    }
  }
  return nullptr;
}

// A value as text: strings as they are, numbers in decimal (some installers write
// InstallDate or DisplayVersion as a DWORD).
std::string Text(const std::vector<RegistryValue>& values, std::string_view name) {
  const RegistryValue* v = Find(values, name);
  if (v == nullptr) return {};
  switch (v->type) {
    case RegistryType::kString:
    case RegistryType::kExpandString:
      return v->text;
    case RegistryType::kDword:
    case RegistryType::kQword:
      return std::to_string(v->number);
    default:
      return {};
  }
}

// One Uninstall subkey as a package; nullopt for what "Add or Remove Programs" hides: no
// DisplayName, SystemComponent=1 (parts of another product), ParentKeyName (an update of
// another entry, as XP's hotfixes are recorded).
std::optional<InstalledPackage> PackageOf(const std::vector<RegistryValue>& values,
                                          const char* architecture) {
  InstalledPackage p;
  p.name = Text(values, "DisplayName");
  if (p.name.find_first_not_of(" \t") == std::string::npos) return std::nullopt;
  const RegistryValue* system = Find(values, "SystemComponent");
  if (system != nullptr && system->type == RegistryType::kDword && system->number == 1) {
    return std::nullopt;
  }
  if (Find(values, "ParentKeyName") != nullptr) return std::nullopt;
  p.version = Text(values, "DisplayVersion");
  p.architecture = architecture;
  p.publisher = Text(values, "Publisher");
  p.installed_on = Text(values, "InstallDate");
  p.source = "uninstall";
  return p;
}

}  // namespace

// `where` names files on Linux; the registry of a live Windows host has no root to change.
Result<std::vector<InstalledPackage>> ListPackages(const ConfigRoot&) {
  std::vector<InstalledPackage> out;
  for (const auto& root : kUninstallRoots) {
    auto subkeys = ListRegistrySubkeys(kHklm, root.key);
    if (!subkeys.has_value()) {
      // 32-bit Windows has no Wow6432Node; the native key may be unreadable only by policy.
      if (subkeys.error().code() == StatusCode::kNotFound) continue;
      return Unexpected(subkeys.error());
    }
    for (const auto& subkey : *subkeys) {
      auto values = ListRegistryValues(kHklm, std::string(root.key) + "\\" + subkey);
      if (!values.has_value()) continue;  // removed meanwhile, or locked down
      if (auto p = PackageOf(*values, root.architecture)) out.push_back(std::move(*p));
    }
  }
  std::sort(out.begin(), out.end(), [](const InstalledPackage& a, const InstalledPackage& b) {
    return std::tie(a.name, a.version, a.architecture) <
           std::tie(b.name, b.version, b.architecture);
  });
  return out;
}

Result<std::map<std::string, std::string>> OwningPackages(const std::vector<std::string>&,
                                                          const ConfigRoot&) {
  return Unexpected(Unimplemented(
      "OwningPackages: Windows records no owner of installed files (use the file's signer)"));
}

Result<std::string> PackageFileMd5(const std::string&, const std::string&, const ConfigRoot&) {
  return Unexpected(Unimplemented("PackageFileMd5: Windows has no package checksums"));
}

bool PackageManagerBusy(const ConfigRoot&) { return false; }

}  // namespace otguard::platform
