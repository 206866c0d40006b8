// FileOwnerName on Linux: the owner's user name from the uid the file was stat'ed with.
#include <pwd.h>
#include <sys/types.h>

#include <string>
#include <unordered_map>

#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {

std::string LookupUserName(uid_t uid) {
  struct passwd pw;
  struct passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);  // known, only unnamed: shown as ls shows it
}

}  // namespace

Result<std::string> FileOwnerName(const std::string&, const FileInfo& info) {
  // getpwuid_r may read /etc/passwd (or ask a directory service) on every call, and a scan
  // asks once per file: remember the few owners a file system has, per scanning thread.
  thread_local std::unordered_map<uid_t, std::string> names;
  auto it = names.find(info.uid);
  if (it == names.end()) it = names.emplace(info.uid, LookupUserName(info.uid)).first;
  return it->second;
}

}  // namespace otguard::platform
