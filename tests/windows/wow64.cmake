# The i686 build on 64-bit Windows (WOW64): its tests in a 64-bit Windows 7 Wine prefix of this
# build tree (wine64 with wine32), made once by the wow64 fixture. There a 32-bit process sees
# SysWOW64 for System32 and Wow6432Node for HKLM\SOFTWARE unless it asks for the native ones
# (Sysnative, KEY_WOW64_64KEY): the platform tests of those areas, the hunt end to end, and
# wow64_e2e.py, which compares the i686 exe's inventory, scan, hunt and audit with the x86_64
# exe's (OTGUARD_WOW64_X64_OTGUARD; make windows passes build-win64's) on the same prefix.
if(NOT CMAKE_SIZEOF_VOID_P EQUAL 4 OR NOT OTGUARD_WINE_RUNS)
  return()
endif()
get_filename_component(otguard_wine_dir ${OTGUARD_WINE} DIRECTORY)
set(otguard_wine64 ${otguard_wine_dir}/wine64)
if(NOT EXISTS ${otguard_wine64})
  message(STATUS "No ${otguard_wine64}: the WOW64 tests are not registered")
  return()
endif()
set(OTGUARD_WOW64_X64_OTGUARD "" CACHE FILEPATH
    "x86_64 otguard.exe the i686 one is compared with under WOW64 (wow64_e2e.py)")

set(otguard_wow64_prefix ${CMAKE_BINARY_DIR}/wineprefix-wow64)
add_test(NAME wow64_prefix_up
         COMMAND /usr/bin/python3 ${OTGUARD_WINE_PREFIX_SCRIPT} --wine ${otguard_wine64}
                 --prefix ${otguard_wow64_prefix} --arch win64 --windows win7 --wow64)
set_tests_properties(wow64_prefix_up PROPERTIES FIXTURES_SETUP wow64 LABELS "windows;wow64")
add_test(NAME wow64_prefix_down
         COMMAND /bin/sh -c "WINEPREFIX='${otguard_wow64_prefix}' '${OTGUARD_WINESERVER}' -k || true")
set_tests_properties(wow64_prefix_down PROPERTIES FIXTURES_CLEANUP wow64 LABELS "windows;wow64")

function(otguard_wow64_test name)
  add_test(NAME ${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED wow64 LABELS "windows;wow64")
endfunction()

# The platform tests where WOW64 changes what a 32-bit process sees: files (System32), the
# registry, autoruns (Run keys, System32\Tasks), services and packages (the 64-bit view), OS
# version and architecture, processes, and BCrypt (which the XP prefix does not run).
foreach(t platform_win_util_test platform_files_test platform_registry_test
          platform_autoruns_test platform_services_test platform_packages_test
          platform_system_test platform_file_version_test platform_processes_test
          platform_crypto_test)
  if(TARGET ${t})
    otguard_wow64_test(${t}_wow64
      COMMAND ${CMAKE_COMMAND} -E env WINEPREFIX=${otguard_wow64_prefix} WINEDEBUG=-all
              OTGUARD_TEST_WINDOWS=win7 OTGUARD_TEST_WINE_ARCH=win64
              ${otguard_wine64} $<TARGET_FILE:${t}>)
  endif()
endforeach()

# The incident's footprint puts the worm's ServiceDll in System32 (the native one).
otguard_wow64_test(windows_wow64_hunt
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/hunt_e2e.py
          --wine ${otguard_wine64} --wineserver ${OTGUARD_WINESERVER}
          --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child>
          --work ${CMAKE_CURRENT_BINARY_DIR}/wow64-hunt --arch win64 --windows win7)
# Both hunts listen on the worm's port 26931, and Wine's sockets are the host's.
set_tests_properties(windows_wow64_hunt PROPERTIES TIMEOUT 900 RESOURCE_LOCK tcp_26931)

if(OTGUARD_WOW64_X64_OTGUARD)
  otguard_wow64_test(windows_wow64_same_as_x86_64
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/wow64_e2e.py
            --wine ${otguard_wine64} --prefix ${otguard_wow64_prefix}
            --otguard32 $<TARGET_FILE:otguard> --otguard64 ${OTGUARD_WOW64_X64_OTGUARD}
            --child $<TARGET_FILE:otguard_test_child> --work ${CMAKE_CURRENT_BINARY_DIR}/wow64)
  # Alone: Wine lists the host's sockets, and another test's listener appearing between the two
  # exes' runs would make their results differ.
  set_tests_properties(windows_wow64_same_as_x86_64 PROPERTIES TIMEOUT 600 RUN_SERIAL ON)
else()
  message(STATUS "OTGUARD_WOW64_X64_OTGUARD is not set: the i686 exe is not compared with the "
                 "x86_64 one under WOW64 (make windows sets it)")
endif()
