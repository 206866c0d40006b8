// Reads an sshd configuration the way sshd does: Include directives (sshd_config(5), OpenSSH
// 8.2 and later) are replaced by the lines of the files they name, in place, so that "the first
// value wins" can be decided over the whole sequence.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "otguard/host/audit.h"
#include "otguard/platform/files.h"
#include "otguard/platform/rooted_files.h"

namespace otguard::host {
namespace {

// sshd's own nesting limit (READCONF_MAX_DEPTH).
constexpr int kMaxIncludeDepth = 16;
constexpr uint64_t kMaxConfigBytes = 1 << 20;
constexpr char kSshDir[] = "/etc/ssh";

bool IsIncludeLine(const std::string& text, std::vector<std::string>* args) {
  std::istringstream in(text);
  std::string keyword;
  if (!(in >> keyword)) return false;
  std::string lower = keyword;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "include") return false;
  std::string arg;
  while (in >> arg) {
    if (arg[0] == '#') break;
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') {
      arg = arg.substr(1, arg.size() - 2);
    }
    args->push_back(arg);
  }
  return true;
}

class SshdConfigReader {
 public:
  explicit SshdConfigReader(const platform::ConfigRoot& where) : where_(where) {}

  Status Read(const std::string& path, int depth) {
    if (depth > kMaxIncludeDepth) {
      return InvalidArgument(path + ": Include nested deeper than " +
                             std::to_string(kMaxIncludeDepth));
    }
    Result<std::string> text = platform::ReadRootedFile(where_, path, kMaxConfigBytes);
    if (!text) return text.error();
    std::istringstream in(*text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::vector<std::string> includes;
      if (!IsIncludeLine(line, &includes)) {
        lines_.push_back({path, number, line});
        continue;
      }
      for (const std::string& pattern : includes) OTGUARD_RETURN_IF_ERROR(Include(pattern, depth));
    }
    return Status::Ok();
  }

  std::vector<ConfigLine> Take() { return std::move(lines_); }

 private:
  // A relative Include is relative to /etc/ssh; a glob expands to its matches in sorted order
  // (glob(3)); a pattern that matches nothing is skipped, as sshd does.
  Status Include(std::string pattern, int depth) {
    if (pattern.empty()) return Status::Ok();
    if (pattern[0] != '/') pattern = std::string(kSshDir) + "/" + pattern;
    if (pattern.find_first_of("*?[") == std::string::npos) {
      if (!platform::StatRootedPath(where_, pattern)) return Status::Ok();
      return Read(pattern, depth + 1);
    }
    std::string dir = platform::DirName(pattern);
    std::string name_pattern = pattern.substr(dir.size() + 1);
    for (const std::string& name : platform::ListRootedDirectory(where_, dir)) {
      if (name[0] == '.' || !platform::GlobMatch(name_pattern, name)) continue;
      std::string path = dir + "/" + name;
      std::optional<platform::FileInfo> info = platform::StatRootedPath(where_, path);
      if (!info || info->type != platform::FileType::kRegular) continue;
      OTGUARD_RETURN_IF_ERROR(Read(path, depth + 1));
    }
    return Status::Ok();
  }

  platform::ConfigRoot where_;
  std::vector<ConfigLine> lines_;
};

}  // namespace

Result<std::vector<ConfigLine>> ReadSshdConfig(const std::string& main_file,
                                               const platform::ConfigRoot& where) {
  SshdConfigReader reader(where);
  OTGUARD_RETURN_IF_ERROR(reader.Read(main_file, 0));
  return reader.Take();
}

}  // namespace otguard::host
