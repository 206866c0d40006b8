otguard_fuzzer(platform_task_files LIBRARY platform SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/platform_task_files.cc DEPS otguard::platform)
