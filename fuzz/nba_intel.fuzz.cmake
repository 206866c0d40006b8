otguard_fuzzer(nba_intel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/nba_intel.cc DEPS otguard::nba)
