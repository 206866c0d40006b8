// Windows implementation of otguard/platform/sockets.h: the IP Helper tables with owning
// pids (GetExtendedTcpTable / GetExtendedUdpTable, XP SP2+). The IPv6 tables exist from
// Vista on; on XP the AF_INET6 calls fail and only IPv4 is listed, without an error.
//
// Addresses are formatted here: inet_ntop and RtlIpv6AddressToStringW are Vista+. The IPv6
// text follows RFC 5952 (lower case, the longest run of two or more zero groups as "::",
// IPv4-mapped addresses as ::ffff:a.b.c.d), as Linux's inet_ntop writes it, so both agents
// report an address the same way. Scope ids (the %N of link-local addresses) are not shown,
// as /proc/net does not give them on Linux.
#include <winsock2.h>  // before windows.h

#include <windows.h>

#include <iphlpapi.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "otguard/platform/sockets.h"
#include "platform/windows/sockets_internal.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {

namespace {

using sockets_internal::FormatIpv4;
using sockets_internal::FormatIpv6;

// MIB_TCP_STATE_* (1..12) in the names of sockets.h.
const char* TcpStateName(DWORD state) {
  static const char* const kNames[] = {
      "",          "CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT1",
      "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",    "DELETE_TCB"};
  return state < ARRAYSIZE(kNames) ? kNames[state] : "";
}

// The tables keep ports in network byte order in the low 16 bits of a DWORD.
uint16_t Port(DWORD raw) {
  return static_cast<uint16_t>(((raw & 0xFF) << 8) | ((raw >> 8) & 0xFF));
}

// IPv4 addresses are DWORDs whose bytes in memory are the address in network order.
std::string Ipv4(DWORD raw) {
  unsigned char bytes[4];
  std::memcpy(bytes, &raw, sizeof bytes);
  return FormatIpv4(bytes);
}

// A listening TCP socket's peer reads 0.0.0.0:0 (some Windows versions leave a stray port
// there): it has no peer.
void ClearUnsetPeer(SocketEndpoint* e) {
  bool unset = (e->remote_address == "0.0.0.0" || e->remote_address == "::") && e->remote_port == 0;
  if (e->state == "LISTEN" || unset) {
    e->remote_address.clear();
    e->remote_port = 0;
  }
}

// Calls one of the GetExtended*Table functions into *buf, growing it while the table grows.
template <typename Fn, typename Class>
DWORD FetchTable(Fn fn, ULONG family, Class table_class, std::vector<unsigned char>* buf) {
  DWORD size = static_cast<DWORD>(buf->size());
  DWORD rc = ERROR_INSUFFICIENT_BUFFER;
  for (int attempt = 0; attempt < 8 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
    // Slack: connections opened between the size query and the copy.
    if (size > buf->size() || buf->empty()) buf->resize(size + 4096);
    size = static_cast<DWORD>(buf->size());
    rc = fn(buf->data(), &size, FALSE, family, table_class, 0);
  }
  return rc;
}

// On XP (no IPv6 tables) the AF_INET6 calls fail with one of these.
bool IsMissingIpv6(DWORD rc) {
  return rc == ERROR_INVALID_PARAMETER || rc == ERROR_NOT_SUPPORTED ||
         rc == ERROR_CALL_NOT_IMPLEMENTED;
}

// Fetches one IP Helper table and appends an endpoint per row; `describe` fills in what the
// four tables (TCP/UDP, IPv4/IPv6) spell differently. On XP the IPv6 tables do not exist:
// nothing is added, and that is no error.
template <typename Table, typename Fn, typename Class, typename Describe>
Status AddTable(Fn fn, ULONG family, Class table_class, const char* what, Describe describe,
                std::vector<SocketEndpoint>* out) {
  std::vector<unsigned char> buf;
  DWORD rc = FetchTable(fn, family, table_class, &buf);
  if (family == AF_INET6 && IsMissingIpv6(rc)) return Status::Ok();
  if (rc != NO_ERROR) return win::WinErrorToStatus(rc, what);
  const auto* table = reinterpret_cast<const Table*>(buf.data());
  for (DWORD i = 0; i < table->dwNumEntries; ++i) {
    SocketEndpoint e;
    e.family = family == AF_INET6 ? 6 : 4;
    describe(table->table[i], &e);
    e.local_port = Port(table->table[i].dwLocalPort);
    e.pid = table->table[i].dwOwningPid;
    if (e.protocol == SocketProtocol::kTcp) ClearUnsetPeer(&e);
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

template <typename Row>
void DescribeTcp(const Row& row, std::string local, std::string remote, SocketEndpoint* e) {
  e->protocol = SocketProtocol::kTcp;
  e->local_address = std::move(local);
  e->remote_address = std::move(remote);
  e->remote_port = Port(row.dwRemotePort);
  e->state = TcpStateName(row.dwState);
}

Status AddTcp4(std::vector<SocketEndpoint>* out) {
  return AddTable<MIB_TCPTABLE_OWNER_PID>(
      GetExtendedTcpTable, AF_INET, TCP_TABLE_OWNER_PID_ALL, "GetExtendedTcpTable(AF_INET)",
      [](const MIB_TCPROW_OWNER_PID& row, SocketEndpoint* e) {
        DescribeTcp(row, Ipv4(row.dwLocalAddr), Ipv4(row.dwRemoteAddr), e);
      },
      out);
}

Status AddTcp6(std::vector<SocketEndpoint>* out) {
  return AddTable<MIB_TCP6TABLE_OWNER_PID>(
      GetExtendedTcpTable, AF_INET6, TCP_TABLE_OWNER_PID_ALL, "GetExtendedTcpTable(AF_INET6)",
      [](const MIB_TCP6ROW_OWNER_PID& row, SocketEndpoint* e) {
        DescribeTcp(row, FormatIpv6(row.ucLocalAddr), FormatIpv6(row.ucRemoteAddr), e);
      },
      out);
}

Status AddUdp4(std::vector<SocketEndpoint>* out) {
  return AddTable<MIB_UDPTABLE_OWNER_PID>(
      GetExtendedUdpTable, AF_INET, UDP_TABLE_OWNER_PID, "GetExtendedUdpTable(AF_INET)",
      [](const MIB_UDPROW_OWNER_PID& row, SocketEndpoint* e) {
        e->protocol = SocketProtocol::kUdp;
        e->local_address = Ipv4(row.dwLocalAddr);
      },
      out);
}

Status AddUdp6(std::vector<SocketEndpoint>* out) {
  return AddTable<MIB_UDP6TABLE_OWNER_PID>(
      GetExtendedUdpTable, AF_INET6, UDP_TABLE_OWNER_PID, "GetExtendedUdpTable(AF_INET6)",
      [](const MIB_UDP6ROW_OWNER_PID& row, SocketEndpoint* e) {
        e->protocol = SocketProtocol::kUdp;
        e->local_address = FormatIpv6(row.ucLocalAddr);
      },
      out);
}

}  // namespace

namespace sockets_internal {

std::string FormatIpv4(const unsigned char* bytes) {
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
  return text;
}

std::string FormatIpv6(const unsigned char* bytes) {
  static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(bytes, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    return "::ffff:" + FormatIpv4(bytes + 12);
  }
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  // The first longest run of zero groups, if at least two long (RFC 5952 4.2).
  int best_start = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  char group[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(group, sizeof group, "%x", groups[i]);
    out += group;
  }
  return out;
}

}  // namespace sockets_internal

Result<std::vector<SocketEndpoint>> ListSockets() {
  std::vector<SocketEndpoint> out;
  OTGUARD_RETURN_IF_ERROR(AddTcp4(&out));
  OTGUARD_RETURN_IF_ERROR(AddTcp6(&out));
  OTGUARD_RETURN_IF_ERROR(AddUdp4(&out));
  OTGUARD_RETURN_IF_ERROR(AddUdp6(&out));
  return out;
}

}  // namespace otguard::platform
