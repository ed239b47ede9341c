"""Named network namespaces, bridges, veths, addresses, routes and sysctls — ours only.

A network namespace is a file under ``/run/netns`` (what ``ip netns`` manages), named with
the ``tinykube`` prefix; interfaces are named ``tk-…`` within the kernel's 15 characters.
Link changes are planned as ``IpBatch`` values (pure: the namespace and the ``ip`` lines)
and run with one ``ip -n <ns> -batch -`` each, a few milliseconds for a whole pod.

Every operation names one of our namespaces and is refused otherwise: nothing here can
add an interface, a route or a sysctl to the host's network namespace. Sysctls are written
through ``/proc/sys/net`` from a thread that entered the namespace (``nsexec``), which
reads and writes that namespace's values only.

Blocking work (``ip``, file writes) runs on a thread through ``_blocking``; the public
functions are coroutines. Failures raise ``errors.SystemError_`` with ``ip``'s message.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tinykube.errors import SystemError_
from tinykube.host import nsexec

log = logging.getLogger(__name__)

T = TypeVar("T")

NETNS_DIR = "/run/netns"
PREFIX = "tinykube"
IF_PREFIX = "tk-"
IFNAME_MAX = 15
# Kinds tried, in order, for an interface that only carries local addresses: ``dummy`` is
# the usual one; some kernels are built without it, and ``ifb`` serves the same purpose.
LOCAL_LINK_KINDS = ("dummy", "ifb")


@dataclass(frozen=True)
class IpBatch:
    """``ip -batch`` lines to run in one of our network namespaces."""

    netns: str
    lines: tuple[str, ...]


# --------------------------------------------------------------------------- names


def path(name: str) -> str:
    """The bind mount of one of our namespaces; ValueError for any other name."""
    return os.path.join(NETNS_DIR, check_name(name))


def check_name(name: str) -> str:
    """``name`` if it is one of ours (prefixed, a plain file name); ValueError otherwise."""
    if not name.startswith(PREFIX) or "/" in name or name in (".", "..") or len(name) > 200:
        raise ValueError(f"refusing network namespace {name!r}: not a {PREFIX}* name")
    return name


def check_ifname(name: str) -> str:
    if not (0 < len(name) <= IFNAME_MAX) or "/" in name or " " in name:
        raise ValueError(f"invalid interface name {name!r} (1-{IFNAME_MAX} characters)")
    return name


def ifname(prefix: str, ident: str) -> str:
    """A ``tk-`` interface name from ``prefix`` and an identifier, cut to 15 characters."""
    clean = "".join(ch for ch in ident.lower() if ch.isalnum())
    return check_ifname((IF_PREFIX + prefix + clean)[:IFNAME_MAX])


# --------------------------------------------------------------------------- plans


def bridge_plan(netns: str, bridge: str, address: str) -> IpBatch:
    """Loopback up, and a bridge holding ``address`` (``10.244.0.1/24``), up."""
    return IpBatch(check_name(netns), (
        "link set lo up",
        f"link add {check_ifname(bridge)} type bridge",
        f"addr add {_iface(address)} dev {bridge}",
        f"link set {bridge} up",
    ))


def local_address_plan(netns: str, link: str, kind: str, address: str, *,
                       default_route: bool = False) -> IpBatch:
    """An interface of ``kind`` that carries ``address`` (a node IP), up; with
    ``default_route`` it also takes the namespace's default route, so traffic to addresses
    nobody owns (ClusterIPs) is routed and reaches the dataplane's hooks, as on a node."""
    lines = [
        f"link add {check_ifname(link)} type {kind}",
        f"addr add {_iface(address)} dev {link}",
        f"link set {link} up",
    ]
    if default_route:
        lines.append(f"route add default dev {link}")
    return IpBatch(check_name(netns), tuple(lines))


def veth_plan(bridge_ns: str, bridge: str, host_if: str, *, peer_ns: str, peer_if: str,
              address: str, gateway: str) -> list[IpBatch]:
    """A veth from ``bridge`` (in ``bridge_ns``) to ``peer_if`` in ``peer_ns`` with
    ``address``, loopback up and a default route via ``gateway``. The bridge port is in
    hairpin mode (the kubelet's hairpin-veth), so a pod reaches itself through a Service."""
    ipaddress.ip_address(gateway)
    return [
        IpBatch(check_name(bridge_ns), (
            f"link add {check_ifname(host_if)} type veth peer name {check_ifname(peer_if)}"
            f" netns {check_name(peer_ns)}",
            f"link set {host_if} master {check_ifname(bridge)}",
            f"link set {host_if} type bridge_slave hairpin on",
            f"link set {host_if} up",
        )),
        IpBatch(peer_ns, (
            "link set lo up",
            f"addr add {_iface(address)} dev {peer_if}",
            f"link set {peer_if} up",
            f"route add default via {gateway}",
        )),
    ]


def loopback_plan(netns: str) -> IpBatch:
    return IpBatch(check_name(netns), ("link set lo up",))


def _iface(address: str) -> str:
    """An interface address as ``ip`` wants it; ValueError for anything else."""
    return str(ipaddress.ip_interface(address))


# --------------------------------------------------------------------------- shell


async def create(name: str) -> None:
    """Create the named namespace (an error if it exists)."""
    check_name(name)
    await _blocking(_ip, ["netns", "add", name])


async def delete(name: str) -> bool:
    """Delete the named namespace; False if there was none. Its interfaces go with it
    once no process is left inside."""
    if not exists(name):
        return False
    await _blocking(_ip, ["netns", "delete", name])
    return True


def exists(name: str) -> bool:
    return os.path.exists(path(check_name(name)))


def names(prefix: str = PREFIX) -> list[str]:
    """Namespaces in ``/run/netns`` whose name starts with ``prefix`` (one of ours)."""
    check_name(prefix)
    try:
        entries = os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return []
    return sorted(n for n in entries if n.startswith(prefix))


async def run(batches: Iterable[IpBatch]) -> None:
    """Run each batch, in order, in its namespace."""
    for batch in batches:
        await _blocking(_ip, ["-n", check_name(batch.netns), "-batch", "-"],
                        "\n".join(batch.lines) + "\n")


async def add_local_address(netns: str, link: str, address: str, *,
                            default_route: bool = False) -> str:
    """An interface carrying ``address`` (dummy, or ifb where the kernel has no dummy);
    returns the kind used."""
    failure: SystemError_ | None = None
    for kind in LOCAL_LINK_KINDS:
        try:
            await run([local_address_plan(netns, link, kind, address,
                                          default_route=default_route)])
            return kind
        except SystemError_ as e:
            failure = e
            await _blocking(_ip_quiet, ["-n", netns, "link", "delete", link])
    assert failure is not None
    raise failure


async def write_sysctl(netns: str, key: str, value: str) -> None:
    """Set ``net.*`` sysctl ``key`` inside ``netns`` (never in the host's namespace)."""
    if not key.startswith("net.") or ".." in key:
        raise ValueError(f"only net.* sysctls are per network namespace, not {key!r}")
    target = "/proc/sys/" + key.replace(".", "/")

    def write() -> None:
        with open(target, "w") as fh:
            fh.write(value)

    try:
        await nsexec.run_in_netns(path(netns), write)
    except OSError as e:
        raise SystemError_(f"sysctl {key}={value} in {netns}: {e}") from e


def _ip(args: Sequence[str], stdin: str | None = None) -> str:
    try:
        proc = subprocess.run(["ip", *args], input=stdin, capture_output=True, text=True,
                              check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SystemError_(f"ip {' '.join(args)}: {e}") from e
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        what = " ".join(args) if stdin is None else f"{' '.join(args)} <<{stdin.strip()!r}"
        raise SystemError_(f"ip {what}: {detail}")
    return proc.stdout


def _ip_quiet(args: Sequence[str]) -> None:
    subprocess.run(["ip", *args], capture_output=True, check=False, timeout=30)


async def _blocking(fn: Callable[..., T], *args: object) -> T:
    return await asyncio.to_thread(fn, *args)
