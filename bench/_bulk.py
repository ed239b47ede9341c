"""Bulk TCP transfer for ``bench/dataplane.py``: a zero-sending server and a timed reader.

``python bench/_bulk.py serve PORT`` listens on 0.0.0.0:PORT, prints ``ready``, and sends
zeros to each connection with ``sendfile(2)`` from a 16 MiB memfd until the peer goes
away — no Python on the data path, so the server is never the bottleneck.

``python bench/_bulk.py fetch IP PORT SECONDS`` connects, drops the first 0.3 s (slow
start), reads into a 4 MiB buffer for SECONDS more and prints ``<bytes> <seconds>``.
Standard library only; both ends stop by themselves (the reader after SECONDS, each server
thread when its peer closes), and the server is stopped by its parent by pid.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

BLOCK = 16 << 20
WARMUP = 0.3


def _send_zeros(conn: socket.socket, fd: int) -> None:
    try:
        with conn:
            out = conn.fileno()
            while True:
                os.sendfile(out, fd, 0, BLOCK)
    except OSError:
        pass


def serve(port: int) -> None:
    fd = os.memfd_create("zeros")
    os.ftruncate(fd, BLOCK)
    with socket.create_server(("0.0.0.0", port), backlog=64) as srv:
        print("ready", flush=True)
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=_send_zeros, args=(conn, fd), daemon=True).start()


def fetch(ip: str, port: int, seconds: float) -> None:
    buf = bytearray(4 << 20)
    with socket.create_connection((ip, port), timeout=10) as s:
        start = time.perf_counter()
        while time.perf_counter() - start < WARMUP:
            if not s.recv_into(buf):
                raise SystemExit("bulk server closed early")
        got, start = 0, time.perf_counter()
        end = start + seconds
        while (now := time.perf_counter()) < end:
            n = s.recv_into(buf)
            if not n:
                raise SystemExit("bulk server closed early")
            got += n
    print(got, now - start, flush=True)


def main() -> None:
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        fetch(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))


if __name__ == "__main__":
    main()
