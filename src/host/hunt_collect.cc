// CollectHuntSnapshot: the inventory, then what the packs ask about beyond it — the files their
// path globs name, their registry keys, the hosts file — hashed and YARA-checked. Bounded: a
// glob walks only below its literal prefix, at most as deep as it has components ('**' up to
// kMaxDepth), and the whole hunt looks at no more than options.max_files files.
#include <algorithm>
#include <cstring>
#include <set>

#include "host/file_hasher.h"
#include "host/hunt_internal.h"
#include "host/inventory_internal.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "otguard/platform/registry.h"
#include "otguard/platform/system.h"
#include "otguard/scan/yara.h"

namespace otguard::host {
namespace {

using internal::AsciiLower;
using internal::ProgramOf;

constexpr size_t kMaxDepth = 32;
constexpr uint64_t kMaxYaraBytes = 64u << 20;
constexpr uint64_t kMaxHostsBytes = 4u << 20;
constexpr uint64_t kMaxScriptBytes = 1u << 20;
constexpr size_t kMaxScripts = 2000;

// The OS this build runs on, from platform (the one place that knows it).
TargetOs ThisOs() {
  return platform::ThisOsFamily() == platform::OsFamily::kWindows ? TargetOs::kWindows
                                                                  : TargetOs::kLinux;
}
char Sep() { return ThisOs() == TargetOs::kWindows ? '\\' : '/'; }

bool IsSep(char c) { return c == '/' || (ThisOs() == TargetOs::kWindows && c == '\\'); }

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (IsSep(c)) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::map<std::string, std::string> WindowsEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"SYSTEMROOT", "WINDIR", "SYSTEMDRIVE", "PROGRAMFILES",
                           "PROGRAMFILES(X86)", "PROGRAMDATA", "ALLUSERSPROFILE", "APPDATA",
                           "LOCALAPPDATA", "TEMP", "COMMONPROGRAMFILES", "USERPROFILE", "PUBLIC"}) {
    std::string value = platform::GetEnv(name);
    while (!value.empty() && IsSep(value.back())) value.pop_back();
    if (!value.empty()) env[name] = value;
  }
  if (!env.count("SYSTEMROOT") && env.count("WINDIR")) env["SYSTEMROOT"] = env["WINDIR"];
  if (!env.count("WINDIR") && env.count("SYSTEMROOT")) env["WINDIR"] = env["SYSTEMROOT"];
  return env;
}

class FileCollector {
 public:
  FileCollector(HuntSnapshot& snap, const HuntOptions& options) : snap_(snap), options_(options) {}

  // Adds the files `glob` (expanded, with the root) names.
  void Glob(const std::string& glob) {
    std::vector<std::string> parts = Components(glob);
    size_t first_wild = parts.size();
    bool globstar = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (HasWildcard(parts[i]) && first_wild == parts.size()) first_wild = i;
      if (parts[i].find("**") != std::string::npos) globstar = true;
    }
    if (first_wild == parts.size()) {
      AddIfExists(glob);
      return;
    }
    std::string base;
    for (size_t i = 0; i < first_wild; ++i) base += (i ? std::string(1, Sep()) : "") + parts[i];
    if (base.empty()) base = std::string(1, Sep());
    if (globstar && (glob.ends_with("**"))) AddIfExists(base);  // the directory itself
    size_t depth = globstar ? kMaxDepth : parts.size() - first_wild;
    Walk(base, glob, depth);
  }

  // Adds every file under `path` (or the file itself).
  void Everything(const std::string& path) {
    auto info = platform::StatPath(path, false);
    if (!info) return;
    if (info->type == platform::FileType::kDirectory) {
      Walk(path, "", kMaxDepth);
    } else {
      Add(path, *info);
    }
  }

  bool truncated() const { return truncated_; }

 private:
  void AddIfExists(const std::string& path) {
    auto info = platform::StatPath(path, false);
    if (info) Add(path, *info);
  }

  // Depth-first below `dir`, at most `depth` levels; with an empty glob every entry counts.
  void Walk(const std::string& dir, const std::string& glob, size_t depth) {
    if (depth == 0 || truncated_) return;
    auto names = platform::ListDirectory(dir);
    if (!names) return;
    for (const std::string& name : *names) {
      if (name == "." || name == "..") continue;
      std::string path = IsSep(dir.back()) ? dir + name : dir + Sep() + name;
      auto info = platform::StatPath(path, false);
      if (!info) continue;
      bool directory = info->type == platform::FileType::kDirectory;
      bool windows = ThisOs() == TargetOs::kWindows;
      if (glob.empty() || internal::PathGlobMatch(glob, path, windows) ||
          (directory && internal::PathGlobMatch(glob, path + Sep(), windows))) {
        Add(path, *info);
      }
      if (directory && depth > 1) Walk(path, glob, depth - 1);
      if (truncated_) return;
    }
  }

  void Add(const std::string& path, const platform::FileInfo& info) {
    if (info.type != platform::FileType::kRegular && info.type != platform::FileType::kDirectory) {
      return;
    }
    std::string key = ThisOs() == TargetOs::kWindows ? AsciiLower(path) : path;
    if (!seen_.insert(key).second) return;
    if (!options_.root.root.empty() && path.rfind(options_.root.root, 0) != 0) return;
    if (seen_.size() > options_.max_files) {
      truncated_ = true;
      return;
    }
    HuntFile f;
    // The path on the system examined: with a root, without it (as the inventory names files).
    f.path = path.substr(std::min(path.size(), options_.root.root.size()));
    f.directory = info.type == platform::FileType::kDirectory;
    f.size = info.size;
    f.mtime_ns = info.mtime_ns;
    snap_.files.push_back(std::move(f));
  }

  HuntSnapshot& snap_;
  const HuntOptions& options_;
  std::set<std::string> seen_;
  bool truncated_ = false;
};

std::optional<std::pair<platform::RegistryHive, std::string>> SplitRegistryKey(
    const std::string& key) {
  size_t cut = key.find('\\');
  std::string hive = AsciiLower(key.substr(0, cut));
  std::string rest = cut == std::string::npos ? "" : key.substr(cut + 1);
  if (hive == "hklm" || hive == "hkey_local_machine")
    return {{platform::RegistryHive::kLocalMachine, rest}};
  if (hive == "hku" || hive == "hkey_users") return {{platform::RegistryHive::kUsers, rest}};
  if (hive == "hkcu" || hive == "hkey_current_user")
    return {{platform::RegistryHive::kCurrentUser, rest}};
  if (hive == "hkcr" || hive == "hkey_classes_root")
    return {{platform::RegistryHive::kClassesRoot, rest}};
  return std::nullopt;
}

std::string ValueText(const platform::RegistryValue& v) {
  switch (v.type) {
    case platform::RegistryType::kString:
    case platform::RegistryType::kExpandString:
      return v.text;
    case platform::RegistryType::kMultiString: {
      std::string joined;
      for (const std::string& t : v.texts) joined += (joined.empty() ? "" : "\n") + t;
      return joined;
    }
    case platform::RegistryType::kDword:
    case platform::RegistryType::kQword:
      return std::to_string(v.number);
    default: {
      static const char* kHex = "0123456789abcdef";
      std::string hex;
      for (size_t i = 0; i < v.bytes.size() && i < 4096; ++i) {
        hex += kHex[v.bytes[i] >> 4];
        hex += kHex[v.bytes[i] & 15];
      }
      return hex;
    }
  }
}

void CollectRegistry(const std::vector<Pack>& packs, HuntSnapshot& snap) {
  std::set<std::string> done;
  for (const Pack& pack : packs) {
    for (const Indicator& ind : pack.indicators) {
      if (ind.kind != IndicatorKind::kRegistry) continue;
      if (ind.os != TargetOs::kAny && ind.os != snap.os) continue;
      if (!done.insert(AsciiLower(ind.registry_key)).second) continue;
      HuntRegistryKey key;
      key.key = ind.registry_key;
      auto where = SplitRegistryKey(ind.registry_key);
      if (!where) continue;  // the loader refuses these; a hand-made pack may not
      auto values = platform::ListRegistryValues(where->first, where->second);
      if (values) {
        key.exists = true;
        for (const auto& v : *values) key.values.push_back({v.name, ValueText(v)});
      } else if (values.error().code() == StatusCode::kUnimplemented) {
        continue;  // no registry on this OS
      } else if (values.error().code() != StatusCode::kNotFound) {
        snap.incomplete.push_back("registry " + ind.registry_key + ": " +
                                  std::string(values.error().message()));
      }
      snap.registry.push_back(std::move(key));
    }
  }
}

// Compiles each YARA indicator's rules in its own namespace and checks the files and images
// it applies to. No libyara (the Windows build): the indicators are reported as not checked.
void CollectYara(const std::vector<Pack>& packs, const std::string& root, HuntSnapshot& snap) {
  for (const Pack& pack : packs) {
    for (const Indicator& ind : pack.indicators) {
      if (ind.kind != IndicatorKind::kFile || ind.yara.empty()) continue;
      if (ind.os != TargetOs::kAny && ind.os != snap.os) continue;
      std::string id = pack.id + "/" + ind.id;
      scan::YaraSource source{id, ind.yara};
      auto matcher = scan::YaraMatcher::Compile(std::span(&source, 1));
      if (!matcher) {
        snap.incomplete.push_back("YARA rules of " + id + ": " +
                                  std::string(matcher.error().message()));
        continue;
      }
      auto scan_one = [&](const std::string& path, std::vector<std::string>* hits) {
        auto data = platform::ReadFileToString(path, kMaxYaraBytes);
        if (!data) return;
        auto matched = matcher->Matches(
            ByteSpan(reinterpret_cast<const uint8_t*>(data->data()), data->size()));
        if (matched && *matched && hits) hits->push_back(id);
      };
      for (HuntFile& f : snap.files) {
        if (!f.directory) scan_one(root + f.path, &f.yara);
      }
      // Program files are checked too: they become hunt files when a rule matches.
      for (const ImageInfo& img : snap.inventory.images) {
        HuntFile f;
        f.path = img.path;
        // Configured programs live under the root, running ones on this host.
        bool rooted = !root.empty() && platform::PathExists(root + img.path);
        scan_one(rooted ? root + img.path : img.path, &f.yara);
        if (f.yara.empty()) continue;
        f.size = img.size;
        f.md5 = img.md5;
        f.sha1 = img.sha1;
        f.sha256 = img.sha256;
        auto same = std::find_if(snap.files.begin(), snap.files.end(),
                                 [&](const HuntFile& x) { return x.path == f.path; });
        if (same != snap.files.end()) {
          same->yara.push_back(id);
        } else {
          snap.files.push_back(std::move(f));
        }
      }
    }
  }
}

std::string HostsFilePath(const HuntSnapshot& snap, const HuntOptions& options) {
  if (snap.os == TargetOs::kWindows) {
    auto it = snap.environment.find("SYSTEMROOT");
    return it == snap.environment.end() ? "" : it->second + "\\System32\\drivers\\etc\\hosts";
  }
  return options.root.root + "/etc/hosts";
}

bool IsScriptPath(std::string_view path) {
  const std::string lower = AsciiLower(path);
  for (const char* ext : {".sh", ".bash", ".ps1", ".psm1", ".bat", ".cmd", ".vbs", ".vbe", ".js",
                          ".jse", ".wsf", ".py", ".pl"}) {
    if (lower.ends_with(ext) && lower.size() > std::strlen(ext)) return true;
  }
  return false;
}

bool IsAbsolute(std::string_view path) {
  return path.starts_with('/') ||
         (path.size() > 2 && path[1] == ':' && (path[2] == '\\' || path[2] == '/'));
}

// The script files a command runs: its program when that is a script, and absolute script
// paths among its arguments (sh /x.sh, powershell -File C:\x.ps1, wscript C:\x.vbs).
std::vector<std::string> ScriptsOf(std::string_view command, const std::string& image) {
  std::vector<std::string> out;
  if (IsAbsolute(image) && IsScriptPath(image)) out.push_back(image);
  size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && (command[i] == ' ' || command[i] == '\t')) ++i;
    const char quote =
        i < command.size() && (command[i] == '"' || command[i] == '\'') ? command[i] : 0;
    if (quote) ++i;
    size_t start = i;
    while (i < command.size() &&
           (quote ? command[i] != quote : command[i] != ' ' && command[i] != '\t')) {
      ++i;
    }
    std::string token(command.substr(start, i - start));
    if (quote && i < command.size()) ++i;
    if (IsAbsolute(token) && IsScriptPath(token) &&
        std::find(out.begin(), out.end(), token) == out.end()) {
      out.push_back(std::move(token));
    }
  }
  return out;
}

void CollectScripts(const std::vector<Pack>& packs, const HuntOptions& options,
                    HuntSnapshot& snap) {
  bool wanted = false;
  for (const Pack& pack : packs) {
    for (const Indicator& i : pack.indicators) wanted |= !i.domains.empty() || !i.urls.empty();
  }
  if (!wanted) return;
  std::set<std::string> seen;
  auto read = [&](const std::string& path, const std::string& used_by) {
    if (!seen.insert(path).second) return;
    if (seen.size() > kMaxScripts) {
      if (seen.size() == kMaxScripts + 1) {
        snap.incomplete.push_back("scripts: more than " + std::to_string(kMaxScripts) +
                                  " scripts; the rest were not read");
      }
      return;
    }
    const std::string on_disk = snap.os == TargetOs::kWindows ? path : options.root.root + path;
    auto text = platform::ReadFileToString(on_disk, kMaxScriptBytes);
    if (text) {
      snap.scripts.push_back({path, used_by, std::move(*text)});
    } else if (text.error().code() != StatusCode::kNotFound) {
      snap.incomplete.push_back("script " + path + " (" + used_by +
                                "): " + std::string(text.error().message()));
    }
  };
  for (const platform::Autorun& a : snap.inventory.autoruns) {
    const std::string used_by = std::string(platform::AutorunKindName(a.kind)) + " " + a.name;
    for (const std::string& path : ScriptsOf(a.command, a.image)) read(path, used_by);
  }
  for (const platform::ServiceInfo& s : snap.inventory.services) {
    for (const std::string& path : ScriptsOf(s.binary_path, ProgramOf(s.binary_path))) {
      read(path, "service " + s.name);
    }
  }
}

// The inventory the hunt matches: everything but packages and interfaces. With a root, the
// live collectors (os, processes, sockets, hotfixes) still describe this host and the
// configuration collectors (services, autoruns) read under the root; the images collector then
// hashes both kinds of path where each lives.
Result<Inventory> HuntInventory(const HuntOptions& options) {
  InventoryOptions live;
  live.max_image_size = options.max_file_size;
  for (const std::string& name : CollectorNames()) {
    if (name != "packages" && name != "interfaces") live.only.insert(name);
  }
  if (options.root.root.empty()) return TakeInventory(live);
  live.only = {"os", "processes", "sockets", "hotfixes"};
  OTGUARD_ASSIGN_OR_RETURN(Inventory inv, TakeInventory(live));
  InventoryOptions configured;
  configured.root = options.root;
  configured.max_image_size = options.max_file_size;
  configured.only = {"services", "autoruns"};
  OTGUARD_ASSIGN_OR_RETURN(Inventory rooted, TakeInventory(configured));
  inv.services = std::move(rooted.services);
  inv.autoruns = std::move(rooted.autoruns);
  for (CollectorOutcome& c : rooted.collectors) inv.collectors.push_back(std::move(c));
  double start = platform::MonotonicSeconds();
  Result<size_t> images = internal::CollectImages(inv, configured);
  inv.collectors.push_back({"images", images ? Status() : images.error(), images ? *images : 0,
                            platform::MonotonicSeconds() - start});
  return inv;
}

}  // namespace

Result<HuntSnapshot> CollectHuntSnapshot(const std::vector<Pack>& packs,
                                         const HuntOptions& options) {
  HuntSnapshot snap;
  snap.os = ThisOs();
  if (snap.os == TargetOs::kWindows) snap.environment = WindowsEnvironment();

  OTGUARD_ASSIGN_OR_RETURN(snap.inventory, HuntInventory(options));
  for (const CollectorOutcome& c : snap.inventory.collectors) {
    StatusCode code = c.status.code();
    if (code != StatusCode::kOk && code != StatusCode::kUnimplemented) {
      snap.incomplete.push_back(c.name + ": " + std::string(c.status.message()));
    }
  }

  FileCollector files(snap, options);
  for (const Pack& pack : packs) {
    for (const Indicator& ind : pack.indicators) {
      if (ind.kind != IndicatorKind::kFile) continue;
      if (ind.os != TargetOs::kAny && ind.os != snap.os) continue;
      for (const std::string& glob : ind.paths) {
        std::string expanded = snap.os == TargetOs::kWindows
                                   ? internal::ExpandVariables(glob, snap.environment)
                                   : options.root.root + glob;
        if (expanded.find('%') != std::string::npos) continue;  // an unknown variable
        files.Glob(expanded);
      }
    }
  }
  for (const std::string& path : options.extra_paths) files.Everything(options.root.root + path);
  if (files.truncated()) {
    snap.incomplete.push_back("files: more than " + std::to_string(options.max_files) +
                              " files; the rest were not looked at");
  }
  std::sort(snap.files.begin(), snap.files.end(),
            [](const HuntFile& a, const HuntFile& b) { return a.path < b.path; });
  OTGUARD_ASSIGN_OR_RETURN(auto hasher, internal::FileHasher::Create(options.max_file_size));
  for (HuntFile& f : snap.files) {
    if (f.directory) continue;
    internal::FileHashes h = hasher.Hash(options.root.root + f.path);
    f.md5 = std::move(h.md5);
    f.sha1 = std::move(h.sha1);
    f.sha256 = std::move(h.sha256);
    f.error = std::move(h.error);
  }
  CollectYara(packs, options.root.root, snap);
  CollectRegistry(packs, snap);

  std::string hosts = HostsFilePath(snap, options);
  if (!hosts.empty()) {
    auto text = platform::ReadFileToString(hosts, kMaxHostsBytes);
    if (text) snap.hosts_file = std::move(*text);
  }
  CollectScripts(packs, options, snap);
  return snap;
}

}  // namespace otguard::host
