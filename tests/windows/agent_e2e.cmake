# The agent as a Windows service under Wine: learn, approve, monitor, a maintenance window
# (agent_e2e.py says what it shows). Its port 45560 is the one other tests may use too.
otguard_add_test(windows_e2e_agent
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/agent_e2e.py
          --wine ${OTGUARD_WINE} --prefix ${OTGUARD_WINE_PREFIX}
          --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child>
          --work ${CMAKE_CURRENT_BINARY_DIR}/e2e/agent)
if(TEST windows_e2e_agent)
  set_tests_properties(windows_e2e_agent PROPERTIES TIMEOUT 600 RESOURCE_LOCK tcp_45560)
endif()
