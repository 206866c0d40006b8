// Taking an inventory: runs the collectors (src/host/collectors/, one file each) in order, and
// the images collector's hashing of the program files the other collectors found.
#include "otguard/host/inventory.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "host/file_hasher.h"
#include "host/hunt_internal.h"
#include "host/inventory_collector.h"
#include "host/inventory_internal.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"

namespace otguard::host {
namespace {

using internal::Collectors;
using internal::CollectorSpec;
using internal::SortBy;

// Images beyond this many distinct files are listed with an error instead of being hashed:
// hashing is the inventory's only cost that grows with the data (a DCS host has a few hundred
// program files; a host with thousands is unusual enough to say so rather than read for minutes).
constexpr size_t kMaxImages = 5000;

// ---- Paths ----

bool IsWindowsPath(std::string_view path) {
  bool drive =
      path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0]));
  return drive || path.starts_with("\\\\");
}

bool IsAbsolute(std::string_view path) { return path.starts_with("/") || IsWindowsPath(path); }

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// The lookup key of an image path: Windows paths compare as the OS does, without case and with
// either slash (a service's "C:\WINDOWS\system32\svchost.exe" is the process's
// "C:\Windows\System32\svchost.exe"); other paths as they are. Decided by the path, not by the
// build, so an inventory read on another OS finds the same images.
std::string internal::ImageKey(std::string_view path) {
  std::string key(path);
  if (!IsWindowsPath(path)) return key;
  for (char& c : key) {
    c = c == '/' ? '\\' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

// The program file a configured command line runs: the quoted first word, or on Windows
// everything up to ".exe" (an unquoted "C:\Program Files\x\y.exe -k" is how Windows resolves
// it too), or the first word; systemd's ExecStart prefixes ("-", "@", "+", "!") removed.
std::string internal::ProgramOf(std::string_view command) {
  while (!command.empty() && (command.front() == ' ' || command.front() == '\t')) {
    command.remove_prefix(1);
  }
  if (command.starts_with('"')) {
    size_t end = command.find('"', 1);
    return std::string(command.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  if (command.starts_with('/') || command.find_first_of("-@+!:") == 0) {
    size_t start = command.find_first_not_of("-@+!:");
    command.remove_prefix(start == std::string_view::npos ? command.size() : start);
    return std::string(command.substr(0, command.find_first_of(" \t")));
  }
  std::string lower = ImageKey(command);
  for (size_t at = lower.find(".exe"); at != std::string::npos; at = lower.find(".exe", at + 1)) {
    if (at + 4 == lower.size() || lower[at + 4] == ' ')
      return std::string(command.substr(0, at + 4));
  }
  return std::string(command.substr(0, command.find(' ')));
}

namespace {

using internal::ImageKey;
using internal::ProgramOf;

// %VAR% expanded from this process's environment (the live host's; a service's ImagePath is
// REG_EXPAND_SZ, "%SystemRoot%\system32\svchost.exe -k netsvcs"). Unknown variables stay.
std::string ExpandVariables(const std::string& text) {
  return internal::ExpandVariables(text, [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

// A Windows service's configured image as a path: the kernel's "\??\" and "\SystemRoot\" forms
// and a driver's path relative to the system root ("System32\drivers\x.sys").
std::string ResolveServicePath(std::string path) {
  if (path.starts_with("/")) return path;  // POSIX: '%' is a systemd specifier, not a variable
  if (path.starts_with("\\??\\")) path.erase(0, 4);
  if (StartsWithNoCase(path, "\\SystemRoot\\")) path = "%SystemRoot%" + path.substr(11);
  if (StartsWithNoCase(path, "System32\\")) path = "%SystemRoot%\\" + path;
  return ExpandVariables(path);
}

// ---- The images collector ----

// A file to hash: its path as the inventory names it, and where to read it.
struct ImageSource {
  std::string path;
  std::string read_path;
  bool deleted = false;
};

class ImageSources {
 public:
  explicit ImageSources(std::string root) : root_(std::move(root)) {}

  // A path from this host's process list: read where it is.
  void AddLive(const std::string& path, const std::string& read_path, bool deleted) {
    Add({path, read_path, deleted});
  }
  // A path from configuration read under the root (a Linux tree: Windows' readers ignore the
  // root and name the live host's files).
  void AddConfigured(const std::string& path) {
    if (IsWindowsPath(path)) {
      Add({path, path, false});
    } else if (path.starts_with("/")) {
      Add({path, root_ + path, false});
    }
  }
  std::vector<ImageSource>& sources() { return sources_; }

 private:
  void Add(ImageSource source) {
    if (seen_.insert(ImageKey(source.path)).second) {
      sources_.push_back(std::move(source));
    }
  }
  std::string root_;
  std::vector<ImageSource> sources_;      // in the order found: processes first get hashed first
  std::unordered_set<std::string> seen_;  // ImageKey()s
};

constexpr std::string_view kDeletedSuffix = " (deleted)";

// Every distinct program file the other collectors named, processes first.
std::vector<ImageSource> FindImageSources(const Inventory& inv, const InventoryOptions& options) {
  ImageSources found(options.root.root);
  for (const platform::ProcessInfo& p : inv.processes) {  // none under a root (TakeInventory)
    if (p.executable.empty()) continue;
    // An image deleted (or replaced by a package upgrade) since the process started stays
    // readable through the process itself, which is how a binary that deleted itself still
    // gets its hash.
    std::string readable = platform::RunningImagePath(p);
    found.AddLive(p.executable, readable, readable != p.executable);
  }
  for (const platform::ServiceInfo& s : inv.services) {
    found.AddConfigured(internal::ServiceImagePath(s, inv.autoruns));
    if (!s.service_dll.empty()) found.AddConfigured(s.service_dll);
  }
  for (const platform::Autorun& a : inv.autoruns) {
    if (!a.image.empty()) found.AddConfigured(a.image);
  }
  return std::move(found.sources());
}

// Linux: the packages owning the images, asked once for all of them. Unimplemented on Windows,
// and without a package database nothing owns anything: both leave `package` empty.
void AddOwningPackages(std::vector<ImageInfo>& images, const platform::ConfigRoot& root) {
  std::vector<std::string> paths;
  for (const ImageInfo& image : images) {
    std::string_view path = image.path;
    if (path.ends_with(kDeletedSuffix)) path.remove_suffix(kDeletedSuffix.size());
    paths.emplace_back(path);
  }
  auto owners = platform::OwningPackages(paths, root);
  if (!owners) return;
  for (size_t i = 0; i < images.size(); ++i) {
    auto owner = owners->find(paths[i]);
    if (owner != owners->end()) images[i].package = owner->second;
  }
}

// Windows: who signed each image. Stops asking after the first Unimplemented (Linux).
void AddSignatures(std::vector<ImageInfo>& images, const std::vector<ImageSource>& sources) {
  for (size_t i = 0; i < images.size(); ++i) {
    if (!images[i].error.empty() && !sources[i].deleted) continue;
    auto signature = platform::GetFileSignature(sources[i].read_path);
    if (!signature && signature.error().code() == StatusCode::kUnimplemented) return;
    if (signature) images[i].signature = std::move(*signature);
  }
}

}  // namespace

// The images collector, on whatever lists `inv` holds.
Result<size_t> internal::CollectImages(Inventory& inv, const InventoryOptions& options) {
  std::vector<ImageSource> sources = FindImageSources(inv, options);
  OTGUARD_ASSIGN_OR_RETURN(auto hasher, internal::FileHasher::Create(options.max_image_size));
  std::vector<ImageInfo> images(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    images[i].path = sources[i].path;
    if (i >= kMaxImages) {
      images[i].error = "not hashed: more than " + std::to_string(kMaxImages) + " images";
      continue;
    }
    internal::FileHashes h = hasher.Hash(sources[i].read_path);
    images[i].size = h.size;
    images[i].md5 = std::move(h.md5);
    images[i].sha1 = std::move(h.sha1);
    images[i].sha256 = std::move(h.sha256);
    images[i].error = std::move(h.error);
    // Hashes of a deleted file come from the running image; the error still says it is gone.
    // A memfd image never was a file (fileless execution: memfd_create and execve).
    if (sources[i].deleted) {
      images[i].error = images[i].path.starts_with("/memfd:") ? "deleted (memfd)" : "deleted";
    }
  }
  AddSignatures(images, sources);
  AddOwningPackages(images, options.root);
  std::vector<std::pair<std::string, ImageInfo>> keyed;
  keyed.reserve(images.size());
  for (ImageInfo& image : images) keyed.emplace_back(ImageKey(image.path), std::move(image));
  SortBy(keyed, [](const auto& k) -> const std::string& { return k.first; });
  inv.images.clear();
  for (auto& [key, image] : keyed) inv.images.push_back(std::move(image));
  return inv.images.size();
}

namespace internal {

// The program a service starts: the autorun reader's resolution when it lists the same
// command (it knows the system's search rules), else the command line's first word, resolved.
// "" when that is not an absolute path.
std::string ServiceImagePath(const platform::ServiceInfo& service,
                             const std::vector<platform::Autorun>& autoruns) {
  if (service.binary_path.empty()) return "";
  for (const platform::Autorun& a : autoruns) {
    if (a.command == service.binary_path && !a.image.empty()) return a.image;
  }
  std::string path = ResolveServicePath(ProgramOf(service.binary_path));
  return IsAbsolute(path) ? path : "";
}

}  // namespace internal

const ImageInfo* FindImage(const Inventory& inventory, const std::string& path) {
  std::string key = ImageKey(path);
  auto it = std::lower_bound(
      inventory.images.begin(), inventory.images.end(), key,
      [](const ImageInfo& image, const std::string& k) { return ImageKey(image.path) < k; });
  if (it == inventory.images.end() || ImageKey(it->path) != key) return nullptr;
  return &*it;
}

std::vector<std::string> CollectorNames() {
  std::vector<std::string> names;
  for (const CollectorSpec& c : Collectors()) names.push_back(c.name);
  return names;
}

Result<Inventory> TakeInventory(const InventoryOptions& options) {
  std::vector<std::string> names = CollectorNames();
  std::set<std::string> wanted = options.only;
  for (const std::string& name : options.only) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Unexpected(InvalidArgument("unknown inventory collector '" + name + "'"));
    }
  }
  // An inventory of a system under a root describes that system only: this host's processes
  // or sockets beside it would read as the other system's (and be joined with its files).
  for (const CollectorSpec& c : Collectors()) {
    if (options.root.root.empty() || c.reads_root) continue;
    if (wanted.count(c.name)) {
      return Unexpected(InvalidArgument(std::string("the ") + c.name +
                                        " collector describes this host, not a system read "
                                        "under a root"));
    }
  }
  if (wanted.empty() && !options.root.root.empty()) {
    for (const CollectorSpec& c : Collectors()) {
      if (c.reads_root) wanted.insert(c.name);
    }
  }
  for (const CollectorSpec& c : Collectors()) {
    if (!wanted.count(c.name)) continue;
    for (std::string need : c.needs) {
      if (need == "processes" && !options.root.root.empty()) continue;  // see above
      wanted.insert(need);
    }
  }
  Inventory inv;
  inv.taken_at = EventTime::Now();
  inv.host_name = platform::HostName();
  for (const CollectorSpec& c : Collectors()) {
    if (!wanted.empty() && !wanted.count(c.name)) continue;
    double start = platform::MonotonicSeconds();
    Result<size_t> got = c.collect(inv, options);
    CollectorOutcome outcome{c.name, got ? Status() : got.error(), got ? *got : 0,
                             platform::MonotonicSeconds() - start};
    inv.collectors.push_back(std::move(outcome));
  }
  return inv;
}

}  // namespace otguard::host
