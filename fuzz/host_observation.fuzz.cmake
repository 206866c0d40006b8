otguard_fuzzer(host_observation SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_observation.cc
               DEPS otguard::host)
