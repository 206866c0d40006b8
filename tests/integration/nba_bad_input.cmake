# `otguard nba analyze` on damaged captures: truncated files, impossible lengths in every header,
# bad pcapng blocks, files that are no capture at all. Each run must end by itself, exit 0/1 (or 2
# with one clear line for a file that is no capture), and count the damage in its summary.
if(OTGUARD_TESTS)
  add_test(NAME nba_bad_input
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/nba_bad_input/run.py
                   $<TARGET_FILE:otguard> ${PROJECT_SOURCE_DIR}/tests/data/pcaps)
  set_tests_properties(nba_bad_input PROPERTIES TIMEOUT 600)
endif()
