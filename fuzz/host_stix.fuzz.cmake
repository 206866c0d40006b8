otguard_fuzzer(host_stix LIBRARY host SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_stix.cc DEPS otguard::host)
