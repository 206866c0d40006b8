// Linux implementation of otguard/platform/sockets.h: the kernel's socket tables in
// /proc/net/{tcp,tcp6,udp,udp6}, and their owners found through /proc/<pid>/fd.
//
// The tables are those of this process's network namespace (a container's sockets are not
// seen from outside it). The owner of a socket is found by its inode among the "socket:[N]"
// links of every process's descriptors, in one pass per listing; a socket shared by several
// processes (inherited over fork) gets the lowest pid, usually the parent. Descriptors this
// caller may not read (other users' processes without root) leave pid 0.
#include "otguard/platform/sockets.h"
#include "platform/linux/proc_text.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace otguard::platform {
namespace {

using linux_internal::ParseSocketLine;

struct Table {
  const char* path;
  SocketProtocol protocol;
  int family;
};
constexpr Table kTables[] = {
    {"/proc/net/tcp", SocketProtocol::kTcp, 4},
    {"/proc/net/tcp6", SocketProtocol::kTcp, 6},
    {"/proc/net/udp", SocketProtocol::kUdp, 4},
    {"/proc/net/udp6", SocketProtocol::kUdp, 6},
};

// Appends the entries of one table with their inodes; false when it cannot be read.
bool ReadTable(const Table& table, std::vector<SocketEndpoint>* out,
               std::vector<uint64_t>* inodes) {
  FILE* f = std::fopen(table.path, "re");
  if (f == nullptr) return false;
  char buf[512];
  bool header = true;
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    if (header) {
      header = false;
      continue;
    }
    SocketEndpoint endpoint;
    uint64_t inode = 0;
    if (!ParseSocketLine(buf, table.protocol, table.family, &endpoint, &inode)) continue;
    out->push_back(std::move(endpoint));
    inodes->push_back(inode);
  }
  std::fclose(f);
  return true;
}

bool IsPid(const char* name) {
  if (*name == '\0') return false;
  for (const char* p = name; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
  }
  return true;
}

// Records pid as the owner of every socket among its descriptors that is in *owners.
void ScanDescriptors(int proc_dir, const char* pid_text,
                     std::unordered_map<uint64_t, uint32_t>* owners) {
  std::string path = std::string(pid_text) + "/fd";
  int fd = openat(proc_dir, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // gone, or not ours to read
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return;
  }
  uint32_t pid = static_cast<uint32_t>(std::strtoul(pid_text, nullptr, 10));
  char target[64];
  while (struct dirent* entry = readdir(dir)) {
    if (!IsPid(entry->d_name)) continue;  // descriptor numbers; skips "." and ".."
    ssize_t n = readlinkat(fd, entry->d_name, target, sizeof target - 1);
    if (n <= 8 || std::memcmp(target, "socket:[", 8) != 0) continue;
    target[n] = '\0';
    auto it = owners->find(std::strtoull(target + 8, nullptr, 10));
    if (it != owners->end() && (it->second == 0 || pid < it->second)) it->second = pid;
  }
  closedir(dir);
}

// inode -> owning pid for the given inodes (0 where no readable descriptor holds it).
std::unordered_map<uint64_t, uint32_t> FindOwners(const std::vector<uint64_t>& inodes) {
  std::unordered_map<uint64_t, uint32_t> owners;
  for (uint64_t inode : inodes) {
    if (inode != 0) owners.emplace(inode, 0);  // 0: TIME_WAIT and request sockets
  }
  if (owners.empty()) return owners;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return owners;
  while (struct dirent* entry = readdir(proc)) {
    if (IsPid(entry->d_name)) ScanDescriptors(dirfd(proc), entry->d_name, &owners);
  }
  closedir(proc);
  return owners;
}

}  // namespace

Result<std::vector<SocketEndpoint>> ListSockets() {
  std::vector<SocketEndpoint> out;
  std::vector<uint64_t> inodes;
  for (const Table& table : kTables) {
    // Without IPv6 (ipv6.disable=1) the *6 tables do not exist: only IPv4 then.
    if (!ReadTable(table, &out, &inodes) && table.family == 4) {
      return Unexpected(ErrnoToStatus(errno, table.path));
    }
  }
  auto owners = FindOwners(inodes);
  for (size_t i = 0; i < out.size(); ++i) {
    auto it = owners.find(inodes[i]);
    if (it != owners.end()) out[i].pid = it->second;
  }
  return out;
}

namespace linux_internal {

// include/net/tcp_states.h; a request socket (NEW_SYN_RECV) is a half-open connection.
namespace {
const char* TcpStateName(unsigned state) {
  switch (state) {
    case 0x01:
      return "ESTABLISHED";
    case 0x02:
      return "SYN_SENT";
    case 0x03:
      return "SYN_RECEIVED";
    case 0x04:
      return "FIN_WAIT1";
    case 0x05:
      return "FIN_WAIT2";
    case 0x06:
      return "TIME_WAIT";
    case 0x07:
      return "CLOSED";
    case 0x08:
      return "CLOSE_WAIT";
    case 0x09:
      return "LAST_ACK";
    case 0x0A:
      return "LISTEN";
    case 0x0B:
      return "CLOSING";
    case 0x0C:
      return "SYN_RECEIVED";
    default:
      return "";
  }
}

// "0100007F:0277" (IPv4) or 32 hex digits + ":port" (IPv6). The kernel prints each 32-bit
// word of the address as an integer in host byte order, so each word is parsed as an
// integer and stored back in host order to give the address bytes.
}  // namespace

bool ParseEndpoint(std::string_view text, int family, std::string* address, uint16_t* port) {
  size_t colon = text.find(':');
  size_t words = family == 4 ? 1 : 4;
  if (colon != words * 8) return false;
  uint32_t raw[4] = {};
  for (size_t i = 0; i < words; ++i) {
    char hex[9] = {};
    std::memcpy(hex, text.data() + i * 8, 8);
    raw[i] = static_cast<uint32_t>(std::strtoul(hex, nullptr, 16));
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family == 4 ? AF_INET : AF_INET6, raw, buf, sizeof buf) == nullptr) return false;
  *address = buf;
  *port =
      static_cast<uint16_t>(std::strtoul(std::string(text.substr(colon + 1)).c_str(), nullptr, 16));
  return true;
}

namespace {
bool IsUnspecified(const std::string& address) { return address == "0.0.0.0" || address == "::"; }

}  // namespace

// One line: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...".
bool ParseSocketLine(const std::string& line, SocketProtocol protocol, int family,
                     SocketEndpoint* out, uint64_t* inode) {
  char local[64], remote[64];
  unsigned state = 0;
  unsigned long long ino = 0;
  if (std::sscanf(line.c_str(), " %*[^:]: %63s %63s %x %*s %*s %*s %*s %*s %llu", local, remote,
                  &state, &ino) != 4) {
    return false;
  }
  out->protocol = protocol;
  out->family = family;
  if (!ParseEndpoint(local, family, &out->local_address, &out->local_port) ||
      !ParseEndpoint(remote, family, &out->remote_address, &out->remote_port)) {
    return false;
  }
  // A listening or unconnected socket has no peer: the all-zero peer is not an address.
  if (IsUnspecified(out->remote_address) && out->remote_port == 0) out->remote_address.clear();
  if (protocol == SocketProtocol::kTcp) out->state = TcpStateName(state);
  *inode = ino;
  return true;
}

}  // namespace linux_internal

}  // namespace otguard::platform
