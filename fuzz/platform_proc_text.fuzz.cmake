otguard_fuzzer(platform_proc_text LIBRARY platform SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/platform_proc_text.cc DEPS otguard::platform)
