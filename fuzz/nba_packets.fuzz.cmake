otguard_fuzzer(nba_packets SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/nba_packets.cc DEPS otguard::nba)
