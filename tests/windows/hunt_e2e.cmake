# `otguard.exe hunt` against the incident's footprint in a Wine prefix of its own
# (hunt_e2e.py says what it shows).
otguard_add_test(windows_e2e_hunt
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/hunt_e2e.py
          --wine ${OTGUARD_WINE} --wineserver ${OTGUARD_WINESERVER}
          --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child>
          --work ${CMAKE_CURRENT_BINARY_DIR}/e2e-hunt
          --schema-check ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py
          ${OTGUARD_WINE_PREFIX_OPTIONS})
if(TEST windows_e2e_hunt)
  set_tests_properties(windows_e2e_hunt PROPERTIES TIMEOUT 900 RESOURCE_LOCK tcp_26931)
endif()
