# otguard's JSON on this Linux host conforms to the event schema; the Windows build runs the
# same checks under Wine (tests/windows/windows_e2e.py).
add_test(NAME inventory_schema
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py inventory --run
                 $<TARGET_FILE:otguard> inventory --json)
# A scan with detections (the bundled samples), an error (a missing path) and the summary.
add_test(NAME scan_schema
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py scan --run
                 $<TARGET_FILE:otguard> scan --json ${PROJECT_SOURCE_DIR}/data/samples
                 ${CMAKE_CURRENT_BINARY_DIR}/no-such-path)
