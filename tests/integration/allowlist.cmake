# `otguard allowlist` end to end on Linux: learn from a written history, review, approve (twice:
# versions kept), replay clean and with anomalies (an unknown program, an outbound connection to
# 45560), the replay's alerts checked against the event schema, diff, compare, bad files.
add_test(NAME allowlist_e2e
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/allowlist.py
                 --otguard $<TARGET_FILE:otguard> --work ${CMAKE_CURRENT_BINARY_DIR}/allowlist
                 --schema-check ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py)
set_tests_properties(allowlist_e2e PROPERTIES TIMEOUT 120)
