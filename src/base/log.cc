#include "otguard/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace otguard {
void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_color_st("otguard");
  logger->set_pattern("otguard: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}
}  // namespace otguard
