# otguard_library(NAME SOURCES ... DEPS ...): a library under src/NAME, public headers in
# include/otguard/NAME. Tests are added with otguard_test() next to the code.
function(otguard_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(otguard_${name} STATIC ${ARG_SOURCES})
  add_library(otguard::${name} ALIAS otguard_${name})
  target_include_directories(otguard_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(otguard_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# otguard_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest.
function(otguard_test name)
  if(NOT OTGUARD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    OTGUARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    OTGUARD_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  otguard_add_test(${name} COMMAND ${name})
endfunction()

# otguard_add_test(NAME COMMAND ...): add_test(), and on a Windows build the test runs under
# Wine (CMAKE_CROSSCOMPILING_EMULATOR) in the build's prefix; without a Wine for the target the
# test is built but not registered.
function(otguard_add_test name)
  if(WIN32 AND NOT OTGUARD_WINE_RUNS)
    return()
  endif()
  add_test(NAME ${name} ${ARGN})
  if(WIN32)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED wine LABELS windows)
  endif()
endfunction()

# otguard_fuzzer(NAME SOURCES ... DEPS ...): a fuzz target (LLVMFuzzerTestOneInput).
# Always builds a replay binary that runs the seed corpus fuzz/corpus/NAME as a CTest test;
# with OTGUARD_LIBFUZZER=ON (clang) also a real libFuzzer binary NAME_fuzzer.
function(otguard_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  add_executable(${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS})
  if(OTGUARD_TESTS)
    add_test(NAME fuzz_replay_${name} COMMAND ${name}_replay ${corpus})
  endif()
  # A short real libFuzzer run of the clang build (make test builds it into build-fuzz), so
  # every `make test` fuzzes each parser a little beyond its seed corpus.
  if(OTGUARD_TESTS AND OTGUARD_LIBFUZZER_BUILD_DIR)
    set(scratch ${CMAKE_BINARY_DIR}/fuzz-scratch/${name})
    add_test(NAME libfuzzer_${name}
             COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                     ${OTGUARD_LIBFUZZER_BUILD_DIR}/fuzz/${name}_fuzzer
                     -max_total_time=${OTGUARD_LIBFUZZER_SECONDS} -rss_limit_mb=2048 -timeout=10
                     -artifact_prefix=${scratch}/ ${scratch} ${corpus})
    set_tests_properties(libfuzzer_${name} PROPERTIES LABELS fuzz)
    file(MAKE_DIRECTORY ${scratch})
  endif()
  if(OTGUARD_LIBFUZZER)
    add_executable(${name}_fuzzer ${ARG_SOURCES})
    target_include_directories(${name}_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name}_fuzzer PRIVATE ${ARG_DEPS})
    # One place for every fuzzer, wherever it is declared (analysers declare theirs in their
    # own folder): the CTest entries above look for it there.
    set_target_properties(${name}_fuzzer PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                          ${CMAKE_BINARY_DIR}/fuzz)
    set_property(GLOBAL APPEND PROPERTY OTGUARD_FUZZER_TARGETS ${name}_fuzzer)
  endif()
endfunction()
