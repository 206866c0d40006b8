# Real captures through `otguard nba` against reviewed alert baselines (nba_pcaps/expected/).
if(OTGUARD_TESTS)
  add_test(NAME nba_pcaps
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/nba_pcaps/run.py
                   --otguard $<TARGET_FILE:otguard>
                   --pcaps ${PROJECT_SOURCE_DIR}/tests/data/pcaps
                   --work ${CMAKE_CURRENT_BINARY_DIR}/nba_pcaps)
  set_tests_properties(nba_pcaps PROPERTIES TIMEOUT 600)
endif()
