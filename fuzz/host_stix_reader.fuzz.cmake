otguard_fuzzer(host_stix_reader LIBRARY host SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_stix_reader.cc DEPS otguard::host)
