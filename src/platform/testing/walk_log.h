// Test helper: what a Walk() reported, files sorted, issues by path.
#ifndef OTGUARD_SRC_PLATFORM_TESTING_WALK_LOG_H_
#define OTGUARD_SRC_PLATFORM_TESTING_WALK_LOG_H_

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "otguard/platform/files.h"

namespace otguard::platform::test_support {

struct WalkLog {
  std::vector<std::string> files;
  std::map<std::string, WalkIssueKind> issues;
};

inline WalkLog RunWalk(const std::vector<std::string>& roots, WalkOptions options = {}) {
  WalkLog log;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string& path, const FileInfo&) {
    log.files.push_back(path);
    return true;
  };
  cb.on_issue = [&](const WalkIssue& issue) { log.issues[issue.path] = issue.kind; };
  Walk(roots, options, cb);
  std::sort(log.files.begin(), log.files.end());
  return log;
}

}  // namespace otguard::platform::test_support

#endif  // OTGUARD_SRC_PLATFORM_TESTING_WALK_LOG_H_
