# `otguard service run` as systemd runs it: idle, lowest priority, stops cleanly on SIGTERM.
add_test(NAME service_run
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/service_run.py $<TARGET_FILE:otguard>)
