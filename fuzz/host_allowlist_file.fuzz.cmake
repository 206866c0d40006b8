otguard_fuzzer(host_allowlist_file SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_allowlist_file.cc
               DEPS otguard::host)
