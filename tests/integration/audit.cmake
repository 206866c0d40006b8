# `otguard audit` end to end on Linux: a planted configuration tree (--root) with known
# findings, a clean tree, bad options, and this live host (audit.py says what each shows).
add_test(NAME audit_e2e
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/audit.py
                 --otguard $<TARGET_FILE:otguard> --work ${CMAKE_CURRENT_BINARY_DIR}/audit)
set_tests_properties(audit_e2e PROPERTIES TIMEOUT 300)
# The JSON of a live audit and of a planted-tree audit conform to the event schema (the
# same checker runs over every command's JSON).
add_test(NAME audit_schema
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py audit --run
                 $<TARGET_FILE:otguard> audit --json)
