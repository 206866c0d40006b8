#!/usr/bin/python3
"""`otguard service run` on Linux (what a systemd unit starts): the agent with its default
policy (learn mode) runs at the lowest priority, uses next to no CPU once its start-up snapshot
is taken, and ends with exit code 0 on SIGTERM (systemd's stop), its state saved."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[16]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    otguard = sys.argv[1]
    state = tempfile.mkdtemp(prefix="otguard-service-run-")
    p = subprocess.Popen([otguard, "service", "run", "--state", state], stdin=subprocess.DEVNULL)
    try:
        time.sleep(2)  # the start-up snapshot hashes the running programs once
        assert p.poll() is None, "the agent ended by itself"
        _, before = cpu_seconds(p.pid)
        time.sleep(2)
        nice, after = cpu_seconds(p.pid)
        cpu = after - before
        rss = next(int(line.split()[1]) for line in open(f"/proc/{p.pid}/status")
                   if line.startswith("VmRSS:"))
        print(f"MEASURE agent idle on Linux: VmRSS {rss} KiB, nice {nice}, CPU {cpu:.3f} s in 2 s")
        assert nice == 19, f"nice {nice}, expected 19"
        assert cpu < 0.2, f"{cpu} s of CPU while idle"
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=10)
        assert rc == 0, f"exit code {rc} after SIGTERM"
        with open(os.path.join(state, "agent.json")) as f:
            assert json.load(f)["starts"] == 1, "agent.json saved"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        subprocess.run(["rm", "-rf", state], check=False)
    print("PASS")


if __name__ == "__main__":
    main()
