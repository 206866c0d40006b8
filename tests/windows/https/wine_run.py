"""Runs a Windows test binary under Wine with extra environment variables, bounded in time.

Shared by the drivers in this folder; the Wine runner itself is ../wine.py. The output goes to
a file, not a pipe: a Wine process that leaves a child behind would keep a pipe open and hang
the reader (docs/facts.md).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wine import Wine  # tests/windows/wine.py, on the path from the line above


def run_under_wine(wine, prefix, exe, env_extra, log_path, timeout_s):
    """Returns the test's exit code (1 if a test skipped); prints its output. Kills the prefix's
    processes on timeout."""
    runner = Wine(wine, prefix, locale=None, env=env_extra)
    proc = runner.start(exe, log=log_path)
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        runner.kill_prefix(timeout=30)
        print(f"{exe} timed out after {timeout_s} s", file=sys.stderr)
        code = 124
    with open(log_path, "rb") as log:
        output = log.read().decode("utf-8", "replace")
    sys.stdout.write(output)
    # The gtests skip their driver-only cases when run alone; here the driver has prepared
    # them, so a skip means its environment never reached the test: that is a failure.
    if code == 0 and "[  SKIPPED ]" in output:
        print(f"{exe}: a test skipped under its driver", file=sys.stderr)
        code = 1
    return code
