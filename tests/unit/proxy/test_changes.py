"""Before/after change tracking for Services and EndpointSlices."""

from __future__ import annotations

import copy

from tinykube.proxy.changes import EndpointsChangeTracker, ServiceChangeTracker
from tinykube.proxy.model import EndpointInfo, ServicePortInfo, ServicePortName
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, port, service

WEB = ServicePortName("default", "web", "", "TCP")


def test_added_service_is_applied_and_reported() -> None:
    t = ServiceChangeTracker()
    assert t.update(None, service("web", "10.96.0.20"))
    services: dict[ServicePortName, ServicePortInfo] = {}
    assert t.apply(services) == {WEB}
    assert services[WEB].cluster_ip == "10.96.0.20"
    assert t.pending == 0 and t.apply(services) == set()


def test_change_back_to_the_synced_state_cancels_the_pending_change() -> None:
    t = ServiceChangeTracker()
    old = service("web", "10.96.0.20")
    new = copy.deepcopy(old)
    new["spec"]["ports"] = [port(8080)]
    assert t.update(old, new)
    assert not t.update(new, old)
    assert t.pending == 0


def test_irrelevant_field_changes_are_not_changes() -> None:
    t = ServiceChangeTracker()
    old = service("web", "10.96.0.20")
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"app": "x"}
    assert not t.update(old, new)


def test_renamed_port_reports_both_old_and_new_and_removes_the_old() -> None:
    t = ServiceChangeTracker()
    services: dict[ServicePortName, ServicePortInfo] = {}
    old = service("web", "10.96.0.20", ports=[port(80, "a")])
    t.update(None, old)
    t.apply(services)
    new = service("web", "10.96.0.20", ports=[port(80, "b")])
    t.update(old, new)
    a, b = (ServicePortName("default", "web", n, "TCP") for n in "ab")
    assert t.apply(services) == {a, b}
    assert set(services) == {b}


def test_deleted_service_is_removed() -> None:
    t = ServiceChangeTracker()
    services: dict[ServicePortName, ServicePortInfo] = {}
    svc = service("web", "10.96.0.20")
    t.update(None, svc)
    t.apply(services)
    t.update(svc, None)
    assert t.apply(services) == {WEB} and services == {}


def test_endpoints_merge_across_slices_and_follow_removal() -> None:
    t = EndpointsChangeTracker("node-0")
    eps: dict[ServicePortName, tuple[EndpointInfo, ...]] = {}
    a = endpoint_slice("web", [endpoint("10.244.0.2")], name="web-a")
    b = endpoint_slice("web", [endpoint("10.244.0.3", node="node-1")], name="web-b")
    assert t.update(a) and t.update(b)
    assert t.apply(eps) == {WEB}
    assert [(e.ip, e.local) for e in eps[WEB]] == [("10.244.0.2", True), ("10.244.0.3", False)]
    assert t.update(b, removed=True)
    t.apply(eps)
    assert [e.ip for e in eps[WEB]] == ["10.244.0.2"]
    t.update(a, removed=True)
    assert t.apply(eps) == {WEB} and eps == {}


def test_endpoint_flap_within_one_sync_is_no_change() -> None:
    t = EndpointsChangeTracker("node-0")
    eps: dict[ServicePortName, tuple[EndpointInfo, ...]] = {}
    a = endpoint_slice("web", [endpoint("10.244.0.2")])
    t.update(a)
    t.apply(eps)
    not_ready = endpoint_slice("web", [endpoint("10.244.0.2", ready=False)])
    assert t.update(not_ready)
    assert not t.update(a)
    assert t.apply(eps) == set()


def test_slices_without_the_service_label_are_ignored() -> None:
    t = EndpointsChangeTracker("node-0")
    sl = endpoint_slice("web", [endpoint("10.244.0.2")])
    sl["metadata"]["labels"] = {}
    assert not t.update(sl)
    assert t.pending == 0
