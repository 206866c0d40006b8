"""CTest driver of platform_http_client_test: makes a self-signed certificate for 127.0.0.1,
starts https_server.py, runs the test under Wine with the server's ports, certificate pin and
log path in environment variables, and stops the server whatever happens.

Everything it makes stays in --workdir (under the build tree).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from wine_run import run_under_wine

HERE = os.path.dirname(os.path.abspath(__file__))


def wait_for_file(path, proc, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)  # polling a file the server writes, bounded by the deadline
    return False


def main():
    p = argparse.ArgumentParser()
    for name in ("--wine", "--prefix", "--exe", "--workdir"):
        p.add_argument(name, required=True)
    a = p.parse_args()

    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    key, cert = os.path.join(a.workdir, "key.pem"), os.path.join(a.workdir, "cert.pem")
    log, info = os.path.join(a.workdir, "server.log"), os.path.join(a.workdir, "server.json")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "7", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    server = subprocess.Popen([sys.executable, os.path.join(HERE, "https_server.py"),
                               "--cert", cert, "--key", key, "--log", log, "--info", info,
                               "--max-seconds", "600"], stdin=subprocess.PIPE)
    try:
        if not wait_for_file(info, server, 30):
            print("the test server did not start", file=sys.stderr)
            return 1
        with open(info) as f:
            ports = json.load(f)
        env = {"OTGUARD_HTTPS_PORT": str(ports["https_port"]),
               "OTGUARD_HTTP_PORT": str(ports["http_port"]),
               "OTGUARD_HTTPS_SHA256": ports["sha256"], "OTGUARD_HTTP_LOG": log}
        return run_under_wine(a.wine, a.prefix, a.exe, env, os.path.join(a.workdir, "test.log"),
                              300)
    finally:
        server.stdin.close()  # the server's signal to end
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
