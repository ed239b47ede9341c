"""What ``tinykube up`` and ``down`` print: one line per stage with its time, then a summary.

    ✓ store (sqlite)          12 ms
    ✓ apiserver               48 ms
    ! nft not found: the proxy uses its userspace dataplane ...

Formatting is pure (``step_line``, ``summary``); ``Progress`` only times stages and writes
lines to a stream, flushing each so a detached cluster's log reads the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

WIDTH = 36
READY = "ready"  # the last line of a start; ``up -d`` waits for it
NOTE = "!"       # a line the user should read (something is off, and what to do)
MARKS = ("✓", "✗", NOTE)


def step_line(name: str, ms: float, ok: bool = True) -> str:
    mark = "✓" if ok else "✗"
    return f"{mark} {name:<{WIDTH}} {ms:5.0f} ms"


def note_line(text: str) -> str:
    return f"{NOTE} {text}"


@dataclass(frozen=True)
class NodeSummary:
    """What the node part gives the user: where pods run, DNS, published NodePorts."""

    name: str
    dns: str
    publish: tuple[str, ...] = ("127.0.0.1",)


@dataclass(frozen=True)
class Summary:
    kubeconfig: str
    server: str
    data_dir: str
    detached_pid: int | None = None
    log_file: str = ""
    node: NodeSummary | None = None
    node_off: str = ""  # why there is no node part (shown when ``node`` is None)


def summary(s: Summary) -> str:
    lines = [
        "",
        f"tinykube is ready at {s.server}",
        f"  kubeconfig  {s.kubeconfig}",
        f"  data dir    {s.data_dir}",
        *_node_lines(s),
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


def _node_lines(s: Summary) -> list[str]:
    if s.node is None:
        return [f"  pods        off: {s.node_off}"] if s.node_off else []
    hosts = ", ".join(s.node.publish)
    return [
        f"  node        {s.node.name}  (a shell in it: tinykube shell)",
        f"  dns         {s.node.dns}  (kube-system/kube-dns)",
        f"  nodeports   published on {hosts}: curl 127.0.0.1:<nodePort> "
        "(kubectl get svc -A lists them)",
    ]


class Progress:
    """Times named stages and prints one line for each."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def line(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    def note(self, text: str) -> None:
        self.line(note_line(text))

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.line(step_line(name, (time.perf_counter() - start) * 1000, ok))
