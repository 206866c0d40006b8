otguard_fuzzer(sigdb_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/sigdb_parse.cc DEPS otguard::sigdb)
