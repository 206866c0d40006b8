otguard_fuzzer(agent_policy SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_policy.cc DEPS otguard::agent)
