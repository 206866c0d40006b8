// CollectExportFacts (otguard/host/allowlist_export.h): what AppLocker and SRP rules need beyond
// the allowlist, read from the station's own files.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "host/allowlist_export_common.h"
#include "host/file_hasher.h"
#include "otguard/host/allowlist_export.h"
#include "otguard/platform/files.h"
#include "otguard/platform/signer.h"

namespace otguard::host {
namespace {

using export_internal::BaseName;

constexpr uint64_t kMaxHashedFile = uint64_t{1} << 31;  // 2 GiB: larger is no program
constexpr size_t kMaxFactsProblems = 50;

void Problem(ExportFactsReport* report, const std::string& text) {
  if (report->problems.size() < kMaxFactsProblems) report->problems.push_back(text);
}

// Files a publisher rule can be about: what Windows runs or loads.
bool LooksExecutable(std::string_view path) {
  static constexpr std::array<std::string_view, 7> kExtensions = {".exe", ".dll", ".com", ".ocx",
                                                                  ".cpl", ".scr", ".sys"};
  if (path.size() < 4) return false;
  std::string tail(path.substr(path.size() - 4));
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kExtensions.begin(), kExtensions.end(), tail) != kExtensions.end();
}

void HashRuleFacts(const ProcessRule& rule, internal::FileHasher& hasher, ExportOptions* options,
                   ExportFactsReport* report) {
  bool missing = false;
  for (const std::string& sha256 : rule.sha256) missing |= !options->files.contains(sha256);
  if (!missing) return;
  internal::FileHashes hashes = hasher.Hash(rule.path, true);
  ++report->files_hashed;
  const std::string where = rule.id + ": " + rule.path + ": ";
  if (!hashes.error.empty()) return Problem(report, where + hashes.error);
  if (std::find(rule.sha256.begin(), rule.sha256.end(), hashes.sha256) == rule.sha256.end()) {
    return Problem(report, where + "its SHA-256 " + hashes.sha256 +
                               " is none the rule allows (the file changed since approval)");
  }
  if (hashes.authenticode_sha256.empty()) {
    Problem(report, where + "no Authenticode digest: " + hashes.authenticode_error);
  } else {
    ++report->hashes_found;
  }
  options->files.emplace(hashes.sha256,
                         ExportFileFacts{std::string(BaseName(rule.path)), hashes.size,
                                         hashes.authenticode_sha256, hashes.md5});
}

void PublisherFacts(const ProcessRule& rule, size_t max_files, ExportOptions* options,
                    ExportFactsReport* report) {
  if (rule.signer.empty() || options->publishers.contains(rule.signer)) return;
  size_t looked_at = 0;
  std::string found;
  std::string unsupported;
  const std::string root = rule.path;
  platform::WalkCallbacks callbacks;
  callbacks.on_file = [&](const std::string& path, const platform::FileInfo&) {
    if (!LooksExecutable(path)) return true;
    if (++looked_at > max_files) return false;
    auto signature = platform::GetFileSignature(path);
    if (!signature) {
      if (signature.error().code() == StatusCode::kUnimplemented) {
        unsupported = std::string(signature.error().message());
        return false;
      }
      return true;
    }
    if (signature->state == platform::SignatureState::kTrusted &&
        signature->subject == rule.signer && !signature->publisher.empty()) {
      found = signature->publisher;
      return false;
    }
    return true;
  };
  callbacks.on_issue = [](const platform::WalkIssue&) {};
  platform::Walk(std::span(&root, 1), platform::WalkOptions{}, callbacks);
  const std::string where = rule.id + ": " + rule.path + ": ";
  if (!found.empty()) {
    options->publishers.emplace(rule.signer, found);
    ++report->publishers_found;
  } else if (!unsupported.empty()) {
    Problem(report, where + "no publisher name for '" + rule.signer + "': " + unsupported);
  } else {
    Problem(report, where + "no file signed by '" + rule.signer + "' among the first " +
                        std::to_string(std::min(looked_at, max_files)) + " programs there");
  }
}

}  // namespace

void CollectExportFacts(const Allowlist& allowlist, ExportOptions* options,
                        ExportFactsReport* report, size_t max_files_per_folder) {
  ExportFactsReport ignored;
  if (report == nullptr) report = &ignored;
  auto hasher = internal::FileHasher::Create(kMaxHashedFile);
  if (!hasher) {
    Problem(report, "no digest provider: " + std::string(hasher.error().message()));
    return;
  }
  for (const ProcessRule& rule : allowlist.processes) {
    if (rule.kind == ProcessRuleKind::kHash && !rule.path.empty()) {
      HashRuleFacts(rule, *hasher, options, report);
    } else if (rule.kind == ProcessRuleKind::kPublisherPath) {
      PublisherFacts(rule, max_files_per_folder, options, report);
    }
  }
}

}  // namespace otguard::host
