# `otguard scan` on bad input: empty, sparse, looping, unreadable, vanishing, malformed files,
# signatures and rules. Each case must give a clear message and the clamscan exit code.
if(OTGUARD_TESTS)
  add_test(NAME scan_bad_input
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scan_bad_input/run.sh
                   $<TARGET_FILE:otguard>)
  set_tests_properties(scan_bad_input PROPERTIES TIMEOUT 300)
endif()
