# Live capture on loopback: a Stratum login sent while `otguard nba analyze --iface lo` runs.
if(OTGUARD_TESTS)
  add_test(NAME nba_live
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/nba_live/run.py
                   $<TARGET_FILE:otguard>)
  set_tests_properties(nba_live PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
