// Text helpers shared by the hunt's collection, matching and plan (src/host/hunt_*.cc).
#ifndef OTGUARD_SRC_HOST_HUNT_INTERNAL_H_
#define OTGUARD_SRC_HOST_HUNT_INTERNAL_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/host/hunt.h"

namespace otguard::host::internal {

// A glob over text: '*' any run, '?' one character, ASCII case-insensitive (ioc.h).
bool TextGlobMatch(std::string_view pattern, std::string_view text);

// A glob over a path: '*' and '?' stay within a component, '**' crosses components. With
// `windows`, '\\' and '/' are both separators and the comparison ignores ASCII case; otherwise
// only '/' separates and case matters.
bool PathGlobMatch(std::string_view pattern, std::string_view path, bool windows);

// %NAME% replaced by value(NAME); a variable without a value stays as written, so a glob then
// matches nothing rather than something unintended.
std::string ExpandVariables(
    std::string_view text,
    const std::function<std::optional<std::string>(const std::string& name)>& value);
// The same from a table with upper-case names (the hunt snapshot's environment).
std::string ExpandVariables(std::string_view text,
                            const std::map<std::string, std::string>& environment);

std::string AsciiLower(std::string_view text);

// The file name part of a path ('\\' and '/' both separate on Windows).
std::string_view BaseName(std::string_view path, bool windows);
std::string_view DirPart(std::string_view path, bool windows);

// Domain-like tokens in free text (command lines, hosts file), lower case: runs of
// [A-Za-z0-9.-] with a dot, trimmed of dots.
std::vector<std::string> DomainTokens(std::string_view text);

// URLs in free text, as their match keys (ioc_values.h UrlMatchKey): "scheme://..." runs, and
// "host/path" runs without a scheme (curl and wget take those) as http(s). A run ends at
// white space, quotes, '<', '>', '`', '|', '^'; trailing ". , ; : ! ) ] }" are not part of it.
std::vector<std::string> UrlKeys(std::string_view text);

// True when `domain` (lower case) is `pattern` or, for "*.zone", is under zone (or the zone).
bool DomainMatches(std::string_view pattern, std::string_view domain);

}  // namespace otguard::host::internal

#endif  // OTGUARD_SRC_HOST_HUNT_INTERNAL_H_
