otguard_fuzzer(host_url_text LIBRARY host SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_url_text.cc DEPS otguard::host)
