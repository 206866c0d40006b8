// Logging: spdlog to stderr. Libraries log sparingly; results travel as values and events.
#ifndef OTGUARD_BASE_LOG_H_
#define OTGUARD_BASE_LOG_H_

#include <spdlog/spdlog.h>

namespace otguard {
// Sets the process-wide level from "trace|debug|info|warn|error|off"; unknown means info.
void InitLogging(std::string_view level);
}  // namespace otguard

#define OTGUARD_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define OTGUARD_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define OTGUARD_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define OTGUARD_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)

#endif  // OTGUARD_BASE_LOG_H_
