"""``tinykube up -d``: run the cluster in the background and return once the API answers.

The background process is the same command in the foreground (``python -m
tinykube.cmd.main up ... --child``) in its own session, with its output appended to
``tinykube.log`` in the data dir. The parent echoes that log while it waits, so the user
sees the same progress as in the foreground, and returns once the log says every component
started (the ``✓ ready`` line) and ``/readyz`` answers 200.
If the background process dies first, the parent prints the end of its log and fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

from tinykube.cmd import nodesupport, port, probe
from tinykube.cmd.down import wait_gone
from tinykube.cmd.options import UpOptions
from tinykube.cmd.progress import MARKS, READY, Summary, summary
from tinykube.cmd.running import already_running, running_pid
from tinykube.errors import ConfigError, SystemError_

START_TIMEOUT = 90.0
TAIL_LINES = 30


def detach(opts: UpOptions, out: TextIO) -> int:
    d = opts.data_dir
    d.prepare()
    pid = running_pid(d)
    if pid is not None:
        raise ConfigError(already_running(d, pid))
    port.check_free(opts.address, opts.port)
    offset = d.log_file.stat().st_size if d.log_file.exists() else 0
    proc = _spawn(opts)
    follower = _LogFollower(d.log_file, offset, out)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        follower.echo()
        code = proc.poll()
        if code is not None:
            raise SystemError_(_died(d.log_file, offset, code))
        if follower.saw_ready and _ready(opts):
            follower.echo()
            out.write(summary(_summary(opts, proc.pid)) + "\n")
            out.flush()
            return 0
        time.sleep(0.1)
    proc.terminate()
    if not wait_gone(d, proc.pid, 10.0):
        proc.kill()
    proc.wait()
    raise SystemError_(
        f"the cluster did not answer /readyz within {START_TIMEOUT:.0f} s; "
        + _tail_text(d.log_file, offset)
    )


def _spawn(opts: UpOptions) -> subprocess.Popen[bytes]:
    d = opts.data_dir
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(d.log_file, "ab") as log:
        log.write(f"--- tinykube up -d  {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        log.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "tinykube.cmd.main", *opts.argv(), "--child"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd="/",
        )


def _ready(opts: UpOptions) -> bool:
    d = opts.data_dir
    if not (d.ca_file.exists() and d.token_file.exists()):
        return False
    return probe.is_ready(opts.server, ca_file=d.ca_file, token=d.token())


def _summary(opts: UpOptions, pid: int) -> Summary:
    """The background cluster runs as this user, so it ran the node part iff we could."""
    return opts.summary(nodesupport.detect(), detached_pid=pid,
                        log_file=str(opts.data_dir.log_file))


def _died(log: Path, offset: int, code: int) -> str:
    how = f"signal {-code}" if code < 0 else f"code {code}"
    return f"the cluster exited with {how} while starting; " + _tail_text(log, offset)


def _tail_text(log: Path, offset: int) -> str:
    lines = _read_from(log, offset).splitlines()[-TAIL_LINES:]
    return f"last lines of {log}:\n" + "\n".join("  " + line for line in lines)


def _read_from(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""


class _LogFollower:
    """Copies the progress lines (``✓ …``, ``✗ …``, ``! …``) a background ``up`` appends to
    its log."""

    def __init__(self, path: Path, offset: int, out: TextIO) -> None:
        self._path = path
        self._offset = offset
        self._out = out
        self._partial = b""
        self.saw_ready = False

    def echo(self) -> None:
        *lines, self._partial = (self._partial + self._read()).split(b"\n")
        for raw in lines:
            line = raw.decode(errors="replace")
            if line[:1] in MARKS:
                self._out.write(line + "\n")
            if line.split()[:2] == ["✓", READY]:
                self.saw_ready = True
        self._out.flush()

    def _read(self) -> bytes:
        try:
            with open(self._path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return b""
        self._offset += len(data)
        return data
