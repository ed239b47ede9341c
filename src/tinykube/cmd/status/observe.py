"""Looking at a cluster for ``status``: the lock, the board, the API, the node, the DNS.

In order, each step only when the one before says there is something to look at: the
``up`` lock (is a cluster running?), the components' board it publishes in the data dir
(no network), a few GETs to the API over one connection (``/version``, ``/readyz``, six
lists), ``/run/netns`` for the node's namespace and, as root, one DNS question asked
from inside the node's namespace. Nothing here changes anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

from tinykube.api.meta import Obj
from tinykube.cmd import board as boards
from tinykube.cmd import probe
from tinykube.cmd.addresses import NODE_IP, ZONE
from tinykube.cmd.board import Snapshot
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.kubeconfig import server_of
from tinykube.cmd.running import running_pid
from tinykube.cmd.status import dnscheck, tally
from tinykube.cmd.status.facts import ApiFacts, DnsFacts, Facts, NodeFacts
from tinykube.errors import TinykubeError

LISTS = {
    "namespaces": "/api/v1/namespaces",
    "nodes": "/api/v1/nodes",
    "services": "/api/v1/services",
    "pods": "/api/v1/pods",
    "endpoints": "/api/v1/endpoints",
    "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices",
}
API_TIMEOUT = 5.0
KUBERNETES = f"kubernetes.default.svc.{ZONE}"
KUBERNETES_IP = "10.96.0.1"  # the first address of the Service CIDR, unless the API says
NOT_ROOT = "not root (the question is asked from inside the node's network namespace)"

Asker = Callable[[str, str, str], DnsFacts]  # (netns path, server, expected) -> facts


def observe(data_dir: DataDir, *, root: bool, ask: Asker | None = None,
            now: datetime | None = None) -> Facts:
    now = now or datetime.now(UTC)
    facts = Facts(str(data_dir.root), now)
    pid = running_pid(data_dir)
    if pid is None:
        return facts
    board = _board(data_dir, pid)
    api, lists, errors = _ask_api(data_dir)
    nodes = tuple(tally.node_facts(n, os.path.exists) for n in lists.get("nodes", []))
    return Facts(
        facts.data_dir, now, pid=pid, board=board, api=api, nodes=nodes,
        dns=_dns(board, nodes, lists, root=root, ask=ask or _ask),
        counts=tally.counts(lists) if lists else None,
        node_ports=tally.node_ports(lists.get("services", [])),
        errors=errors,
    )


def _board(data_dir: DataDir, pid: int) -> Snapshot | None:
    """The running ``up``'s board; not a crashed run's, left with another pid."""
    snap = boards.load(data_dir.components)
    return snap if snap is not None and (pid < 0 or snap.pid == pid) else None


def _ask_api(data_dir: DataDir) -> tuple[ApiFacts, dict[str, list[Obj]], tuple[str, ...]]:
    """``/version``, ``/readyz`` and the lists (only when the API is ready)."""
    try:
        server = server_of(data_dir.kubeconfig)
        token = data_dir.token()
    except TinykubeError as e:
        return ApiFacts("?", error=str(e)), {}, ()
    try:
        with probe.Session(server, ca_file=data_dir.ca_file, token=token,
                           timeout=API_TIMEOUT) as session:
            version = session.get("/version").json().get("gitVersion", "?")
            ready = session.get("/readyz").status == 200
            if not ready:
                return ApiFacts(server, str(version)), {}, ()
            lists, errors = _lists(session)
    except (OSError, ValueError) as e:
        return ApiFacts(server, error=str(e) or type(e).__name__), {}, ()
    return ApiFacts(server, str(version), ready=True), lists, errors


def _lists(session: probe.Session) -> tuple[dict[str, list[Obj]], tuple[str, ...]]:
    lists: dict[str, list[Obj]] = {}
    errors: list[str] = []
    for name, path in LISTS.items():
        answer = session.get(path)
        if answer.status != 200:
            errors.append(f"cannot list {name}: HTTP {answer.status}")
            continue
        lists[name] = list(answer.json().get("items") or [])
    return lists, tuple(errors)


def _dns(board: Snapshot | None, nodes: tuple[NodeFacts, ...], lists: dict[str, list[Obj]],
         *, root: bool, ask: Asker) -> DnsFacts | None:
    """Ask the cluster DNS for the ``kubernetes`` Service, from the node, as root; only
    when it runs (the board's line says what else it is doing)."""
    dns = board.component("dns") if board is not None else None
    if board is None or not board.node or dns is None or dns.state != "running":
        return None
    node = next((n for n in nodes if n.name == board.node), None)
    server = (node.ip if node else "") or NODE_IP
    expected = _kubernetes_ip(lists.get("services", []))
    if not root:
        return DnsFacts(f"{server}:53", KUBERNETES, expected, skipped=NOT_ROOT)
    netns = node.netns if node else tally.netns_path(board.node)
    if not os.path.exists(netns):
        return DnsFacts(f"{server}:53", KUBERNETES, expected,
                        skipped=f"the node's network namespace {netns} does not exist")
    return ask(netns, server, expected)


def _kubernetes_ip(services: list[Obj]) -> str:
    for svc in services:
        meta = svc.get("metadata") or {}
        if (meta.get("namespace"), meta.get("name")) == ("default", "kubernetes"):
            return str((svc.get("spec") or {}).get("clusterIP") or KUBERNETES_IP)
    return KUBERNETES_IP


def _ask(netns_path: str, server: str, expected: str) -> DnsFacts:
    return dnscheck.ask(dnscheck.in_netns(netns_path), server, KUBERNETES, expected)
