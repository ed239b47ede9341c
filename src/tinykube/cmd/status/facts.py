"""What ``status`` found out, as plain values: the input of the verdict and of the JSON.

Each part is None (or empty) when it could not be looked at: no API facts without a
running cluster, no counts when the API does not answer, no DNS facts when the node part
is off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tinykube.cmd.board import Snapshot


@dataclass(frozen=True)
class ApiFacts:
    server: str
    version: str = ""
    ready: bool = False
    error: str = ""  # why it did not answer (or why /readyz is not ok)


@dataclass(frozen=True)
class NodeFacts:
    name: str
    ready: str = "Unknown"  # the Ready condition's status: "True", "False", "Unknown"
    reason: str = ""
    heartbeat: datetime | None = None
    ready_since: datetime | None = None  # the Ready condition's last transition
    pod_cidr: str = ""
    ip: str = ""
    netns: str = ""  # /run/netns/<name>
    netns_exists: bool = False


@dataclass(frozen=True)
class DnsFacts:
    server: str  # ADDR:PORT asked
    name: str  # the name asked for
    expected: str  # the address it must answer
    answers: tuple[str, ...] = ()
    error: str = ""
    skipped: str = ""  # why it was not asked
    ms: float = 0.0


@dataclass(frozen=True)
class NodePort:
    namespace: str
    service: str
    type: str
    port: int
    protocol: str
    node_port: int


@dataclass(frozen=True)
class Counts:
    namespaces: int = 0
    nodes: int = 0
    nodes_ready: int = 0
    services: dict[str, int] = field(default_factory=dict)  # by type
    headless: int = 0
    pods: dict[str, int] = field(default_factory=dict)  # by phase
    pods_ready: int = 0
    endpoints: int = 0
    endpointslices: int = 0


@dataclass(frozen=True)
class Facts:
    data_dir: str
    now: datetime
    pid: int | None = None  # None: no cluster runs; -1: one runs, its pid file not written yet
    board: Snapshot | None = None
    api: ApiFacts | None = None
    nodes: tuple[NodeFacts, ...] = ()
    dns: DnsFacts | None = None
    counts: Counts | None = None
    node_ports: tuple[NodePort, ...] = ()
    errors: tuple[str, ...] = ()  # lists that could not be read
