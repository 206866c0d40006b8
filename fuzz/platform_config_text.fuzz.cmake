otguard_fuzzer(platform_config_text LIBRARY platform SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/platform_config_text.cc DEPS otguard::platform)
