otguard_fuzzer(yara_rules LIBRARY scan SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/yara_rules.cc
               DEPS otguard::scan PkgConfig::YARA)
