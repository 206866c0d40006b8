otguard_fuzzer(host_stix SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_stix.cc DEPS otguard::host)
