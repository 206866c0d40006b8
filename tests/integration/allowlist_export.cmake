# `otguard allowlist export` checked by what reads its files (allowlist_export.py says how):
# nft -c for the nftables ruleset, the fapolicyd.rules(5) grammar and fapolicyd-cli for the
# fapolicyd rules, AppLocker's schema structure, the .reg syntax of the SRP file. Each check
# must also refuse deliberately broken copies. The samples come from in-memory allowlists
# (otguard_allowlist_export_samples), so no allowlist file format is involved.
if(TARGET otguard_allowlist_export_samples)
  foreach(target nftables fapolicyd applocker srp)
    add_test(NAME allowlist_export_${target}
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/allowlist_export.py ${target}
                     --samples $<TARGET_FILE:otguard_allowlist_export_samples>
                     --work ${CMAKE_CURRENT_BINARY_DIR}/allowlist_export)
    set_tests_properties(allowlist_export_${target} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
                         LABELS integration)
  endforeach()
endif()
# The command end to end: an allowlist file in, every target's file out and checked; bad input.
if(TARGET otguard)
  add_test(NAME allowlist_export_cli
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/allowlist_export_cli.py
                   --otguard $<TARGET_FILE:otguard>
                   --work ${CMAKE_CURRENT_BINARY_DIR}/allowlist_export)
  set_tests_properties(allowlist_export_cli PROPERTIES TIMEOUT 120 LABELS integration)
endif()
