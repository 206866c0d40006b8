# Library boundaries, enforced by the include path: a library, and the tests and fuzzers that
# belong to it, see include/ (every library's public headers) and their own private headers
# only, spelled as always ("scan/yara_engine.h"). The private folder of library NAME is
# <build>/otguard_private/NAME, holding NAME -> src/NAME; test helper folders (any "testing"
# below src/) are left out of it and are reachable only through otguard_test(TESTING ...),
# otguard_fuzzer(TESTING ...) or a testing library that puts them on its users' path.

# _otguard_mirror(SOURCE DEST): DEST becomes SOURCE without its "testing" folders. A folder with
# no "testing" below it is one symlink; one with is a real folder of symlinks, so it is listed
# (CONFIGURE_DEPENDS: a header added there re-runs the configure step).
function(_otguard_mirror source dest)
  file(GLOB_RECURSE testing_dirs LIST_DIRECTORIES true ${source}/*testing)
  list(FILTER testing_dirs INCLUDE REGEX "/testing$")
  if(NOT testing_dirs)
    file(CREATE_LINK ${source} ${dest} SYMBOLIC)
    return()
  endif()
  file(MAKE_DIRECTORY ${dest})
  file(GLOB entries LIST_DIRECTORIES true CONFIGURE_DEPENDS ${source}/*)
  foreach(entry ${entries})
    get_filename_component(entry_name ${entry} NAME)
    if(entry_name STREQUAL "testing")
      continue()
    elseif(IS_DIRECTORY ${entry})
      _otguard_mirror(${entry} ${dest}/${entry_name})
    else()
      file(CREATE_LINK ${entry} ${dest}/${entry_name} SYMBOLIC)
    endif()
  endforeach()
endfunction()

# otguard_private_include_dir(NAME OUT): the folder that makes src/NAME's headers visible,
# created on first use in each configure run.
function(otguard_private_include_dir name out)
  set(dir ${CMAKE_BINARY_DIR}/otguard_private/${name})
  get_property(done GLOBAL PROPERTY OTGUARD_PRIVATE_DIR_${name} SET)
  if(NOT done)
    file(REMOVE_RECURSE ${dir})
    file(MAKE_DIRECTORY ${dir})
    _otguard_mirror(${PROJECT_SOURCE_DIR}/src/${name} ${dir}/${name})
    set_property(GLOBAL PROPERTY OTGUARD_PRIVATE_DIR_${name} ${dir})
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# otguard_testing_include_dir(HELPERS OUT): the folder that makes one test helper folder
# visible: "testing" (src/testing, spelled "testing/temp_dir.h") or "<lib>/.../testing"
# (spelled "platform/linux/testing/fake_host.h").
function(otguard_testing_include_dir helpers out)
  if(NOT IS_DIRECTORY ${PROJECT_SOURCE_DIR}/src/${helpers} OR NOT helpers MATCHES "(^|/)testing$")
    message(FATAL_ERROR "no test helper folder src/${helpers}")
  endif()
  string(MAKE_C_IDENTIFIER ${helpers} key)
  set(dir ${CMAKE_BINARY_DIR}/otguard_testing/${key})
  get_property(done GLOBAL PROPERTY OTGUARD_TESTING_DIR_${key} SET)
  if(NOT done)
    file(REMOVE_RECURSE ${dir})
    get_filename_component(parent ${dir}/${helpers} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${helpers} ${dir}/${helpers} SYMBOLIC)
    set_property(GLOBAL PROPERTY OTGUARD_TESTING_DIR_${key} ${dir})
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# _otguard_current_library(OUT): the library whose folder (src/NAME/...) declares a target.
function(_otguard_current_library out)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR})
  string(REGEX MATCH "^[^/.][^/]*" lib "${rel}")
  set(${out} "${lib}" PARENT_SCOPE)
endfunction()

# _otguard_test_includes(TARGET LIBRARY HELPERS...): a test's or fuzzer's private include path.
function(_otguard_test_includes target lib)
  if(lib)
    otguard_private_include_dir(${lib} dir)
    target_include_directories(${target} PRIVATE ${dir})
  endif()
  foreach(helpers ${ARGN})
    otguard_testing_include_dir(${helpers} dir)
    target_include_directories(${target} PRIVATE ${dir})
  endforeach()
endfunction()

# otguard_library(NAME SOURCES ... DEPS ...): a library under src/NAME, public headers in
# include/otguard/NAME. Tests are added with otguard_test() next to the code.
function(otguard_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(otguard_${name} STATIC ${ARG_SOURCES})
  add_library(otguard::${name} ALIAS otguard_${name})
  otguard_private_include_dir(${name} private_dir)
  target_include_directories(otguard_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${private_dir})
  target_link_libraries(otguard_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# otguard_test(NAME SOURCES ... DEPS ... [TESTING helpers...]): a GoogleTest binary registered
# with CTest. It sees the private headers of the library whose folder declares it, and the test
# helper folders it names ("testing", "platform/testing" ...).
function(otguard_test name)
  if(NOT OTGUARD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TESTING" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  _otguard_current_library(lib)
  _otguard_test_includes(${name} "${lib}" ${ARG_TESTING})
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

# otguard_fuzzer(NAME SOURCES ... DEPS ... [LIBRARY lib] [TESTING helpers...]): a fuzz target
# (LLVMFuzzerTestOneInput). It sees the private headers of LIBRARY (default: the library whose
# folder declares it; none for fuzz/ without LIBRARY) and the test helper folders it names.
# Always builds a replay binary that runs the seed corpus fuzz/corpus/NAME as a CTest test;
# with OTGUARD_LIBFUZZER=ON (clang) also a real libFuzzer binary NAME_fuzzer.
function(otguard_fuzzer name)
  cmake_parse_arguments(ARG "" "LIBRARY" "SOURCES;DEPS;TESTING" ${ARGN})
  if(NOT ARG_LIBRARY)
    _otguard_current_library(ARG_LIBRARY)
  endif()
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  add_executable(${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
  _otguard_test_includes(${name}_replay "${ARG_LIBRARY}" ${ARG_TESTING})
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
    _otguard_test_includes(${name}_fuzzer "${ARG_LIBRARY}" ${ARG_TESTING})
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
