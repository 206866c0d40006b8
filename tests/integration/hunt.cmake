# `otguard hunt` on Linux (hunt.py says what each test shows). Both look at the live host, and
# the planted test runs a process that looks like a miner: they must not overlap.
add_test(NAME hunt_clean
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/hunt.py clean
                 --otguard $<TARGET_FILE:otguard> --work ${CMAKE_CURRENT_BINARY_DIR}/hunt)
add_test(NAME hunt_planted
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/hunt.py planted
                 --otguard $<TARGET_FILE:otguard> --child $<TARGET_FILE:otguard_test_child>
                 --work ${CMAKE_CURRENT_BINARY_DIR}/hunt
                 --schema-check ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py)
set_tests_properties(hunt_clean hunt_planted PROPERTIES RESOURCE_LOCK host_footprint TIMEOUT 300)
