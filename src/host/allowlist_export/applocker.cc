// AppLocker policy XML (Windows 7+ Enterprise/Ultimate, Server 2008 R2+), the structure of
// Microsoft's AppLocker schema (AppIdPolicy.xsd, published with the AppLocker CSP docs): one
// RuleCollection Type="Exe", AuditOnly unless enforcing, with FileHashRule, FilePathRule and
// FilePublisherRule elements for Everyone (S-1-1-0).
//
// What AppLocker cannot take from the allowlist, and what is written instead:
// - Its SHA256 is the Authenticode hash of the PE image, not the file's SHA-256 the allowlist
//   keeps. A hash rule is written only for hashes whose Authenticode hash is in the options'
//   file facts (CollectExportFacts reads them on the station); otherwise the rule's path becomes a
//   path rule (widened, with a comment), or without a path the rule is left out (with a comment).
// - A rule cannot require a path AND a publisher: a path+signer rule becomes a path rule.
// - A publisher is the certificate subject as "O=..., L=..., S=..., C=...", which the allowlist
//   does not keep (it keeps the common name): a publisher+path rule becomes a publisher rule
//   only for signers whose subject the options give (an operator's --publisher, or
//   CollectExportFacts on a Windows station), else a path rule on its folder.
#include <string>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::applocker {
namespace {

using export_internal::BaseName;
using export_internal::CheckValue;
using export_internal::KindName;
using export_internal::StableGuid;

constexpr std::string_view kName = "applocker";
constexpr std::string_view kEveryone = "S-1-1-0";

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An XML comment may not contain "--" nor end with "-".
std::string XmlComment(std::string_view text, std::string_view indent) {
  std::string body;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = ' ';
    // A second hyphen becomes U+2011 (a non-breaking hyphen): "--enforce" still reads so.
    if (c == '-' && !body.empty() && body.back() == '-') {
      body += "\u2011";
      continue;
    }
    body += c;
  }
  if (!body.empty() && body.back() == '-') body += ' ';
  std::string out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    out += std::string(indent) + "<!-- " + body.substr(start, end - start) + " -->\n";
    start = end + 1;
  }
  return out;
}

std::string Upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

struct RuleHead {
  std::string element;  // FilePathRule, FileHashRule, FilePublisherRule
  std::string id;       // GUID
  std::string name;
  std::string description;
  std::string sid = std::string(kEveryone);
};

void Open(const RuleHead& head, std::string& out) {
  out += "    <" + head.element + " Id=\"" + head.id + "\" Name=\"" + XmlEscape(head.name) +
         "\" Description=\"" + XmlEscape(head.description.substr(0, 1024)) +
         "\" UserOrGroupSid=\"" + head.sid + "\" Action=\"Allow\">\n      <Conditions>\n";
}

void Close(const RuleHead& head, std::string& out) {
  out += "      </Conditions>\n    </" + head.element + ">\n";
}

Result<RuleHead> Head(const ProcessRule& rule, std::string_view element, std::string_view what) {
  OTGUARD_ASSIGN_OR_RETURN(std::string guid,
                           StableGuid("applocker/" + rule.id + "/" + std::string(element)));
  std::string subject = rule.path.empty() ? rule.signer : std::string(BaseName(rule.path));
  if (subject.empty()) subject = rule.path;
  return RuleHead{std::string(element), guid,
                  "otguard " + rule.id + ": " + std::string(what) + " " + subject, rule.comment,
                  std::string(kEveryone)};
}

Status PathRule(const ProcessRule& rule, std::string_view path, std::string& out) {
  OTGUARD_ASSIGN_OR_RETURN(RuleHead head, Head(rule, "FilePathRule", "path"));
  Open(head, out);
  out += "        <FilePathCondition Path=\"" + XmlEscape(path) + "\" />\n";
  Close(head, out);
  return Status::Ok();
}

Status PublisherRule(const ProcessRule& rule, std::string_view publisher, std::string& out) {
  OTGUARD_ASSIGN_OR_RETURN(RuleHead head, Head(rule, "FilePublisherRule", "publisher"));
  Open(head, out);
  out += "        <FilePublisherCondition PublisherName=\"" + XmlEscape(publisher) +
         "\" ProductName=\"*\" BinaryName=\"*\">\n"
         "          <BinaryVersionRange LowSection=\"*\" HighSection=\"*\" />\n"
         "        </FilePublisherCondition>\n";
  Close(head, out);
  return Status::Ok();
}

Status HashRules(const ProcessRule& rule, const ExportOptions& options, std::string& out) {
  std::vector<const ExportFileFacts*> known;
  std::vector<std::string> unknown;
  for (const std::string& sha256 : rule.sha256) {
    auto it = options.files.find(sha256);
    if (it != options.files.end() && it->second.authenticode_sha256.size() == 64) {
      OTGUARD_RETURN_IF_ERROR(
          CheckValue(it->second.authenticode_sha256, "", rule.id, "Authenticode hash", kName));
      known.push_back(&it->second);
    } else {
      unknown.push_back(sha256);
    }
  }
  if (!known.empty()) {
    OTGUARD_ASSIGN_OR_RETURN(RuleHead head, Head(rule, "FileHashRule", "hash"));
    Open(head, out);
    out += "        <FileHashCondition>\n";
    for (const ExportFileFacts* facts : known) {
      out += "          <FileHash Type=\"SHA256\" Data=\"0x" + Upper(facts->authenticode_sha256) +
             "\" SourceFileName=\"" +
             XmlEscape(facts->file_name.empty() ? std::string(BaseName(rule.path))
                                                : facts->file_name) +
             "\" SourceFileLength=\"" + std::to_string(facts->size) + "\" />\n";
    }
    out += "        </FileHashCondition>\n";
    Close(head, out);
  }
  if (unknown.empty()) return Status::Ok();
  std::string hashes;
  for (const std::string& h : unknown) hashes += (hashes.empty() ? "" : ", ") + h;
  if (rule.path.empty()) {
    out += XmlComment("NOT EXPORTED " + rule.id + ": no Authenticode hash known for SHA-256 " +
                          hashes + " and no path to fall back to",
                      "    ");
    return Status::Ok();
  }
  out += XmlComment("WIDENED " + rule.id + ": no Authenticode hash known for SHA-256 " + hashes +
                        "; any content at this path is allowed (export on the station, or give "
                        "the file facts, for a hash rule)",
                    "    ");
  return PathRule(rule, rule.path, out);
}

Status ProcessRuleXml(const ProcessRule& rule, const ExportOptions& options, std::string& out) {
  for (std::string_view value : {std::string_view(rule.path), std::string_view(rule.signer),
                                 std::string_view(rule.comment)}) {
    OTGUARD_RETURN_IF_ERROR(CheckValue(value, "", rule.id, "a value", kName));
  }
  out += XmlComment(rule.id + " " + std::string(KindName(rule.kind)) +
                        (rule.comment.empty() ? "" : ": " + rule.comment),
                    "    ");
  switch (rule.kind) {
    case ProcessRuleKind::kHash:
      return HashRules(rule, options, out);
    case ProcessRuleKind::kPath:
      return PathRule(rule, rule.path, out);
    case ProcessRuleKind::kPathSigner:
      out += XmlComment(
          "WIDENED: an AppLocker rule cannot require both a path and a publisher; "
          "the signer '" +
              rule.signer + "' is not checked",
          "    ");
      return PathRule(rule, rule.path, out);
    case ProcessRuleKind::kPublisherPath: {
      auto publisher = options.publishers.find(rule.signer);
      if (publisher != options.publishers.end()) {
        OTGUARD_RETURN_IF_ERROR(CheckValue(publisher->second, "", rule.id, "publisher", kName));
        out += XmlComment(
            "WIDENED: an AppLocker publisher rule cannot be limited to a folder; "
            "any file signed by this publisher is allowed, wherever it lies",
            "    ");
        return PublisherRule(rule, publisher->second, out);
      }
      out += XmlComment("WIDENED: the full certificate subject of '" + rule.signer +
                            "' (O=..., L=..., S=..., C=...) is not known, so no publisher "
                            "rule; any file under the folder is allowed (give the subject with "
                            "--publisher)",
                        "    ");
      return PathRule(rule, rule.path + "*", out);
    }
    case ProcessRuleKind::kPackage:
      out += XmlComment("NOT EXPORTED: package rules are for Linux hosts", "    ");
      return Status::Ok();
  }
  return Status::Ok();
}

void DefaultRules(std::string& out) {
  // Microsoft's default Exe rules, with the Ids Windows gives them, so a policy merged with
  // existing defaults does not hold them twice.
  struct Default {
    const char* id;
    const char* name;
    const char* description;
    const char* sid;
    const char* path;
  };
  static constexpr Default kDefaults[] = {
      {"921cc481-6e17-4653-8f75-050b80acca20",
       "(Default Rule) All files located in the Program Files folder",
       "Allows members of the Everyone group to run applications that are located in the Program "
       "Files folder.",
       "S-1-1-0", "%PROGRAMFILES%\\*"},
      {"a61c8b2c-a319-4cd0-9690-d2177cad7b51",
       "(Default Rule) All files located in the Windows folder",
       "Allows members of the Everyone group to run applications that are located in the Windows "
       "folder.",
       "S-1-1-0", "%WINDIR%\\*"},
      {"fd686d83-a829-4351-8ff4-27c7de5755d2", "(Default Rule) All files",
       "Allows members of the local Administrators group to run all applications.", "S-1-5-32-544",
       "*"},
  };
  out += XmlComment(
      "Microsoft's default rules (--windows-defaults): Windows and Program Files "
      "for everyone, anything for administrators.",
      "    ");
  for (const Default& d : kDefaults) {
    RuleHead head{"FilePathRule", d.id, d.name, d.description, d.sid};
    Open(head, out);
    out += "        <FilePathCondition Path=\"" + XmlEscape(d.path) + "\" />\n";
    Close(head, out);
  }
}

class AppLocker final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  bool uses_file_facts() const override { return true; }
  std::string_view description() const override {
    return "AppLocker policy XML (Windows 7+): Exe rules, AuditOnly unless --enforce";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    if (options.enforce && !options.windows_defaults) {
      return Unexpected(InvalidArgument(
          "applocker: an enforced policy without Microsoft's default rules blocks Windows "
          "itself and stops the station; add --windows-defaults (or export without --enforce "
          "and audit first)"));
    }
    std::string header = export_internal::Header(
        allowlist, kName,
        options.enforce ? "ENFORCING (EnforcementMode Enabled): only these rules may run programs."
                        : "MONITORING (EnforcementMode AuditOnly): nothing is blocked; AppLocker "
                          "logs what it would block (event 8003 in the AppLocker EXE and DLL log).",
        "", "\n");
    header +=
        "Load: Set-AppLockerPolicy -XmlPolicy FILE (add -Merge to keep existing rules), or "
        "import it into a GPO; then gpupdate /force. The Application Identity service "
        "(AppIDSvc) must run.\nNetwork rules are not part of AppLocker: export them with "
        "--format windows-firewall.";
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + XmlComment(header, "");
    out += "<AppLockerPolicy Version=\"1\">\n  <RuleCollection Type=\"Exe\" EnforcementMode=\"";
    out += options.enforce ? "Enabled" : "AuditOnly";
    out += "\">\n";
    if (options.windows_defaults) DefaultRules(out);
    for (const ProcessRule& rule : allowlist.processes) {
      OTGUARD_RETURN_IF_ERROR(ProcessRuleXml(rule, options, out));
    }
    out += "  </RuleCollection>\n</AppLockerPolicy>\n";
    return out;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const AppLocker target;
  return target;
}

}  // namespace otguard::host::allowlist_export::applocker
