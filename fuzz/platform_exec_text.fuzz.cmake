otguard_fuzzer(platform_exec_text LIBRARY platform SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/platform_exec_text.cc DEPS otguard::platform)
