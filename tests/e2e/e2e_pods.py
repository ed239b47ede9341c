"""Helpers of the end-to-end tests that run real pods (``test_up_endpoints``, ``test_up_pods``).

The manifests under ``manifests/`` (a few with placeholders the test fills in), a
namespace of the test's own that goes at the end, pods' readiness, ``tinykube exec``,
kubectl with a fresh HOME, and Endpoints and EndpointSlices reduced to plain values that a
test can compare with ``==``: which ``ip:port`` are ready and which not, and each slice
endpoint's ports and conditions.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_helpers import as_dict, core_api, eventually, is_ready, live_pods
from kubernetes import client, utils

from tinykube.testing.cluster import RunningCluster, tinykube

Obj = dict[str, Any]
MANIFESTS = Path(__file__).parent / "manifests"
POD_NET = ipaddress.ip_network("10.244.0.0/24")
POD_TIMEOUT = 60.0
ROOT_ONLY = [
    pytest.mark.e2e,
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="real pods need root: the node agent runs "
                                                 "them in network namespaces"),
]


# --------------------------------------------------------------------------- objects


def manifest(name: str, **placeholders: str) -> list[Obj]:
    """The documents of ``manifests/<name>``, each placeholder replaced by its value."""
    text = (MANIFESTS / name).read_text()
    for key, value in placeholders.items():
        text = text.replace(key, value)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def create(apis: client.ApiClient, ns: str, docs: list[Obj]) -> None:
    """Create every document in ``ns`` with the official client, in order."""
    create_from_dict: Any = utils.create_from_dict   # untyped in the client
    for doc in docs:
        create_from_dict(apis, doc, namespace=ns)


# --------------------------------------------------------------------------- pods


def condition(pod: Any, kind: str) -> str:
    """The status of the pod's condition ``kind`` ("True", "False"), "" when it has none."""
    for c in pod.status.conditions or []:
        if c.type == kind:
            return str(c.status)
    return ""


def ready_pods(core: Any, ns: str, count: int, selector: str = "") -> dict[str, Any]:
    """Wait until exactly ``count`` live pods (matching ``selector``) are Running and Ready;
    they by name."""
    def check() -> dict[str, Any]:
        pods = live_pods(core, ns, selector)
        if len(pods) == count and all(is_ready(p) for p in pods):
            return {p.metadata.name: p for p in pods}
        return {}
    found: dict[str, Any] = eventually(check, timeout=POD_TIMEOUT)
    return found


def running_pods(core: Any, ns: str, count: int, selector: str = "") -> dict[str, Any]:
    """Wait until exactly ``count`` live pods are Running with an IP (Ready or not)."""
    def check() -> dict[str, Any]:
        pods = live_pods(core, ns, selector)
        if len(pods) == count and all(p.status.phase == "Running" and p.status.pod_ip
                                      for p in pods):
            return {p.metadata.name: p for p in pods}
        return {}
    found: dict[str, Any] = eventually(check, timeout=POD_TIMEOUT)
    return found


def pod_exec(cluster: RunningCluster, ns: str, pod: str, *command: str) -> str:
    """``tinykube exec POD -- COMMAND`` (the API's pods/exec); its stdout."""
    proc = subprocess.run(
        tinykube("exec", "--kubeconfig", str(cluster.kubeconfig), "-n", ns, pod, "--",
                 *command),
        capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"tinykube exec {pod} -- {command}: {proc.stdout}{proc.stderr}"
    return proc.stdout


@dataclass(frozen=True)
class Kubectl:
    """The real kubectl on the session cluster, with a HOME of its own (fresh caches)."""

    binary: str
    kubeconfig: Path
    home: Path

    def run(self, *args: str, stdin: str | None = None) -> str:
        """``kubectl ARGS``; its stdout, failing the test when it fails."""
        env = {"HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "KUBECONFIG": str(self.kubeconfig)}
        proc = subprocess.run([self.binary, "--kubeconfig", str(self.kubeconfig), *args],
                              env=env, input=stdin, capture_output=True, text=True,
                              timeout=60, check=False)
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}{proc.stdout}"
        return proc.stdout


def table(text: str) -> list[dict[str, str]]:
    """kubectl's table output as rows keyed by header, the columns cut where the header
    line puts them (values may hold single spaces, like ``1 (2s ago)``)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0]
    starts = [0] + [i for i in range(2, len(header))
                    if header[i] != " " and header[i - 2:i] == "  "]
    spans = list(zip(starts, [*starts[1:], None], strict=True))
    names = [header[a:b].strip() for a, b in spans]
    return [{n: line[a:b].strip() for n, (a, b) in zip(names, spans, strict=True)}
            for line in lines[1:]]


def described(text: str) -> dict[str, str]:
    """``kubectl describe``'s top-level ``Key:  value`` lines (the first of each key)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line[:1].isspace() or ":" not in line:
            continue
        key, _, value = line.partition(":")
        out.setdefault(key, value.strip())
    return out


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class EndpointsView:
    """An Endpoints object as sets of ``(ip, port)``, ready and not ready."""

    ready: frozenset[tuple[str, int]] = frozenset()
    not_ready: frozenset[tuple[str, int]] = frozenset()


def endpoints_view(apis: client.ApiClient, ns: str, name: str) -> EndpointsView:
    ready: set[tuple[str, int]] = set()
    not_ready: set[tuple[str, int]] = set()
    for subset in endpoints_of(apis, ns, name).get("subsets") or []:
        ports = [int(p["port"]) for p in subset.get("ports") or []]
        for key, into in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for a in subset.get(key) or []:
                into.update((a["ip"], port) for port in ports)
    return EndpointsView(frozenset(ready), frozenset(not_ready))


def endpoints_of(apis: client.ApiClient, ns: str, name: str) -> Obj:
    """The Endpoints object, as the server sent it."""
    return as_dict(apis, core_api(apis).read_namespaced_endpoints(name, ns))


@dataclass(frozen=True)
class SliceEndpoint:
    """One endpoint of a Service's slices: its slice's ports and its conditions."""

    ports: tuple[tuple[str, int], ...]   # (name, port), sorted
    ready: bool | None
    serving: bool | None
    terminating: bool | None


def slices_of(apis: client.ApiClient, ns: str, service: str) -> list[Obj]:
    """The EndpointSlices labelled with the Service's name, as the server sent them."""
    found = client.DiscoveryV1Api(apis).list_namespaced_endpoint_slice(
        ns, label_selector=f"kubernetes.io/service-name={service}")
    return [as_dict(apis, s) for s in found.items]


def slice_view(apis: client.ApiClient, ns: str, service: str) -> dict[str, SliceEndpoint]:
    """Every endpoint of the Service's slices by address (an address in two slices fails)."""
    out: dict[str, SliceEndpoint] = {}
    for s in slices_of(apis, ns, service):
        ports = tuple(sorted((str(p.get("name") or ""), int(p["port"]))
                             for p in s.get("ports") or []))
        for e in s.get("endpoints") or []:
            cond = e.get("conditions") or {}
            for ip in e["addresses"]:
                assert ip not in out, f"{ip} is in two slices of {service}: {out[ip]}, {ports}"
                out[ip] = SliceEndpoint(ports, cond.get("ready"), cond.get("serving"),
                                        cond.get("terminating"))
    return out


def ready_view(ports: tuple[tuple[str, int], ...], *, ready: bool,
               serving: bool | None = None, terminating: bool = False) -> SliceEndpoint:
    """A ``SliceEndpoint`` to compare with: ``serving`` is ``ready`` unless given."""
    return SliceEndpoint(ports, ready, ready if serving is None else serving, terminating)


def becomes(read: Callable[[], Any], expected: Any) -> Callable[[], bool]:
    """A check for ``eventually``: True once ``read()`` equals ``expected``; until then an
    assertion showing both, which ``eventually`` reports if it never does."""
    def check() -> bool:
        got = read()
        assert got == expected, f"got {got!r}, want {expected!r}"
        return True
    return check
