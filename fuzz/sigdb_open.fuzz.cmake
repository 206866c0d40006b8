otguard_fuzzer(sigdb_open SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/sigdb_open.cc DEPS otguard::sigdb)
