#!/usr/bin/env python3
"""Live capture: `otguard nba analyze --iface lo` sees a Stratum login sent over loopback while
it runs and prints the mining alert at once. Needs CAP_NET_RAW (CI runs as root); without it
the test is skipped (exit 77). Only loopback traffic, to a port this test owns.

  run.py OTGUARD
"""
import json
import os
import socket
import subprocess
import sys
import threading

LOGIN = (b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AbCdEf","pass":"x",'
         b'"agent":"XMRig/2.8.1 (Windows NT 6.1; Win64; x64) libuv/1.20.3 msvc/2017"}}\n')
REPLY = (b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"00",'
         b'"job_id":"1","target":"ffff"},"status":"OK"}}\n')


def serve(listener):
    conn, _ = listener.accept()
    with conn:
        conn.recv(4096)
        conn.sendall(REPLY)
        conn.recv(4096)


def main():
    otguard = sys.argv[1]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    proc = subprocess.Popen(
        [otguard, "nba", "analyze", "--iface", "lo", "--filter", "tcp port %d" % port,
         "--duration", "6", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait (bounded by the capture's own duration) until it says it is capturing.
    line = proc.stderr.readline()
    if "capturing on lo" not in line:
        out, err = proc.communicate(timeout=30)
        if "ermission" in line + err or "not permitted" in line + err:
            print("skipped: no permission to capture (%s)" % line.strip())
            return 77
        print("FAIL: capture did not start: %s%s" % (line, err))
        return 1
    server = threading.Thread(target=serve, args=(listener,))
    server.start()
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(LOGIN)
        c.recv(4096)
    server.join()
    out, err = proc.communicate(timeout=60)
    alerts = [json.loads(l) for l in out.splitlines() if l.strip()]
    stratum = [a for a in alerts if a["rule"]["name"] == "stratum.session"]
    ok = (proc.returncode == 1 and len(stratum) == 1 and
          stratum[0]["destination"]["port"] == port and
          "XMRig" in stratum[0]["otguard"]["details"]["stratum"].get("agent", ""))
    print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
    if not ok:
        print("exit %d\nstdout:\n%s\nstderr:\n%s" % (proc.returncode, out, err))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
