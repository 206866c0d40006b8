// Private helpers shared by the allowlist's learning, matching and upgrade code: how paths are
// compared (Windows case-insensitively, either separator), how addresses are canonicalised and
// how rule ids are derived. Pure functions; thread-safe.
#ifndef OTGUARD_HOST_ALLOWLIST_INTERNAL_H_
#define OTGUARD_HOST_ALLOWLIST_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/ip_text.h"
#include "otguard/host/allowlist.h"

namespace otguard::host::internal {

// A Windows path: "C:\...", "C:/...", "\\server\share\..." (UNC) or any path with a backslash.
bool IsWindowsPath(std::string_view path);

// The form two paths are compared in: Windows paths with '\' only, ASCII lower-case; every
// path without repeated separators and without "." segments. nullopt when the path has a ".."
// segment: such a path is never matched against a path rule (no "C:\Vendor\..\Temp\x" tricks).
std::optional<std::string> ComparablePath(std::string_view path);
// ComparablePath(), or the path as it is when it has a ".." segment (for messages and lookups
// that must not drop such a path).
std::string ComparableOrSelf(std::string_view path);

// The folder of a path, with its trailing separator ("C:\A\b.exe" -> "C:\A\"); "" for none.
std::string_view FolderOf(std::string_view path);

// The folders of `path` from the root down, each with its trailing separator:
// "C:\A\B\x.exe" -> {"C:\", "C:\A\", "C:\A\B\"}; "/opt/v/x" -> {"/", "/opt/", "/opt/v/"}.
std::vector<std::string_view> FolderChain(std::string_view path);

// The defaults of MergePolicy::folder_never when a policy names none (documented in
// docs/allowlist.md): user-writable, temporary and OS-owned places on Windows and Linux.
const std::vector<std::string>& DefaultFolderNever();

// The shallowest folder a publisher+path rule may name for a file at `path`: two levels below
// a root, where the roots are a drive ("C:\"), "\\server\share\", "Program Files" and
// "Program Files (x86)" on a drive, and "/" on Linux. nullopt when the file lies shallower.
std::optional<std::string_view> ProductFolder(std::string_view path);

// True when the publisher+path folder `folder` (comparable form) equals, lies inside or
// contains one of `never` (any spelling).
bool FolderRefused(std::string_view comparable_folder, const std::vector<std::string>& never);

// One address canonicalised ("::ffff:10.0.0.1" -> "10.0.0.1", IPv6 RFC 5952), or the text as
// it is when it is not an address.
std::string CanonicalAddress(std::string_view address);
// The address as an IPv4 (family 4) or IPv6 prefix of full length; IPv4-mapped IPv6 as IPv4.
std::optional<IpPrefix> AddressPrefix(std::string_view address);

// "p-"/"n-" + the first 12 hex digits of SHA-256 over the rule's fields (comment and id left
// out), so the same rule learned on two hosts has the same id.
std::string ProcessRuleId(const ProcessRule& rule);
std::string NetworkRuleId(const NetworkRule& rule);

// "ab12cd34ef56…" (first 12 hex digits), or "unknown" for "".
std::string ShortHash(std::string_view sha256);

// One line for a rule, for diffs, golden-image outliers and reasons:
// "publisher-path C:\Program Files\V\P\ signed by 'V'", "tcp outbound opc.exe -> 10.1.2.0/24:502".
std::string DescribeProcessRule(const ProcessRule& rule);
std::string DescribeNetworkRule(const NetworkRule& rule);

// Item keys, the same in History and Replay: a process is (executable, sha256); a connection
// is (executable, protocol, direction, remote address, service port).
uint16_t ServicePort(const ConnectionObservation& c);
std::string ProcessKey(std::string_view executable, std::string_view sha256);
std::string NetworkKey(std::string_view executable, std::string_view protocol, Direction d,
                       std::string_view remote, uint16_t port);

}  // namespace otguard::host::internal

#endif  // OTGUARD_HOST_ALLOWLIST_INTERNAL_H_
