# otguard scan side by side with the yara CLI on signature-base rules that need LOKI's and
# THOR's external variables, plus yarac-compiled rules, bad rule files and --yara-define;
# see yara_externals.py.
if(TARGET PkgConfig::YARA)
  add_test(NAME yara_externals
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/yara_externals.py
                   --otguard $<TARGET_FILE:otguard>)
  set_tests_properties(yara_externals PROPERTIES TIMEOUT 300 LABELS "integration;differential")
endif()
