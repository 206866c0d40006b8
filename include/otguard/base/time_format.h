// RFC 3339 UTC timestamps with milliseconds ("2024-05-01T12:00:00.123Z") for events.
#ifndef OTGUARD_BASE_TIME_FORMAT_H_
#define OTGUARD_BASE_TIME_FORMAT_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace otguard {

std::string Rfc3339Utc(std::chrono::system_clock::time_point t);
std::string Rfc3339UtcFromNs(int64_t ns_since_epoch);
std::string NowRfc3339Utc();

}  // namespace otguard

#endif  // OTGUARD_BASE_TIME_FORMAT_H_
