otguard_fuzzer(nba_pcap SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/nba_pcap.cc DEPS otguard::nba)
