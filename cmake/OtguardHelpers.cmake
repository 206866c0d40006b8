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
  # Unity batches: the files of a library share one compilation per batch, so the templates
  # they all use (JSON, fmt, the standard library) are instantiated and optimised once per batch
  # rather than once per file (measured: 5 host files 24 s apart, 11 s together). Names private
  # to a file (anonymous namespace) must therefore be unique within its library.
  set_target_properties(otguard_${name} PROPERTIES UNITY_BUILD ${OTGUARD_UNITY}
                        UNITY_BUILD_BATCH_SIZE ${OTGUARD_UNITY_BATCH})
  otguard_use_pch(otguard_${name})
endfunction()

# otguard_test(NAME SOURCES ... DEPS ... [TESTING helpers...]): a GoogleTest binary registered
# with CTest. It sees the private headers of the library whose folder declares it, and the test
# helper folders it names ("testing", "platform/testing" ...).
function(otguard_test name)
  if(NOT OTGUARD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TESTING" ${ARGN})
  _otguard_current_library(lib)
  # The i686 (XP) build runs the unit tests of src/platform, where all code that differs by
  # Windows version or word size lives, and the end-to-end suites of its otguard.exe
  # (tests/windows); the other libraries' unit tests, portable code, run in the x86_64 build.
  # CI builds four trees on 2 cores; OTGUARD_I686_ALL_TESTS=ON builds them all here too.
  if(WIN32 AND CMAKE_SIZEOF_VOID_P EQUAL 4 AND NOT OTGUARD_I686_ALL_TESTS
     AND NOT lib STREQUAL "platform")
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  _otguard_test_includes(${name} "${lib}" ${ARG_TESTING})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  otguard_use_pch(${name} TEST)
  # Test code is compiled lighter than the product (it is half of what CI compiles); -O1 keeps
  # __OPTIMIZE__ defined, so the test PCH (made with the build's flags) still applies.
  target_compile_options(${name} PRIVATE ${OTGUARD_TEST_OPTIMIZE})
  target_compile_definitions(${name} PRIVATE
    OTGUARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    OTGUARD_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  otguard_add_test(${name} COMMAND ${name})
  # A Windows build whose Wine cannot run here (cmake/OtguardWindows.cmake says why) still
  # compiles its tests on request (`--target NAME`), not in every build: nothing would run them.
  if(WIN32 AND NOT OTGUARD_WINE_RUNS)
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
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
  # The replay driver is compiled once for all of them.
  if(NOT TARGET otguard_fuzz_replay_main)
    add_library(otguard_fuzz_replay_main OBJECT ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
  endif()
  add_executable(${name}_replay ${ARG_SOURCES} $<TARGET_OBJECTS:otguard_fuzz_replay_main>)
  _otguard_test_includes(${name}_replay "${ARG_LIBRARY}" ${ARG_TESTING})
  target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS})
  otguard_use_pch(${name}_replay)
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

# Precompiled headers (GCC, MinGW included): the standard, JSON, fmt and expected headers that
# nearly every file includes through base/event.h, and GoogleTest for tests, compiled once per
# build tree and reused by every library, test, replay and tool (REUSE_FROM), instead of parsed
# again in each of some 340 files: CI builds four trees on 2 cores. GCC checks each use and falls
# back to the plain headers if a macro they read differs (-Winvalid-pch says so); Clang refuses
# a macro defined differently, and the holders define only what every target defines.
option(OTGUARD_PCH "Precompiled headers (GCC)" ON)
option(OTGUARD_I686_ALL_TESTS "Every unit test in the i686 Windows build (see otguard_test)" OFF)
option(OTGUARD_UNITY "Unity batches for the libraries (see otguard_library)" ON)
# Measured on allowlist_learn_test.cc with the PCH: 6.3 s at -O2, 4.5 s at -O1.
set(OTGUARD_TEST_OPTIMIZE "$<$<NOT:$<CONFIG:Debug>>:-O1>" CACHE STRING
    "Optimisation of the unit tests' own code (not of the libraries they test)")
set(OTGUARD_UNITY_BATCH 8 CACHE STRING "Files per unity batch")
set(otguard_pch_headers
  <algorithm> <array> <chrono> <cstdint> <cstring> <filesystem> <functional> <map> <memory>
  <optional> <set> <span> <string> <string_view> <unordered_map> <utility> <variant> <vector>
  <fmt/format.h> <nlohmann/json.hpp> <tl/expected.hpp>)

# otguard_pch_targets(): the two PCH holders, after the dependencies are found.
function(otguard_pch_targets)
  if(NOT OTGUARD_PCH)
    return()
  endif()
  set(empty ${CMAKE_BINARY_DIR}/otguard_pch_empty.cc)
  file(WRITE ${empty} "// The precompiled headers' holder: no code.\n")
  add_library(otguard_pch_lib OBJECT ${empty})
  target_link_libraries(otguard_pch_lib PRIVATE tl::expected fmt::fmt nlohmann_json::nlohmann_json)
  target_precompile_headers(otguard_pch_lib PRIVATE ${otguard_pch_headers})
  if(OTGUARD_TESTS)
    add_library(otguard_pch_test OBJECT ${empty})
    target_link_libraries(otguard_pch_test PRIVATE tl::expected fmt::fmt
                          nlohmann_json::nlohmann_json GTest::gtest GTest::gmock)
    target_precompile_headers(otguard_pch_test PRIVATE ${otguard_pch_headers} <gtest/gtest.h>
                              <gmock/gmock.h>)
  endif()
endfunction()

# otguard_use_pch(TARGET [TEST]): TARGET reuses the library PCH, or with TEST the test one.
function(otguard_use_pch target)
  if(NOT TARGET otguard_pch_lib)
    return()
  endif()
  if(ARGN STREQUAL "TEST" AND TARGET otguard_pch_test)
    target_precompile_headers(${target} REUSE_FROM otguard_pch_test)
  else()
    target_precompile_headers(${target} REUSE_FROM otguard_pch_lib)
  endif()
endfunction()
