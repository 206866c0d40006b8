// The words and value checks the allowlist's two file formats share (observation JSON lines,
// allowlist TOML; docs/allowlist.md "Files"), so both spell a direction, a time or a hash the
// same way.
//
// Thread-safety: pure functions.
#ifndef OTGUARD_SRC_HOST_ALLOWLIST_TEXT_H_
#define OTGUARD_SRC_HOST_ALLOWLIST_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/host/allowlist.h"

namespace otguard::host::allowlist_internal {

// The longest observation line a reader accepts (and a writer produces), newline excluded.
inline constexpr size_t kMaxObservationLineBytes = 64 * 1024;

// RFC 3339 UTC with milliseconds ("2026-12-05T06:37:19.123Z"), and with nanoseconds
// ("2026-12-05T06:37:19.123456789Z") when the time has any below the millisecond, so that
// EventTime::ParseRfc3339 gives back exactly the same time.
std::string TimeText(EventTime time);

// The inverses of DirectionName and ProcessRuleKindName; InvalidArgument naming the choices.
Result<Direction> ParseDirection(std::string_view word);
Result<ProcessRuleKind> ParseProcessRuleKind(std::string_view word);

// Lower-case hex of 64 digits from any-case hex; InvalidArgument ("'ab12' has 4 characters,
// not 64 hex digits").
Result<std::string> NormalizeSha256(std::string_view hex);

// True when `text` has a byte below 0x20 or 0x7f other than a tab.
bool HasControlCharacter(std::string_view text);

}  // namespace otguard::host::allowlist_internal

#endif  // OTGUARD_SRC_HOST_ALLOWLIST_TEXT_H_
