"""State survives: ``kill -9`` right after a 201, and ``down`` then ``up``, lose nothing.

These tests run their own cluster on their own data dir (restarting the session's cluster
would pull it from under the other tests), always on the same port so the kubeconfig
stays valid across restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import api_client, body_of, core_api, rv
from e2e_samples import CASES, KindCase, service, unique
from kubernetes import client

from tinykube.cmd.port import free_port
from tinykube.testing.cluster import RunningCluster, kill9, start, stop

pytestmark = pytest.mark.e2e

BY_KIND = {c.kind: c for c in CASES}


class OwnCluster:
    """A cluster these tests start, crash and restart; stopped at the end in any case."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.current: RunningCluster | None = None

    def up(self) -> None:
        self.current = start(self.data_dir, self.port)

    def down(self) -> None:
        if self.current is not None:
            stop(self.current)
            self.current = None

    def crash(self) -> None:
        assert self.current is not None
        kill9(self.current)
        self.current = None

    def client(self) -> client.ApiClient:
        assert self.current is not None
        return api_client(self.current)


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnCluster]:
    c = OwnCluster(tmp_path_factory.mktemp("restarts") / "data")
    try:
        c.up()
        yield c
    finally:
        c.down()


@dataclass(frozen=True)
class Made:
    case: KindCase
    ns: str
    name: str
    uid: str
    rv: int


def _make(apis: client.ApiClient, kind: str, ns: str, **spec: Any) -> Made:
    case = BY_KIND[kind]
    name = unique(kind.lower())
    body = case.make(name, ns)
    if spec:
        body["spec"].update(spec)
    obj = case.create(apis, ns, body)
    return Made(case, ns, name, obj.metadata.uid, rv(obj))


# Kinds the controllers and the node agent write to (status, bindings): their revision moves on.
WRITTEN_BY_CONTROLLERS = frozenset({"Pod", "Deployment", "ReplicaSet", "StatefulSet"})


def _check_all_there(apis: client.ApiClient, made: list[Made]) -> None:
    for m in made:
        obj = m.case.read(apis, m.ns, m.name)
        what = f"{m.case.kind} {m.name}"
        assert obj.metadata.uid == m.uid, what
        if m.case.kind in WRITTEN_BY_CONTROLLERS:
            assert rv(obj) >= m.rv, what
        else:
            assert rv(obj) == m.rv, what


def _assert_422(err: client.ApiException, field: str, text: str) -> None:
    assert err.status == 422, err.body
    causes = body_of(err)["details"]["causes"]
    assert any(c["field"] == field and text in c["message"] for c in causes), causes


def test_kill9_right_after_201_loses_nothing(own: OwnCluster) -> None:
    made: list[Made] = []
    with own.client() as apis:
        ns = unique("durable")
        core_api(apis).create_namespace({"metadata": {"name": ns}})
    rounds: list[tuple[str, dict[str, Any]]] = [
        ("Service", {"clusterIP": "10.96.0.60"}),
        ("Deployment", {}),
        ("Service", {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30083}]}),
        ("EndpointSlice", {}),
    ]
    for kind, spec in rounds:
        with own.client() as apis:
            made.append(_make(apis, kind, ns, **spec))
        own.crash()  # the 201 has been read: nothing may be lost now
        own.up()
        with own.client() as apis:
            _check_all_there(apis, made)

    with own.client() as apis:
        core = core_api(apis)
        # what the crashed cluster allocated is still allocated
        with pytest.raises(client.ApiException) as e:
            core.create_namespaced_service(ns, service(unique("ip"), ns) | {
                "spec": {"clusterIP": "10.96.0.60", "ports": [{"port": 80}]}})
        _assert_422(e.value, "spec.clusterIPs", "provided IP is already allocated")
        with pytest.raises(client.ApiException) as e:
            core.create_namespaced_service(ns, service(unique("np"), ns) | {
                "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30083}]}})
        _assert_422(e.value, "spec.ports[0].nodePort", "provided port is already allocated")
        # and revisions go on from where they were
        later = _make(apis, "Service", ns)
        assert later.rv > max(m.rv for m in made)


def test_down_then_up_finds_everything(own: OwnCluster) -> None:
    with own.client() as apis:
        core = core_api(apis)
        ns = unique("restart")
        core.create_namespace({"metadata": {"name": ns}})
        made = [_make(apis, kind, ns) for kind in
                ("Service", "Service", "Pod", "Endpoints", "Event", "Deployment", "ReplicaSet",
                 "StatefulSet", "EndpointSlice")]
        made.append(_make(apis, "Node", ""))
        made.append(_make(apis, "Service", ns, type="NodePort"))
        made.append(_make(apis, "Service", ns, clusterIP="10.96.0.61"))
        before = core.list_service_for_all_namespaces()
        ips = {s.spec.cluster_ip for s in before.items}
        node_ports = {p.node_port for s in before.items for p in s.spec.ports if p.node_port}
        kubernetes_uid = core.read_namespaced_service("kubernetes", "default").metadata.uid

    own.down()
    own.up()

    with own.client() as apis:
        core = core_api(apis)
        _check_all_there(apis, made)
        after = core.list_service_for_all_namespaces()
        assert {(s.metadata.namespace, s.metadata.name, s.metadata.uid) for s in after.items} == {
            (s.metadata.namespace, s.metadata.name, s.metadata.uid) for s in before.items
        }
        assert int(after.metadata.resource_version) >= int(before.metadata.resource_version)
        kubernetes = core.read_namespaced_service("kubernetes", "default")
        assert (kubernetes.metadata.uid, kubernetes.spec.cluster_ip) == (
            kubernetes_uid, "10.96.0.1"
        )

        with pytest.raises(client.ApiException) as e:
            core.create_namespaced_service(ns, service(unique("ip"), ns) | {
                "spec": {"clusterIP": "10.96.0.61", "ports": [{"port": 80}]}})
        _assert_422(e.value, "spec.clusterIPs", "provided IP is already allocated")

        fresh = [core.create_namespaced_service(ns, service(unique("new"), ns)) for _ in range(20)]
        fresh_ips = [s.spec.cluster_ip for s in fresh]
        assert len(set(fresh_ips)) == len(fresh_ips)
        assert not set(fresh_ips) & ips
        assert min(rv(s) for s in fresh) > max(m.rv for m in made)
        np = core.create_namespaced_service(ns, service(unique("np"), ns) | {
            "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
        assert np.spec.ports[0].node_port not in node_ports
