// Checks and normal forms of indicator values, shared by the pack loader (ioc.cc) and the STIX
// import (stix.cc) so that an imported indicator is exactly what a pack file would hold.
// Each function returns the normal form, or an error text without position ("not an IPv4 or
// IPv6 address"); callers add where the value came from.
#ifndef OTGUARD_SRC_HOST_IOC_VALUES_H_
#define OTGUARD_SRC_HOST_IOC_VALUES_H_

#include <string>
#include <string_view>

#include "otguard/base/status.h"
#include "otguard/base/url.h"
#include "otguard/host/ioc.h"

namespace otguard::host::ioc_internal {

using ::otguard::NormalizeUrl;
using ::otguard::UrlMatchKey;

// Sizes a pack may have: ParsePack refuses more, and the STIX import stops at them too.
constexpr size_t kMaxPackBytes = 16u << 20;
constexpr size_t kMaxIndicators = 100000;
constexpr size_t kMaxValueBytes = 4096;  // a glob, domain, title ...

// Lower-case hex of the length the algorithm has (md5 32, sha1 40, sha256 64 digits).
Result<std::string> NormalizeHash(std::string_view hex, size_t digits);
// IPv4 dotted quad or IPv6 (RFC 4291 text forms), optionally "/prefix"; host bits of a prefix
// must be zero. IPv6 comes back in RFC 5952 form ("2001:db8::1").
Result<std::string> NormalizeAddress(std::string_view text);
// A DNS name of at least two labels, optionally "*." in front (base/url.h).
Result<std::string> NormalizeDomain(std::string_view text);
// A glob: non-empty, at most kMaxValueBytes, no control characters.
Status CheckGlob(std::string_view glob);
// An indicator id: [A-Za-z0-9][A-Za-z0-9._:-]*, at most 128 characters.
bool IsValidIndicatorId(std::string_view id);

}  // namespace otguard::host::ioc_internal

#endif  // OTGUARD_SRC_HOST_IOC_VALUES_H_
