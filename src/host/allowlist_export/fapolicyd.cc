// fapolicyd rules (fapolicyd.rules(5)): one rules.d file, "decision perm subject : object" a
// line, first match wins. The allowlist's process rules become `allow perm=execute` rules on
// the object (the file being executed); a last rule decides everything else: deny_audit when
// enforcing, allow_audit (allowed, but an audit event) when monitoring.
#include <string>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::fapolicyd {
namespace {

using export_internal::CheckValue;
using export_internal::CommentLines;
using export_internal::KindName;

constexpr std::string_view kName = "fapolicyd";

// A rule value is one space-separated field: no spaces, no commas (a comma makes a list), no
// leading '%' (a set name). Such a path cannot be written: the rule is left out, with a comment.
std::string Unwritable(std::string_view path) {
  if (path.empty() || path.front() != '/') return "it is not an absolute Linux path";
  if (path.find_first_of(" \t,") != std::string_view::npos) {
    return "fapolicyd rule values cannot hold a space or a comma";
  }
  return "";
}

void Comment(std::string& out, std::string_view text) { out += CommentLines(text, "# ", "\n"); }

void NotExported(std::string& out, const ProcessRule& rule, std::string_view why) {
  Comment(out, "NOT EXPORTED " + rule.id + " (" + std::string(KindName(rule.kind)) + " " +
                   rule.path + rule.package + "): " + std::string(why));
}

Status ProcessRuleLines(const ProcessRule& rule, std::string& out) {
  OTGUARD_RETURN_IF_ERROR(CheckValue(rule.path, "", rule.id, "path", kName));
  OTGUARD_RETURN_IF_ERROR(CheckValue(rule.comment, "", rule.id, "comment", kName));
  if (rule.kind == ProcessRuleKind::kPackage) return Status::Ok();  // together, below
  bool has_path = !rule.path.empty();
  if (has_path) {
    std::string why = Unwritable(rule.path);
    if (!why.empty()) {
      NotExported(out, rule, why);
      return Status::Ok();
    }
  }
  Comment(out, rule.id + " " + std::string(KindName(rule.kind)) +
                   (rule.comment.empty() ? "" : ": " + rule.comment));
  switch (rule.kind) {
    case ProcessRuleKind::kHash:
      if (rule.sha256.empty()) {
        NotExported(out, rule, "a hash rule without a hash");
        break;
      }
      for (const std::string& sha256 : rule.sha256) {
        OTGUARD_RETURN_IF_ERROR(CheckValue(sha256, " ,%", rule.id, "sha256", kName));
        out += "allow perm=execute all : ";
        if (has_path) out += "path=" + rule.path + " ";
        out += "sha256hash=" + sha256 + "\n";
      }
      break;
    case ProcessRuleKind::kPath:
      out += "allow perm=execute all : path=" + rule.path + "\n";
      break;
    case ProcessRuleKind::kPathSigner:
      Comment(out, "WIDENED: fapolicyd cannot check an Authenticode signer ('" + rule.signer +
                       "'); any content at this path is allowed");
      out += "allow perm=execute all : path=" + rule.path + "\n";
      break;
    case ProcessRuleKind::kPublisherPath:
      Comment(out, "WIDENED: fapolicyd cannot check an Authenticode signer ('" + rule.signer +
                       "'); any file under this folder is allowed");
      out += "allow perm=execute all : dir=" + rule.path + "\n";
      break;
    case ProcessRuleKind::kPackage:
      break;
  }
  return Status::Ok();
}

void PackageLines(const Allowlist& allowlist, std::string& out) {
  std::string packages;
  for (const ProcessRule& rule : allowlist.processes) {
    if (rule.kind != ProcessRuleKind::kPackage) continue;
    packages += (packages.empty() ? "" : ", ") + rule.package + " (" + rule.id + ")";
  }
  if (packages.empty()) return;
  Comment(out,
          "package rules: " + packages +
              "\nWIDENED: fapolicyd knows packaged files only through its trust database "
              "(trust=1), which holds every trusted file, not one package's. Debian 12's "
              "fapolicyd 1.1.7 has no dpkg backend: list the packages' files in "
              "/etc/fapolicyd/trust.d/ (fapolicyd-cli --file add PATH) or they are not trusted.");
  out += "allow perm=execute all : trust=1\n";
}

class Fapolicyd final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "fapolicyd rules.d file (Linux): allow the allowlisted programs to execute";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    std::string out = export_internal::Header(
        allowlist, kName,
        options.enforce
            ? "ENFORCING: the last rule denies (and audits) the execution of anything else."
            : "MONITORING: the last rule allows and audits the execution of anything else; "
              "export with --enforce to deny it.",
        "# ", "\n");
    Comment(out,
            "Install as /etc/fapolicyd/rules.d/60-otguard.rules, then: fagenrules --load "
            "(or fapolicyd-cli --reload-rules).\nfapolicyd uses the first matching rule: keep "
            "files that must come first (30-patterns, 40-bad-elf, 41-shared-obj) below 60 and "
            "none after this one for perm=execute.\nNetwork rules are not part of fapolicyd: "
            "export them with --format nftables.");
    out += "\n";
    if (options.enforce) {
      Comment(out, "Running an unlisted program through the dynamic loader (ld.so PROGRAM).");
      out += "deny_audit perm=any pattern=ld_so : all\n";
    }
    Comment(out,
            "The kernel opens the ELF interpreter (ld.so) for execution with every dynamically "
            "linked program: shared objects may be executed.");
    out += "allow perm=execute all : ftype=application/x-sharedlib\n\n";
    for (const ProcessRule& rule : allowlist.processes) {
      OTGUARD_RETURN_IF_ERROR(ProcessRuleLines(rule, out));
    }
    PackageLines(allowlist, out);
    out += "\n";
    if (options.enforce) {
      Comment(out, "Everything else: denied, with an audit event.");
      out += "deny_audit perm=execute all : all\n";
    } else {
      Comment(out, "Everything else: allowed, with an audit event (monitor mode).");
      out += "allow_audit perm=execute all : all\n";
    }
    return out;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const Fapolicyd target;
  return target;
}

}  // namespace otguard::host::allowlist_export::fapolicyd
