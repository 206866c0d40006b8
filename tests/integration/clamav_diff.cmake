# Differential test against ClamAV (clamscan --allmatch) on generated signatures covering every
# supported .hdb/.hsb/.ndb/.fp/.sfp syntax element and offset type; see clamav_diff.py.
# /usr/bin/python3 explicitly: Debian's python3-pefile is installed for that interpreter.
add_test(NAME clamav_differential
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/clamav_diff.py
                 --otguard $<TARGET_FILE:otguard>)
set_tests_properties(clamav_differential PROPERTIES TIMEOUT 600 LABELS "integration;differential")
