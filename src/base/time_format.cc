#include "otguard/base/time_format.h"

#include <cstdio>

namespace otguard {

std::string Rfc3339UtcFromNs(int64_t ns_since_epoch) {
  using namespace std::chrono;
  sys_time<milliseconds> t{duration_cast<milliseconds>(nanoseconds(ns_since_epoch))};
  // Floor, not truncation toward zero, so times before 1970 still format correctly.
  auto ms_floor = floor<milliseconds>(sys_time<nanoseconds>(nanoseconds(ns_since_epoch)));
  t = ms_floor;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::string Rfc3339Utc(std::chrono::system_clock::time_point t) {
  return Rfc3339UtcFromNs(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string NowRfc3339Utc() { return Rfc3339Utc(std::chrono::system_clock::now()); }

}  // namespace otguard
