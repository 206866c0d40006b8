# otguard.exe end to end under Wine (windows_e2e.py says what each test shows).
foreach(area scan inventory service)
  otguard_add_test(windows_e2e_${area}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/windows_e2e.py ${area}
            --wine ${OTGUARD_WINE} --prefix ${OTGUARD_WINE_PREFIX}
            --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child>
            --work ${CMAKE_CURRENT_BINARY_DIR}/e2e
            --schema-check ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py)
  if(TEST windows_e2e_${area})
    set_tests_properties(windows_e2e_${area} PROPERTIES TIMEOUT 600)
  endif()
endforeach()
