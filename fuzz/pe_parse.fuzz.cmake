otguard_fuzzer(pe_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/pe_parse.cc DEPS otguard::pe)
