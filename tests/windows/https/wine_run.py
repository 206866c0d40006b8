"""Runs a Windows test binary under Wine with extra environment variables, bounded in time.

Shared by the drivers in this folder. The output goes to a file, not a pipe: a Wine process
that leaves a child behind would keep a pipe open and hang the reader (docs/facts.md).
"""
import os
import subprocess
import sys


def run_under_wine(wine, prefix, exe, env_extra, log_path, timeout_s):
    """Returns the test's exit code (1 if a test skipped); prints its output. Kills the prefix's
    processes on timeout."""
    env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG="-all", **env_extra)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([wine, exe], env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            wineserver = os.path.join(os.path.dirname(wine), "wineserver")
            subprocess.run([wineserver, "-k"], env=env, timeout=30, check=False)
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
