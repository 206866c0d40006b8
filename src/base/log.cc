#include "otguard/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace otguard {
namespace {

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      break;
  }
  return spdlog::level::off;
}

}  // namespace

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_color_st("otguard");
  logger->set_pattern("otguard: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

bool LogEnabled(LogLevel level) {
  return level != LogLevel::kOff && spdlog::should_log(SpdlogLevel(level));
}

void LogMessage(LogLevel level, std::string_view message) {
  spdlog::log(SpdlogLevel(level), "{}", message);
}

}  // namespace otguard
