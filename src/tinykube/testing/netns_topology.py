"""A one-node network for root tests: node namespace, bridge, pods, a client, servers.

The layout of DESIGN.md in miniature, under a random ``tinykube-t-<hex>`` prefix so runs
never collide and leftovers are easy to find:

    <prefix>-node    cbr0 10.244.0.1/24, the node IP on a dummy ``tk-node`` (which also
                     carries the default route, so traffic for unknown addresses reaches
                     the forward hook like on a real node), ip_forward on
    <prefix>-p<i>    pods: eth0 10.244.0.<10+i>/24 on a veth to cbr0 (hairpin mode on, so
                     a pod can reach itself through a Service), default via cbr0,
                     each running ``testing.podserver`` (answers its name, TCP and UDP)
    <prefix>-c       a client pod, 10.244.0.100 and 10.244.0.101

Everything is created with ``ip`` in namespaces this module creates, and ``destroy()``
kills the servers it started (by pid) and deletes the namespaces, which takes their
interfaces, routes and nft tables with them. The host namespace is never touched.
``in_netns(ns, fn)`` runs a blocking function on a thread inside one of them.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tinykube.host import netns as namespaces
from tinykube.host.nssocket import enter_netns

T = TypeVar("T")

NODE_IP = "172.18.0.2"
BRIDGE_IP = "10.244.0.1"
CLIENT_IPS = ("10.244.0.100", "10.244.0.101")
SERVER_PORT = 8080


def usable() -> str | None:
    """Why the root tests cannot run here, or None when they can."""
    import os

    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "nft", "nsenter"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _local_link(ns: str, name: str) -> None:
    """A link that only carries addresses: ``dummy``, or ``ifb`` on kernels without it."""
    try:
        _ip("-n", ns, "link", "add", name, "type", "dummy")
    except subprocess.CalledProcessError:
        _ip("-n", ns, "link", "add", name, "type", "ifb")


@dataclass
class PodNet:
    name: str
    netns: str
    ip: str


@dataclass
class Topology:
    prefix: str
    node_ns: str
    pods: list[PodNet] = field(default_factory=list)
    client: PodNet | None = None
    namespaces: list[str] = field(default_factory=list)
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # ------------------------------------------------------------------ building

    @classmethod
    def create(cls, pods: int = 3, *, servers: bool = True,
               local_service_range: str = "") -> Topology:
        """The network; ``local_service_range`` (e.g. 10.96.0.0/12) is routed to the node's
        own stack, as the userspace dataplane needs."""
        prefix = f"tinykube-t-{secrets.token_hex(3)}"
        topo = cls(prefix, f"{prefix}-node")
        try:
            topo._node()
            if local_service_range:
                _ip("-n", topo.node_ns, "route", "add", "local", local_service_range, "dev", "lo")
            for i in range(pods):
                topo.pods.append(topo._pod(f"pod{i}", f"{prefix}-p{i}", f"10.244.0.{10 + i}", i))
            topo.client = topo._pod("client", f"{prefix}-c", CLIENT_IPS[0], 99)
            _ip("-n", topo.client.netns, "addr", "add", f"{CLIENT_IPS[1]}/24", "dev", "eth0")
            if servers:
                topo._servers()
        except BaseException:
            topo.destroy()
            raise
        return topo

    def _netns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _node(self) -> None:
        ns = self.node_ns
        self._netns(ns)
        _ip("-n", ns, "link", "add", "cbr0", "type", "bridge")
        _ip("-n", ns, "addr", "add", f"{BRIDGE_IP}/24", "dev", "cbr0")
        _ip("-n", ns, "link", "set", "cbr0", "up")
        _local_link(ns, "tk-node")
        _ip("-n", ns, "addr", "add", f"{NODE_IP}/24", "dev", "tk-node")
        _ip("-n", ns, "link", "set", "tk-node", "up")
        _ip("-n", ns, "route", "add", "default", "dev", "tk-node")
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                       check=True, capture_output=True, timeout=10)

    def _pod(self, name: str, ns: str, ip: str, index: int) -> PodNet:
        self._netns(ns)
        host_if = f"tk-v{index}"
        _ip("-n", self.node_ns, "link", "add", host_if, "type", "veth", "peer", "name", "eth0",
            "netns", ns)
        _ip("-n", self.node_ns, "link", "set", host_if, "master", "cbr0")
        # br_netfilter bridges a DNATed hairpin packet back out of the port it came in on:
        # the port needs hairpin mode (kubelet's --hairpin-mode=hairpin-veth)
        _ip("-n", self.node_ns, "link", "set", host_if, "type", "bridge_slave", "hairpin", "on")
        _ip("-n", self.node_ns, "link", "set", host_if, "up")
        _ip("-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        _ip("-n", ns, "route", "add", "default", "via", BRIDGE_IP)
        return PodNet(name, ns, ip)

    def _servers(self) -> None:
        for pod in self.pods:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", pod.netns, sys.executable, "-m",
                 "tinykube.testing.podserver", pod.name, str(SERVER_PORT)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.servers.append(proc)
        for proc in self.servers:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # "ready" (or EOF if it died)
            if not line.startswith(b"ready"):
                raise RuntimeError("a pod server did not start")

    # ------------------------------------------------------------------ using

    def pod_by_ip(self, ip: str) -> PodNet:
        return next(p for p in self.pods if p.ip == ip)

    # ------------------------------------------------------------------ tearing down

    def destroy(self) -> None:
        for proc in self.servers:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.servers.clear()
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True,
                           timeout=10)
        self.namespaces.clear()


def in_netns(netns: str, fn: Callable[[], T]) -> T:
    """Run ``fn()`` on a fresh thread that entered ``netns`` (blocking)."""
    result: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            enter_netns(namespaces.path(netns))
            result.append(fn())
        except BaseException as e:
            failure.append(e)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join()
    if failure:
        raise failure[0]
    return result[0]


def http_get(ip: str, port: int, *, source: str = "", timeout: float = 2.0) -> str:
    """One request on a new connection; the body (the pod's name), or raises OSError."""
    import socket

    with socket.create_connection((ip, port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise ConnectionResetError(f"no answer from {ip}:{port}")
    return body.decode().strip()
