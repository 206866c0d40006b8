# Dependencies of the Windows cross build (see cmake/toolchains/). Debian ships no mingw builds
# of the libraries the Linux build uses, so the Windows build uses the header-only ones from the
# host's /usr/include (staged into a folder of their own, so no Linux system header leaks in),
# GoogleTest built from Debian's source package, and native Windows APIs for everything else.

set(otguard_staged_include ${CMAKE_BINARY_DIR}/staged-include)
file(MAKE_DIRECTORY ${otguard_staged_include})
foreach(dir fmt spdlog nlohmann tl CLI toml++)
  if(NOT EXISTS /usr/include/${dir})
    message(FATAL_ERROR "/usr/include/${dir} is missing: run `make deps`")
  endif()
  file(CREATE_LINK /usr/include/${dir} ${otguard_staged_include}/${dir} SYMBOLIC)
endforeach()

function(otguard_header_only_target name)
  add_library(${name} INTERFACE IMPORTED GLOBAL)
  target_include_directories(${name} SYSTEM INTERFACE ${otguard_staged_include})
  target_compile_definitions(${name} INTERFACE ${ARGN})
endfunction()
otguard_header_only_target(fmt::fmt FMT_HEADER_ONLY)
# Debian's spdlog is configured for an external fmt; without SPDLOG_COMPILED_LIB it is
# header-only.
otguard_header_only_target(spdlog::spdlog FMT_HEADER_ONLY)
otguard_header_only_target(nlohmann_json::nlohmann_json)
otguard_header_only_target(tl::expected)
otguard_header_only_target(CLI11::CLI11)
otguard_header_only_target(tomlplusplus::tomlplusplus)

# Source paths in messages (__FILE__) relative to the repository: the exe carries nothing of
# the build machine.
add_compile_options(-ffile-prefix-map=${PROJECT_SOURCE_DIR}/=)

# The API floor, and the Unicode (UTF-16) API everywhere; paths are UTF-8 inside otguard.
add_compile_definitions(_WIN32_WINNT=${OTGUARD_WINDOWS_FLOOR} WINVER=${OTGUARD_WINDOWS_FLOOR}
                        UNICODE _UNICODE WIN32_LEAN_AND_MEAN NOMINMAX)

if(OTGUARD_TESTS)
  set(gtest_disable_pthreads ON CACHE BOOL "" FORCE)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  # Defines GTest::gtest, GTest::gtest_main and GTest::gmock, as find_package(GTest) does.
  add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL SYSTEM)

  # Tests run under Wine, in one prefix per build tree, made once by the fixture below (a new
  # prefix takes seconds, and two tests must not make it at the same time).
  set(OTGUARD_WINE_PREFIX ${CMAKE_BINARY_DIR}/wineprefix)
  # The loader must also execute here: a kernel without IA-32 emulation (some virtual machines
  # boot with it off) refuses the 32-bit Wine loader with ENOEXEC, and every i686 test would
  # fail for a reason that is not otguard's.
  set(otguard_wine_error "")
  if(EXISTS ${OTGUARD_WINE})
    execute_process(COMMAND ${OTGUARD_WINE} --version RESULT_VARIABLE otguard_wine_rv
                    OUTPUT_QUIET ERROR_VARIABLE otguard_wine_error TIMEOUT 60)
    if(otguard_wine_rv EQUAL 0)
      set(otguard_wine_error "")
    else()
      string(STRIP "${otguard_wine_rv} ${otguard_wine_error}" otguard_wine_error)
      string(REGEX REPLACE "[\"'`;$\\\n]+" " " otguard_wine_error "${otguard_wine_error}")
    endif()
  else()
    set(otguard_wine_error "not installed")
  endif()
  if(NOT otguard_wine_error)
    set(OTGUARD_WINE_RUNS ON)
    get_filename_component(otguard_wine_dir ${OTGUARD_WINE} DIRECTORY)
    set(OTGUARD_WINESERVER ${otguard_wine_dir}/wineserver)
    # OTGUARD_TEST_*: what the prefix is, for the tests that check the code sees it so.
    set(CMAKE_CROSSCOMPILING_EMULATOR
        ${CMAKE_COMMAND} -E env WINEPREFIX=${OTGUARD_WINE_PREFIX} WINEDEBUG=-all
        OTGUARD_TEST_WINDOWS=${OTGUARD_WINE_WINDOWS} OTGUARD_TEST_WINE_ARCH=${OTGUARD_WINE_ARCH}
        ${OTGUARD_WINE})
    # The prefix has the toolchain's architecture and, for the i686 build, says it is Windows XP
    # SP3 (wine_prefix.py checks that programs see it so).
    set(OTGUARD_WINE_PREFIX_OPTIONS --arch ${OTGUARD_WINE_ARCH})
    if(OTGUARD_WINE_WINDOWS)
      list(APPEND OTGUARD_WINE_PREFIX_OPTIONS --windows ${OTGUARD_WINE_WINDOWS})
    endif()
    set(OTGUARD_WINE_PREFIX_SCRIPT ${PROJECT_SOURCE_DIR}/tests/windows/wine_prefix.py)
    add_test(NAME wine_prefix_up
             COMMAND /usr/bin/python3 ${OTGUARD_WINE_PREFIX_SCRIPT} --wine ${OTGUARD_WINE}
                     --prefix ${OTGUARD_WINE_PREFIX} ${OTGUARD_WINE_PREFIX_OPTIONS} --persist)
    set_tests_properties(wine_prefix_up PROPERTIES FIXTURES_SETUP wine)
    # Ends whatever the tests left running in the prefix; no server left is fine too.
    add_test(NAME wine_prefix_down
             COMMAND /bin/sh -c "WINEPREFIX='${OTGUARD_WINE_PREFIX}' '${OTGUARD_WINESERVER}' -k || true")
    set_tests_properties(wine_prefix_down PROPERTIES FIXTURES_CLEANUP wine)
  else()
    set(OTGUARD_WINE_RUNS OFF)
    message(WARNING "Wine for this target (${OTGUARD_WINE}) cannot run here "
                    "(${otguard_wine_error}): the Windows tests are built, not run")
    # Said in CTest's summary too, as a skipped test, so a green run never hides it.
    add_test(NAME wine_runs
             COMMAND /bin/sh -c "echo 'Wine for this target cannot run here: ${OTGUARD_WINE}: ${otguard_wine_error}'; exit 77")
    set_tests_properties(wine_runs PROPERTIES SKIP_RETURN_CODE 77)
  endif()
endif()
