// Approving a proposal on disk: the allowlist file is replaced atomically and the version it
// replaces stays beside it, so an allowlist's history is a set of files an engineer can diff.
#include <string>

#include "otguard/host/allowlist.h"
#include "otguard/platform/files.h"

namespace otguard::host {
namespace {

constexpr uint64_t kMaxFileBytes = 16u << 20;

}  // namespace

Result<Allowlist> LoadAllowlistFile(const std::string& path) {
  OTGUARD_ASSIGN_OR_RETURN(std::string text, platform::ReadFileToString(path, kMaxFileBytes));
  return ParseAllowlist(text, path);
}

Result<Allowlist> ApproveProposalFile(const std::string& proposal_path, const std::string& into,
                                      std::string_view by, EventTime time) {
  OTGUARD_ASSIGN_OR_RETURN(std::string proposal_text,
                           platform::ReadFileToString(proposal_path, kMaxFileBytes));
  OTGUARD_ASSIGN_OR_RETURN(Proposal proposal, ParseProposal(proposal_text, proposal_path));
  if (proposal.rules.version != 0) {
    return Unexpected(InvalidArgument(proposal_path + ": version " +
                                      std::to_string(proposal.rules.version) +
                                      ": an approved allowlist, not a proposal (version 0)"));
  }
  std::optional<Allowlist> previous;
  if (platform::PathExists(into)) {
    OTGUARD_ASSIGN_OR_RETURN(std::string old_text, platform::ReadFileToString(into, kMaxFileBytes));
    OTGUARD_ASSIGN_OR_RETURN(previous, ParseAllowlist(old_text, into));
    std::string kept = into + ".v" + std::to_string(previous->version);
    if (platform::PathExists(kept)) {
      OTGUARD_ASSIGN_OR_RETURN(std::string kept_text,
                               platform::ReadFileToString(kept, kMaxFileBytes));
      if (kept_text != old_text) {
        return Unexpected(AlreadyExists(kept + ": exists and differs from " + into + " (version " +
                                        std::to_string(previous->version) +
                                        "); move it away first"));
      }
    } else {
      OTGUARD_RETURN_IF_ERROR(platform::WriteFileAtomic(kept, old_text, 0644));
    }
  }
  Allowlist approved = ApproveAllowlist(previous ? &*previous : nullptr, proposal.rules, by, time);
  OTGUARD_RETURN_IF_ERROR(platform::WriteFileAtomic(into, FormatAllowlist(approved), 0644));
  return approved;
}

}  // namespace otguard::host
