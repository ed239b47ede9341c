"""API objects to DNS values: defaults, readiness, and tolerance of malformed fields."""

from __future__ import annotations

import ipaddress

from tinykube.dns.records import pod_from_obj, service_from_obj, slice_from_obj
from tinykube.testing.dns import endpoint, endpoint_slice, pod, service


def test_service_kinds() -> None:
    svc = service_from_obj(service("a", ip=["10.0.0.1", "fd00::1"], ports=[("HTTP", 80, "TCP")]))
    assert svc.cluster_ips == (ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("fd00::1"))
    assert not svc.headless and svc.ports[0].name == "http" and svc.ports[0].protocol == "tcp"
    assert service_from_obj(service("h")).headless
    ext = service_from_obj(service("e", external="DB.Example.com."))
    assert ext.external_name == "db.example.com" and not ext.headless and not ext.cluster_ips
    bare = service_from_obj({"metadata": {"name": "x", "namespace": "n"},
                             "spec": {"clusterIP": "10.0.0.9", "ports": [{"port": 53}]}})
    assert bare.ports[0].protocol == "tcp" and bare.cluster_ips[0].version == 4


def test_slice_readiness_and_fqdn() -> None:
    sl = slice_from_obj(endpoint_slice("s", endpoints=[
        endpoint("10.0.0.1"), endpoint("10.0.0.2", ready=False), endpoint("10.0.0.3", ready=None),
        endpoint("10.0.0.4", hostname="Web-0", pod="web-0")]))
    assert [e.ready for e in sl.endpoints] == [True, False, True, True]
    assert sl.endpoints[3].hostname == "web-0" and sl.endpoints[3].pod_name == "web-0"
    assert sl.service_key == ("testns", "s")
    fqdn = slice_from_obj(endpoint_slice("s", endpoints=[endpoint("a.example.com")],
                                         family="FQDN"))
    assert fqdn.endpoints == ()


def test_malformed_fields_are_skipped() -> None:
    svc = service_from_obj({"metadata": {"name": "x"}, "spec": {
        "clusterIPs": ["nonsense", 7], "ports": [{"port": "80"}, {"port": 0}, "junk", None]}})
    assert svc.cluster_ips == () and svc.ports == ()
    sl = slice_from_obj({"metadata": None, "addressType": "IPv4",
                         "endpoints": [{"addresses": ["10.0.0.1", "x"], "conditions": "?"}]})
    assert sl.endpoints[0].addresses == (ipaddress.ip_address("10.0.0.1"),)
    assert slice_from_obj({}).endpoints == ()


def test_pod_activity() -> None:
    assert pod_from_obj(pod("p", "n", "10.0.0.1")).active
    assert not pod_from_obj(pod("p", "n", "10.0.0.1", phase="Succeeded")).active
    terminating = pod("p", "n", "10.0.0.1")
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert not pod_from_obj(terminating).active
    assert pod_from_obj({"metadata": {"name": "p"}, "status": {}}).ip is None
