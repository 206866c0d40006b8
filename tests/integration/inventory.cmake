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

# `--root` reads another system's configuration: a planted tree (written here, in the build
# directory, at configure time) with a cron job, an enabled systemd unit, and a dpkg database
# whose package owns the unit's program. The inventory must show each, the program hashed and
# attributed to its package, and nothing of this host's processes.
set(plant ${CMAKE_CURRENT_BINARY_DIR}/inventory-root)
file(REMOVE_RECURSE ${plant})
file(WRITE ${plant}/etc/cron.d/plant-beacon
     "# planted by tests/integration/inventory.cmake\n"
     "*/5 * * * * historian /opt/plant/bin/beacon --quiet\n")
file(WRITE ${plant}/etc/systemd/system/plant-historian.service
     "[Unit]\nDescription=Plant historian\n\n"
     "[Service]\nExecStart=/opt/plant/bin/historiand --port 4840\nUser=historian\n\n"
     "[Install]\nWantedBy=multi-user.target\n")
file(MAKE_DIRECTORY ${plant}/etc/systemd/system/multi-user.target.wants)
file(CREATE_LINK /etc/systemd/system/plant-historian.service
     ${plant}/etc/systemd/system/multi-user.target.wants/plant-historian.service SYMBOLIC)
file(WRITE ${plant}/opt/plant/bin/historiand "#!/bin/sh\n# the planted historian\nexit 0\n")
file(SHA256 ${plant}/opt/plant/bin/historiand plant_historiand_sha256)
file(WRITE ${plant}/var/lib/dpkg/status
     "Package: plant-historian\nStatus: install ok installed\nPriority: optional\n"
     "Section: misc\nMaintainer: Plant Engineering <eng@example.com>\nArchitecture: amd64\n"
     "Version: 2.4.1-1\nDescription: the planted historian\n\n"
     "Package: plant-removed\nStatus: deinstall ok config-files\nArchitecture: all\n"
     "Version: 1.0\nDescription: removed, only its configuration is left\n")
file(WRITE ${plant}/var/lib/dpkg/info/plant-historian.list
     "/.\n/opt\n/opt/plant\n/opt/plant/bin\n/opt/plant/bin/historiand\n")
set(plant_service "otguard.inventory.service:service.name=plant-historian.service")
set(plant_image "otguard.inventory.image:file.path=/opt/plant/bin/historiand")
add_test(NAME inventory_root
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/schema/event_check.py inventory
                 --expect "otguard.inventory.autorun:otguard.autorun.kind=cron&otguard.autorun.location=/etc/cron.d/plant-beacon&otguard.autorun.image=/opt/plant/bin/beacon&otguard.autorun.user=historian&otguard.autorun.schedule=*/5 * * * *"
                 --expect "${plant_service}&otguard.service.start_type=auto&otguard.service.account=historian&otguard.service.image=/opt/plant/bin/historiand&otguard.service.image_sha256=${plant_historiand_sha256}&otguard.service.config_path=/etc/systemd/system/plant-historian.service"
                 --expect "otguard.inventory.package:package.name=plant-historian&package.version=2.4.1-1&package.architecture=amd64&package.type=dpkg"
                 --absent "otguard.inventory.package:package.name=plant-removed"
                 --expect "${plant_image}&file.hash.sha256=${plant_historiand_sha256}&package.name=plant-historian"
                 --expect "otguard.inventory.image:file.path=/opt/plant/bin/beacon&error.message=not found"
                 --absent "otguard.inventory.process:process.pid=1"
                 --run $<TARGET_FILE:otguard> inventory --json --root ${plant})
