otguard_fuzzer(yara_rules SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/yara_rules.cc
               DEPS otguard::scan PkgConfig::YARA)
