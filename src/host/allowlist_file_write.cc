// The allowlist file written in one stable form (docs/allowlist.md "The allowlist file"): rules
// sorted by id, keys in a fixed order, so two versions diff line by line and
// ParseAllowlist(FormatAllowlist(x)) == x.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "host/allowlist_text.h"
#include "host/allowlist_toml.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using allowlist_internal::Contains;
using allowlist_internal::kAllowlistFormat;
using allowlist_internal::KeysOf;
using allowlist_internal::KindKeys;
using allowlist_internal::TomlQuote;

void WriteProcess(const ProcessRule& r, std::ostringstream& out) {
  out << "\n[[process]]\n";
  out << "id = " << TomlQuote(r.id) << "\n";
  out << "kind = " << TomlQuote(ProcessRuleKindName(r.kind)) << "\n";
  const KindKeys& uses = KeysOf(r.kind);
  auto used = [&](std::string_view key) {
    return Contains(uses.required, key) || Contains(uses.optional, key);
  };
  if (used("path") && !r.path.empty()) out << "path = " << TomlQuote(r.path) << "\n";
  if (used("sha256")) {
    std::vector<std::string> hashes = r.sha256;
    std::sort(hashes.begin(), hashes.end());
    out << "sha256 = [";
    for (size_t i = 0; i < hashes.size(); ++i) {
      out << (hashes.size() > 1 ? "\n  " : "") << TomlQuote(hashes[i])
          << (hashes.size() > 1 ? "," : "");
    }
    out << (hashes.size() > 1 ? "\n]\n" : "]\n");
  }
  if (used("signer")) out << "signer = " << TomlQuote(r.signer) << "\n";
  if (used("package")) out << "package = " << TomlQuote(r.package) << "\n";
  if (!r.comment.empty()) out << "comment = " << TomlQuote(r.comment) << "\n";
}

void WriteNetwork(const NetworkRule& r, std::ostringstream& out) {
  out << "\n[[network]]\n";
  out << "id = " << TomlQuote(r.id) << "\n";
  if (!r.executable.empty()) out << "process = " << TomlQuote(r.executable) << "\n";
  out << "protocol = " << TomlQuote(r.protocol) << "\n";
  out << "direction = " << TomlQuote(DirectionName(r.direction)) << "\n";
  out << "remote = " << TomlQuote(r.remote.empty() ? "any" : r.remote) << "\n";
  out << "port = " << r.port << "\n";
  if (!r.comment.empty()) out << "comment = " << TomlQuote(r.comment) << "\n";
}

void WriteChange(const AllowlistChange& c, std::ostringstream& out) {
  out << "\n[[change]]\n";
  out << "version = " << c.version << "\n";
  out << "time = " << TomlQuote(TimeText(c.time)) << "\n";
  out << "by = " << TomlQuote(c.by) << "\n";
  out << "what = " << TomlQuote(c.what) << "\n";
}

}  // namespace

std::string FormatAllowlist(const Allowlist& allowlist) {
  std::vector<const ProcessRule*> processes;
  for (const ProcessRule& r : allowlist.processes) processes.push_back(&r);
  std::stable_sort(processes.begin(), processes.end(),
                   [](const ProcessRule* a, const ProcessRule* b) { return a->id < b->id; });
  std::vector<const NetworkRule*> network;
  for (const NetworkRule& r : allowlist.network) network.push_back(&r);
  std::stable_sort(network.begin(), network.end(),
                   [](const NetworkRule* a, const NetworkRule* b) { return a->id < b->id; });
  std::ostringstream out;
  out << "# otguard allowlist (docs/allowlist.md). Rules are sorted by id; earlier approved\n"
         "# versions are kept beside this file as <file>.v<N>.\n";
  out << "[allowlist]\n";
  out << "format = " << kAllowlistFormat << "\n";
  out << "version = " << allowlist.version << "\n";
  out << "host = " << TomlQuote(allowlist.host) << "\n";
  for (const ProcessRule* r : processes) WriteProcess(*r, out);
  for (const NetworkRule* r : network) WriteNetwork(*r, out);
  for (const AllowlistChange& c : allowlist.changes) WriteChange(c, out);
  return out.str();
}

}  // namespace otguard::host
