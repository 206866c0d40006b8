// YARA rules given as text, for callers outside the scanner (the hunt's pack indicators):
// compile once, then ask whether bytes match. The scanner's own engine stays private to scan.
#ifndef OTGUARD_SCAN_YARA_H_
#define OTGUARD_SCAN_YARA_H_

#include <memory>
#include <span>
#include <string>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"

namespace otguard::scan {

struct YaraSource {
  std::string name;  // file name, used in messages and as the rule namespace
  std::string text;
};

// Compiled rules with a scanner of their own. Move-only; one thread at a time.
class YaraMatcher {
 public:
  // InvalidArgument listing "name:line: message" per error when a source does not compile;
  // Unimplemented in a build without libyara (the Windows build).
  static Result<YaraMatcher> Compile(std::span<const YaraSource> sources);
  YaraMatcher(YaraMatcher&&) noexcept;
  YaraMatcher& operator=(YaraMatcher&&) noexcept;
  ~YaraMatcher();

  // True when any rule matches `data`. A match found before a scan error (timeout, too many
  // matches) still counts; the error is returned only when nothing matched.
  Result<bool> Matches(ByteSpan data);

 private:
  struct State;
  explicit YaraMatcher(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_YARA_H_
