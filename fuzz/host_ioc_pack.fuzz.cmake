otguard_fuzzer(host_ioc_pack SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_ioc_pack.cc DEPS otguard::host)
