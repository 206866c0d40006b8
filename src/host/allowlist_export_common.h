// What the export targets of src/host/allowlist_export/ share (otguard/host/allowlist_export.h):
// rule names, stable GUIDs, checks that a value can be written in a target's syntax, and the
// network rules grouped the way firewalls want them.
#ifndef OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_COMMON_H_
#define OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_COMMON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/ip_text.h"
#include "otguard/base/status.h"
#include "otguard/host/allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host::export_internal {

// "hash", "path", "path-signer", "publisher-path", "package" / "listen", "outbound", "inbound".
std::string_view KindName(ProcessRuleKind kind);
std::string_view DirectionText(Direction direction);

// A GUID that is the same for the same `name` on every export (an RFC 4122 version 5 UUID in
// otguard's namespace), lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". Re-exporting an
// allowlist then updates the rules it wrote before instead of adding copies.
Result<std::string> StableGuid(std::string_view name);

// InvalidArgument("<rule id>: <what> ... cannot be written in <target>: ...") when `value`
// holds a control character (a line break would start a new rule) or one of `forbidden`.
Status CheckValue(std::string_view value, std::string_view forbidden, std::string_view rule_id,
                  std::string_view what, std::string_view target);

// The last component of a Windows or POSIX path ("C:\\X\\opc.exe" -> "opc.exe").
std::string_view BaseName(std::string_view path);

// `text` with every line prefixed by `prefix` ("# ", "rem ", "; ") and ended by `eol`.
std::string CommentLines(std::string_view text, std::string_view prefix, std::string_view eol);

// `text` as cmd.exe comment lines ("rem ...", CRLF). A '%' is doubled and a '^' dropped: cmd
// expands variables (and fails on a bad "%~") and joins lines even in a rem line.
std::string RemLines(std::string_view text);
// `text` safe inside a quoted netsh argument: no '"' (it would end the argument) or '%'.
std::string CmdQuotable(std::string_view text);

// The header every target starts with: what it was made from and what it does, as comment
// lines. `mode` is the target's own words for what enforce on/off means.
std::string Header(const Allowlist& allowlist, std::string_view target, std::string_view mode,
                   std::string_view prefix, std::string_view eol);

// One network rule with its remote parsed: "any" -> nullopt.
struct ParsedNetworkRule {
  const NetworkRule* rule = nullptr;
  bool any_remote = true;
  IpPrefix remote;
};
// Every network rule with a known protocol ("tcp"/"udp") and a parseable remote;
// InvalidArgument naming the rule for anything else.
Result<std::vector<ParsedNetworkRule>> ParseNetworkRules(const Allowlist& allowlist,
                                                         std::string_view target);

}  // namespace otguard::host::export_internal

#endif  // OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_COMMON_H_
