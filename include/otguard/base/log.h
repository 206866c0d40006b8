// Logging to stderr. Libraries log sparingly; results travel as values and events.
//
// Only src/base/log.cc sees spdlog: a caller formats with fmt, which every part already has, so
// spdlog's headers (header-only and heavy in the Windows cross build) are compiled once.
#ifndef OTGUARD_BASE_LOG_H_
#define OTGUARD_BASE_LOG_H_

#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace otguard {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Sets the process-wide level from "trace|debug|info|warn|error|off"; unknown means info.
// Until called, messages at info and above go to spdlog's default logger.
void InitLogging(std::string_view level);

// Whether a message at `level` would be written now. Thread-safe.
bool LogEnabled(LogLevel level);

// Writes one message at `level` ("otguard: warning: <message>"). Thread-safe.
void LogMessage(LogLevel level, std::string_view message);

namespace internal {
template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(level)) LogMessage(level, fmt::format(format, std::forward<Args>(args)...));
}
}  // namespace internal

}  // namespace otguard

#define OTGUARD_LOG_DEBUG(...) ::otguard::internal::Log(::otguard::LogLevel::kDebug, __VA_ARGS__)
#define OTGUARD_LOG_INFO(...) ::otguard::internal::Log(::otguard::LogLevel::kInfo, __VA_ARGS__)
#define OTGUARD_LOG_WARN(...) ::otguard::internal::Log(::otguard::LogLevel::kWarn, __VA_ARGS__)
#define OTGUARD_LOG_ERROR(...) ::otguard::internal::Log(::otguard::LogLevel::kError, __VA_ARGS__)

#endif  // OTGUARD_BASE_LOG_H_
