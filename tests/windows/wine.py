"""Running Windows programs under Wine from the Linux test drivers in this folder, and the small
helpers they share (assertions, waiting, paths between Linux and the prefix).

A Wine process that starts a long-lived child keeps the caller's stdout/stderr open (Wine's
services, wineserver, a child the program leaves behind): a driver that reads through a pipe
hangs (docs/facts.md). So every run here writes to files, and the driver reads them after the
program has exited; processes started to keep running are ended by stop_all(), and whatever is
left in the prefix by kill_prefix().

Not thread-safe: one Wine object per driver, used from one thread."""
import json
import os
import subprocess
import tempfile
import time

DEADLINE = 90  # seconds for anything to happen under Wine, unless a driver says otherwise
UTF8_LOCALE = "C.UTF-8"  # Wine passes arguments and output as UTF-8 only in a UTF-8 locale


class Wine:
    """Runs programs with one Wine loader in one prefix.

    loader:     the Wine loader (/usr/lib/wine/wine or wine64); run() and start() take the
                Windows program (a Linux path or a name Wine finds, like `reg`) and its arguments.
    prefix:     the WINEPREFIX.
    work:       the directory each run's output is kept in (NAME.out, NAME.err, NAME.log), for
                a person to read after a failure; None: anonymous temporary files (run() only).
    deadline:   seconds a run() may take unless it says otherwise.
    locale:     LC_ALL for the programs; None leaves the caller's.
    env:        more environment variables; a value of None removes that variable.
    wineserver: the prefix's server, by default the one beside the loader."""

    def __init__(self, loader, prefix, work=None, deadline=DEADLINE, locale=UTF8_LOCALE,
                 env=None, wineserver=None):
        self.loader = loader
        self.prefix = prefix
        self.work = work
        self.deadline = deadline
        self.wineserver_path = wineserver or os.path.join(os.path.dirname(loader), "wineserver")
        self.env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG="-all")
        if locale:
            self.env["LC_ALL"] = locale
        for key, value in (env or {}).items():
            if value is None:
                self.env.pop(key, None)
            else:
                self.env[key] = value
        self.started = []
        self.runs = 0

    def run(self, *argv, name=None, timeout=None, check_rc=None):
        """Runs a program to its end; returns (exit code, stdout, stderr), decoded as UTF-8.

        name: the output files' name in `work` (by default run1, run2, ...).
        check_rc: if given, an AssertionError unless the program exits with it.
        Raises subprocess.TimeoutExpired (the program killed) after `timeout` or the deadline."""
        self.runs += 1
        name = name or f"run{self.runs}"
        with self._output(name, ".out") as o, self._output(name, ".err") as e:
            rc = subprocess.run([self.loader, *argv], stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                                env=self.env, timeout=timeout or self.deadline).returncode
            o.seek(0)
            e.seek(0)
            out, err = o.read().decode("utf-8", "replace"), e.read().decode("utf-8", "replace")
        if check_rc is not None and rc != check_rc:
            raise AssertionError(f"{argv} exited {rc}, not {check_rc}: {err}")
        return rc, out, err

    def output_path(self, name):
        """The file run(..., name=name) wrote its stdout to."""
        return os.path.join(self.work, name + ".out")

    def start(self, *argv, name="child", log=None):
        """Starts a program that keeps running; returns its Popen. Its stdout and stderr go to
        `log` (by default NAME.log in `work`). stop_all() ends it if it is still running."""
        with open(log or os.path.join(self.work, name + ".log"), "wb") as out:
            p = subprocess.Popen([self.loader, *argv], stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=self.env)
        self.started.append(p)
        return p

    def stop_all(self):
        """Kills the processes start() started that are still running (their Wine loaders; a
        Windows child of theirs may live on until kill_prefix())."""
        for p in self.started:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)

    def wineserver(self, *argv, timeout=None):
        """Runs the prefix's wineserver with `argv` (-w waits for the prefix to shut down and
        its registry to be saved, -k ends every process in it); returns its exit code."""
        return subprocess.run([self.wineserver_path, *argv], env=self.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout).returncode

    def kill_prefix(self, timeout=None):
        """Ends every process in the prefix, services included; no server running is fine."""
        self.wineserver("-k", timeout=timeout)

    def drive_c(self, *parts):
        """A path in the prefix's C: drive, as Linux names it (for a 64-bit prefix,
        drive_c("windows", "system32") is the native System32, which 32-bit programs see
        only as Sysnative; their System32 is drive_c("windows", "syswow64"))."""
        return os.path.join(self.prefix, "drive_c", *parts)

    def _output(self, name, suffix):
        if self.work is None:
            return tempfile.TemporaryFile()
        return open(os.path.join(self.work, name + suffix), "w+b")


def win_path(path):
    """The Windows name of a Linux path under Wine (drive Z: is /)."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def is_i386(path):
    """Whether the PE image at `path` is built for i386 (a 32-bit Windows program or DLL)."""
    with open(path, "rb") as f:
        data = f.read(4096)
    pe = int.from_bytes(data[0x3C:0x40], "little")
    return data[pe:pe + 4] == b"PE\0\0" and data[pe + 4:pe + 6] == b"\x4c\x01"


def check(condition, message):
    """Fails the test with `message` unless `condition`; prints it as passed otherwise."""
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def wait_for(what, predicate, deadline=DEADLINE):
    """Polls `predicate` until it returns a true value, which it returns; fails after
    `deadline` seconds, naming `what` it waited for."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def json_lines(text, strict=False):
    """The JSON records of a program's output, one a line. Lines that are not records (not
    starting with `{`) are skipped, unless `strict`: then every non-blank line must be JSON."""
    if strict:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
