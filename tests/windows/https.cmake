# Platform tests that need a helper outside Wine: Authenticode signing (openssl, osslsigncode)
# and a local HTTPS server (Python's http.server + ssl). Each driver in https/ prepares what
# its gtest needs under this build tree, runs the gtest under Wine with environment variables
# naming it, and cleans up even on failure. Run alone, those gtests skip the cases that need it.
set(otguard_https_dir ${CMAKE_CURRENT_SOURCE_DIR}/https)

if(TARGET platform_signer_test)
  otguard_add_test(platform_signer_test_signed
    COMMAND /usr/bin/python3 ${otguard_https_dir}/run_signer_test.py
            --wine ${OTGUARD_WINE} --prefix ${OTGUARD_WINE_PREFIX}
            --exe $<TARGET_FILE:platform_signer_test>
            --unsigned $<TARGET_FILE:otguard_test_child>
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/signer)
endif()

if(TARGET platform_http_client_test)
  otguard_add_test(platform_http_client_test_server
    COMMAND /usr/bin/python3 ${otguard_https_dir}/run_http_test.py
            --wine ${OTGUARD_WINE} --prefix ${OTGUARD_WINE_PREFIX}
            --exe $<TARGET_FILE:platform_http_client_test>
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/http)
endif()
foreach(t platform_signer_test_signed platform_http_client_test_server)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES TIMEOUT 600)
  endif()
endforeach()
