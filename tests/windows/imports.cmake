# What otguard.exe imports is reviewed (tests/windows/imports-<arch>.txt): for i686 against
# Windows XP SP3, for x86_64 against Windows 7. Runs without Wine (objdump reads the exe).
if(CMAKE_SIZEOF_VOID_P EQUAL 4)
  set(otguard_arch i686)
  set(otguard_xp --xp)
else()
  set(otguard_arch x86_64)
  set(otguard_xp)
endif()
add_test(NAME windows_imports_${otguard_arch}
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/check_imports.py
                 --objdump ${OTGUARD_MINGW_TRIPLE}-objdump --exe $<TARGET_FILE:otguard>
                 --expected ${CMAKE_CURRENT_SOURCE_DIR}/imports-${otguard_arch}.txt ${otguard_xp})
set_tests_properties(windows_imports_${otguard_arch} PROPERTIES LABELS windows)
