# `otguard inventory --json` on this Linux host conforms to the inventory schema; the Windows
# build runs the same check under Wine (tests/windows/windows_e2e.cmake).
add_test(NAME inventory_schema
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/schema/inventory_check.py --run
                 $<TARGET_FILE:otguard> inventory --json)
