// Paths, folders, addresses and rule ids for the allowlist (host/allowlist_internal.h).
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "host/allowlist_internal.h"
#include "otguard/base/bytes.h"
#include "otguard/platform/crypto.h"

namespace otguard::host::internal {
namespace {

bool IsSeparator(char c) { return c == '/' || c == '\\'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// Win32 drops trailing dots and spaces of a name ("Product. " is "Product"); compare as it does.
std::string_view TrimWindowsName(std::string_view segment) {
  while (!segment.empty() && (segment.back() == '.' || segment.back() == ' ')) {
    segment.remove_suffix(1);
  }
  return segment;
}

}  // namespace

bool IsWindowsPath(std::string_view path) {
  if (path.size() >= 2 && path[1] == ':' &&
      ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'))) {
    return true;
  }
  return path.find('\\') != std::string_view::npos;
}

std::optional<std::string> ComparablePath(std::string_view path) {
  const bool windows = IsWindowsPath(path);
  const char sep = windows ? '\\' : '/';
  std::string text = windows ? LowerAscii(path) : std::string(path);
  if (windows) {
    std::replace(text.begin(), text.end(), '/', '\\');
    // "\\?\C:\x" and "\\?\UNC\srv\share\x" are the same files as "C:\x" and "\\srv\share\x".
    if (text.starts_with("\\\\?\\unc\\")) {
      text.erase(2, 6);
    } else if (text.starts_with("\\\\?\\") || text.starts_with("\\??\\")) {
      text.erase(0, 4);
    }
  }
  std::string out;
  size_t i = 0;
  if (windows && text.starts_with("\\\\")) {
    out = "\\\\";
    i = 2;
  } else if (!text.empty() && text[0] == sep) {
    out = std::string(1, sep);
    i = 1;
  }
  const size_t root_size = out.size();
  const bool trailing = text.size() > i && text.back() == sep;
  while (i < text.size()) {
    size_t end = text.find(sep, i);
    if (end == std::string::npos) end = text.size();
    std::string_view segment(text.data() + i, end - i);
    i = end + 1;
    if (windows) {
      // "..." and ". ." are ".." to Win32 once trailing dots and spaces go.
      bool only_dots = !segment.empty() && segment.find_first_not_of(". ") == std::string::npos;
      if (only_dots && segment != ".") return std::nullopt;
      segment = TrimWindowsName(segment);
    }
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return std::nullopt;
    if (out.size() > root_size) out += sep;
    out.append(segment);
  }
  if (trailing && out.size() > root_size) out += sep;
  return out;
}

std::string ComparableOrSelf(std::string_view path) {
  std::optional<std::string> c = ComparablePath(path);
  return c ? *c : std::string(path);
}

std::string_view FolderOf(std::string_view path) {
  size_t pos = path.find_last_of("/\\");
  return pos == std::string_view::npos ? std::string_view() : path.substr(0, pos + 1);
}

std::vector<std::string_view> FolderChain(std::string_view path) {
  std::vector<std::string_view> chain;
  for (size_t k = 0; k < path.size(); ++k) {
    if (!IsSeparator(path[k])) continue;
    if (k > 0 && IsSeparator(path[k - 1])) continue;  // "\\srv" and doubled separators
    chain.push_back(path.substr(0, k + 1));
  }
  return chain;
}

const std::vector<std::string>& DefaultFolderNever() {
  static const std::vector<std::string> folders = {
      // Windows: the OS's own folders (system files get rules of their own, by hash or by
      // path and signer), every user's profile (and XP's), shared and temporary places.
      "C:\\Windows\\", "C:\\Users\\", "C:\\Documents and Settings\\", "C:\\ProgramData\\",
      "C:\\Temp\\", "C:\\Tmp\\", "C:\\$Recycle.Bin\\", "C:\\RECYCLER\\", "C:\\Recovery\\",
      "C:\\System Volume Information\\", "C:\\PerfLogs\\", "C:\\Program Files\\Common Files\\",
      "C:\\Program Files (x86)\\Common Files\\", "C:\\Program Files\\WindowsApps\\",
      // Linux: writable and temporary places, home folders, the OS's own folders (dpkg owns
      // what lies there: package rules cover it).
      "/tmp/", "/var/", "/dev/", "/run/", "/home/", "/root/", "/etc/", "/boot/", "/bin/", "/sbin/",
      "/lib/", "/lib32/", "/lib64/", "/libx32/", "/usr/bin/", "/usr/sbin/", "/usr/lib/",
      "/usr/lib32/", "/usr/lib64/", "/usr/libexec/", "/usr/share/", "/usr/local/bin/",
      "/usr/local/sbin/", "/usr/local/lib/", "/srv/", "/mnt/", "/media/", "/snap/"};
  return folders;
}

std::optional<std::string_view> ProductFolder(std::string_view path) {
  std::vector<std::string_view> chain = FolderChain(path);
  if (chain.empty()) return std::nullopt;
  const bool windows = IsWindowsPath(path);
  size_t root = 0;
  if (windows && path.size() >= 2 && IsSeparator(path[0]) && IsSeparator(path[1])) {
    root = 2;  // "\\", "\\srv\", "\\srv\share\"
  } else if (path.empty() || (!IsSeparator(path[0]) && !windows)) {
    return std::nullopt;  // a relative path names no place
  }
  if (windows && chain.size() > root + 1) {
    std::string name = LowerAscii(chain[root + 1].substr(chain[root].size()));
    if (name == "program files\\" || name == "program files (x86)\\" || name == "program files/" ||
        name == "program files (x86)/") {
      ++root;
    }
  }
  if (chain.size() <= root + 2) return std::nullopt;
  return chain[root + 2];
}

bool FolderRefused(std::string_view comparable_folder, const std::vector<std::string>& never) {
  for (const std::string& entry : never) {
    std::optional<std::string> folder = ComparablePath(entry);
    if (!folder || folder->empty()) continue;
    char sep = IsWindowsPath(entry) ? '\\' : '/';
    if (folder->back() != sep) *folder += sep;
    if (comparable_folder.starts_with(*folder) ||
        std::string_view(*folder).starts_with(comparable_folder)) {
      return true;
    }
  }
  return false;
}

std::optional<IpPrefix> AddressPrefix(std::string_view address) {
  std::optional<IpPrefix> prefix = ParseIpAddress(address);
  if (!prefix) return std::nullopt;
  const auto& b = prefix->bytes;
  bool mapped = prefix->family == 6 && b[10] == 0xff && b[11] == 0xff &&
                std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; });
  if (mapped) {
    IpPrefix v4;
    v4.family = 4;
    v4.length = 32;
    std::copy(b.begin() + 12, b.end(), v4.bytes.begin());
    return v4;
  }
  return prefix;
}

std::string CanonicalAddress(std::string_view address) {
  std::optional<IpPrefix> prefix = AddressPrefix(address);
  return prefix ? IpPrefixText(*prefix) : std::string(address);
}

namespace {

std::string IdOf(const char* tag, const std::string& fields) {
  auto digest =
      platform::Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(fields.data()), fields.size()));
  std::string hex;
  if (digest) {
    hex = HexEncode(ByteSpan(digest->data(), 6));
  } else {  // the OS's hash provider failed: still stable within this build
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(std::hash<std::string>{}(fields)));
    hex.assign(buf + 4, 12);
  }
  return std::string(tag) + hex;
}

std::string PathField(std::string_view path) {
  std::optional<std::string> comparable = ComparablePath(path);
  return comparable ? *comparable : std::string(path);
}

}  // namespace

std::string ProcessRuleId(const ProcessRule& rule) {
  std::string fields = "process\x1f";
  fields += std::to_string(static_cast<int>(rule.kind));
  fields += '\x1f';
  fields += PathField(rule.path);
  fields += '\x1f';
  std::vector<std::string> hashes = rule.sha256;
  std::sort(hashes.begin(), hashes.end());
  for (const std::string& h : hashes) fields += LowerAscii(h) + ",";
  fields += '\x1f' + rule.signer + '\x1f' + rule.package;
  return IdOf("p-", fields);
}

std::string NetworkRuleId(const NetworkRule& rule) {
  std::string fields = "network\x1f" + PathField(rule.executable) + '\x1f' +
                       LowerAscii(rule.protocol) + '\x1f' +
                       std::to_string(static_cast<int>(rule.direction)) + '\x1f' + rule.remote +
                       '\x1f' + std::to_string(rule.port);
  return IdOf("n-", fields);
}

std::string ShortHash(std::string_view sha256) {
  if (sha256.empty()) return "unknown";
  if (sha256.size() <= 12) return std::string(sha256);
  return std::string(sha256.substr(0, 12)) + "...";
}

std::string DescribeProcessRule(const ProcessRule& rule) {
  std::string out = ProcessRuleKindName(rule.kind);
  out += ' ';
  switch (rule.kind) {
    case ProcessRuleKind::kHash:
      out += rule.path.empty() ? std::string("(any path)") : rule.path;
      if (rule.sha256.size() == 1) {
        out += " sha256 " + ShortHash(rule.sha256[0]);
      } else {
        out += " (" + std::to_string(rule.sha256.size()) + " contents)";
      }
      break;
    case ProcessRuleKind::kPath:
      out += rule.path + " (any content)";
      break;
    case ProcessRuleKind::kPathSigner:
    case ProcessRuleKind::kPublisherPath:
      out += rule.path + " signed by '" + rule.signer + "'";
      break;
    case ProcessRuleKind::kPackage:
      out += rule.package;
      break;
  }
  return out;
}

std::string DescribeNetworkRule(const NetworkRule& rule) {
  std::string exe = rule.executable.empty() ? std::string("(any process)") : rule.executable;
  std::string port = rule.port == 0 ? std::string("any port") : "port " + std::to_string(rule.port);
  std::string out = rule.protocol + ' ' + DirectionName(rule.direction) + ' ' + exe;
  switch (rule.direction) {
    case Direction::kListen:
      return out + " on " + port;
    case Direction::kInbound:
      return out + " from " + rule.remote + " on " + port;
    case Direction::kOutbound:
      return out + " to " + rule.remote + ' ' + port;
  }
  return out;
}

uint16_t ServicePort(const ConnectionObservation& c) {
  return c.direction == Direction::kOutbound ? c.remote_port : c.local_port;
}

std::string ProcessKey(std::string_view executable, std::string_view sha256) {
  std::string key;
  key.reserve(executable.size() + sha256.size() + 1);
  key.append(executable);
  key += '\0';
  key.append(sha256);
  return key;
}

std::string NetworkKey(std::string_view executable, std::string_view protocol, Direction d,
                       std::string_view remote, uint16_t port) {
  std::string key;
  key.reserve(executable.size() + protocol.size() + remote.size() + 8);
  key.append(executable);
  key += '\0';
  key.append(protocol);
  key += '\0';
  key += static_cast<char>('0' + static_cast<int>(d));
  key.append(remote);
  key += '\0';
  key += static_cast<char>(port >> 8);
  key += static_cast<char>(port & 0xff);
  return key;
}

}  // namespace otguard::host::internal
