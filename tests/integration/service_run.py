#!/usr/bin/python3
"""`otguard service run` on Linux (what a systemd unit starts): it idles at the lowest priority,
uses no CPU while idle, and ends with exit code 0 on SIGTERM (systemd's stop)."""
import os
import signal
import subprocess
import sys
import time


def main():
    otguard = sys.argv[1]
    p = subprocess.Popen([otguard, "service", "run"], stdin=subprocess.DEVNULL)
    try:
        time.sleep(1)
        assert p.poll() is None, "the agent ended by itself"
        with open(f"/proc/{p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        nice = int(fields[16])
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss = next(int(line.split()[1]) for line in open(f"/proc/{p.pid}/status")
                   if line.startswith("VmRSS:"))
        print(f"MEASURE agent idle on Linux: VmRSS {rss} KiB, nice {nice}, CPU {cpu:.3f} s")
        assert nice == 19, f"nice {nice}, expected 19"
        assert cpu < 0.2, f"{cpu} s of CPU while idle"
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=10)
        assert rc == 0, f"exit code {rc} after SIGTERM"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    print("PASS")


if __name__ == "__main__":
    main()
