# `otguard.exe audit` under Wine (audit_e2e.py says what it shows).
otguard_add_test(windows_e2e_audit
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/audit_e2e.py
          --wine ${OTGUARD_WINE} --prefix ${OTGUARD_WINE_PREFIX}
          --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child> --work ${CMAKE_CURRENT_BINARY_DIR}/e2e-audit)
if(TEST windows_e2e_audit)
  set_tests_properties(windows_e2e_audit PROPERTIES TIMEOUT 600)
endif()
