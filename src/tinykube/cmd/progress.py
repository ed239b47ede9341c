"""What ``tinykube up`` and ``down`` print: one line per stage with its time, then a summary.

    ✓ store (sqlite)          12 ms
    ✓ apiserver               48 ms

Formatting is pure (``step_line``, ``summary``); ``Progress`` only times stages and writes
lines to a stream, flushing each so a detached cluster's log reads the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

WIDTH = 30
READY = "ready"  # the last line of a start; ``up -d`` waits for it


def step_line(name: str, ms: float, ok: bool = True) -> str:
    mark = "✓" if ok else "✗"
    return f"{mark} {name:<{WIDTH}} {ms:5.0f} ms"


@dataclass(frozen=True)
class Summary:
    kubeconfig: str
    server: str
    data_dir: str
    detached_pid: int | None = None
    log_file: str = ""


def summary(s: Summary) -> str:
    lines = [
        "",
        f"tinykube is ready at {s.server}",
        f"  kubeconfig  {s.kubeconfig}",
        f"  data dir    {s.data_dir}",
        "",
        "Use it with kubectl:",
        f"  export KUBECONFIG={s.kubeconfig}",
        "  kubectl get svc -A",
        "",
    ]
    if s.detached_pid is not None:
        lines += [
            f"Running in the background (pid {s.detached_pid}, log {s.log_file}).",
            "Stop it with: tinykube down",
        ]
    else:
        lines.append("Ctrl-C stops it; the objects stay in the data dir for the next `up`.")
    return "\n".join(lines)


class Progress:
    """Times named stages and prints one line for each."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def line(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.line(step_line(name, (time.perf_counter() - start) * 1000, ok))
