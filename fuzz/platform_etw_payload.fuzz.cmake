otguard_fuzzer(platform_etw_payload LIBRARY platform SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/platform_etw_payload.cc ${PROJECT_SOURCE_DIR}/src/platform/windows/etw_payload.cc DEPS otguard::platform)
