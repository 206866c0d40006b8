// The parsers of exec_text.h: pure functions over text and bytes, no OS calls.
#include "platform/linux/exec_text.h"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>

namespace otguard::platform::linux_internal {
namespace {

// Kernel file systems that hold no programs.
constexpr std::string_view kSkippedFileSystems[] = {
    "proc",    "sysfs",      "cgroup", "cgroup2",  "devpts",    "mqueue",     "debugfs",
    "tracefs", "securityfs", "pstore", "bpf",      "configfs",  "fusectl",    "binfmt_misc",
    "autofs",  "hugetlbfs",  "nsfs",   "efivarfs", "selinuxfs", "rpc_pipefs", "devtmpfs"};

// A mountinfo field with its octal escapes (\040 for a space ...) undone.
std::string Unescape(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    bool octal = field[i] == '\\';
    for (size_t k = 1; octal && k <= 3; ++k) {
      octal = i + k < field.size() && field[i + k] >= '0' && field[i + k] <= '7';
    }
    if (octal) {
      out += static_cast<char>(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) |
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// Splits a line at single spaces (mountinfo's separator); empty fields are kept.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

template <typename T>
bool ReadAt(std::string_view head, uint64_t offset, T* out) {
  if (offset > head.size() || head.size() - offset < sizeof(T)) return false;
  std::memcpy(out, head.data() + offset, sizeof(T));
  return true;
}

template <typename Ehdr, typename Phdr>
ExecFile ClassifyElf(std::string_view head) {
  ExecFile file;
  Ehdr header;
  if (!ReadAt(head, 0, &header) || header.e_phentsize != sizeof(Phdr)) return file;
  file.kind = ExecFileKind::kElfWithout;
  for (uint64_t i = 0; i < header.e_phnum; ++i) {
    Phdr phdr;
    if (!ReadAt(head, header.e_phoff + i * sizeof(Phdr), &phdr)) {
      file.kind = ExecFileKind::kOther;  // not all program headers in `head`: cannot tell
      return file;
    }
    if (phdr.p_type != PT_INTERP) continue;
    file.kind = ExecFileKind::kElfWithInterpreter;
    if (phdr.p_offset <= head.size() && phdr.p_filesz <= head.size() - phdr.p_offset) {
      std::string_view path = head.substr(phdr.p_offset, phdr.p_filesz);
      file.interpreter = std::string(path.substr(0, path.find('\0')));
    }
    return file;
  }
  return file;
}

}  // namespace

std::vector<std::string> ParseExecMountPoints(std::string_view mountinfo) {
  std::set<std::string> points;
  size_t start = 0;
  while (start < mountinfo.size()) {
    size_t end = mountinfo.find('\n', start);
    if (end == std::string_view::npos) end = mountinfo.size();
    std::vector<std::string_view> f = Fields(mountinfo.substr(start, end - start));
    start = end + 1;
    // id parent major:minor root mount-point options [optional...] - fstype source super
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 6 || dash + 1 >= f.size()) continue;
    std::string_view fstype = f[dash + 1];
    bool skip = false;
    for (std::string_view name : kSkippedFileSystems) skip = skip || fstype == name;
    std::string options = "," + std::string(f[5]) + ",";
    if (skip || options.find(",noexec,") != std::string::npos || f[4].empty()) continue;
    points.insert(Unescape(f[4]));
  }
  return {points.begin(), points.end()};
}

ExecFile ClassifyExecFile(std::string_view head) {
  if (head.starts_with("#!")) return {ExecFileKind::kScript, ""};
  if (head.size() < EI_NIDENT || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0 ||
      head[EI_DATA] != ELFDATA2LSB) {
    return {};
  }
  if (head[EI_CLASS] == ELFCLASS64) return ClassifyElf<Elf64_Ehdr, Elf64_Phdr>(head);
  if (head[EI_CLASS] == ELFCLASS32) return ClassifyElf<Elf32_Ehdr, Elf32_Phdr>(head);
  return {};
}

}  // namespace otguard::platform::linux_internal
