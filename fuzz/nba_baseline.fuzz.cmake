otguard_fuzzer(nba_baseline SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/nba_baseline.cc DEPS otguard::nba)
