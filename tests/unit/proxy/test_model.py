"""Services and EndpointSlices reduced to the proxy's values."""

from __future__ import annotations

from tinykube.proxy.model import (
    DEFAULT_AFFINITY_TIMEOUT,
    EndpointInfo,
    ServicePortName,
    merge_slices,
    service_ports,
    slice_endpoints,
    slice_service,
)
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, port, service


def test_one_entry_per_port_keyed_by_port_name_and_protocol() -> None:
    svc = service("web", "10.96.0.20", ports=[port(80, "http"), port(53, "dns", "UDP")])
    ports = service_ports(svc)
    assert set(ports) == {ServicePortName("default", "web", "http", "TCP"),
                          ServicePortName("default", "web", "dns", "UDP")}
    http = ports[ServicePortName("default", "web", "http", "TCP")]
    assert (http.cluster_ip, http.port, http.node_port, http.affinity) == (
        "10.96.0.20", 80, 0, False)


def test_headless_external_name_and_unallocated_have_no_ports() -> None:
    assert service_ports(service("h", "None")) == {}
    assert service_ports(service("e", "10.96.0.3", type_="ExternalName")) == {}
    unallocated = service("u", "")
    unallocated["spec"]["clusterIPs"] = []
    assert service_ports(unallocated) == {}


def test_nodeport_external_ips_lb_ingress_and_policies() -> None:
    svc = service("lb", "10.96.0.30", type_="LoadBalancer",
                  ports=[port(80, node_port=30080)], externalIPs=["192.0.2.9", "2001:db8::1"],
                  externalTrafficPolicy="Local", healthCheckNodePort=31000,
                  status={"loadBalancer": {"ingress": [{"ip": "127.240.0.1"}]}})
    (info,) = service_ports(svc).values()
    assert info.node_port == 30080
    assert info.external_ips == ("192.0.2.9",)  # IPv6 is not programmed by the ip table
    assert info.load_balancer_ips == ("127.240.0.1",)
    assert info.external_policy_local and not info.internal_policy_local
    assert info.health_check_node_port == 31000
    assert info.uses_cluster_endpoints and info.uses_local_endpoints


def test_external_policy_local_needs_an_external_destination() -> None:
    (info,) = service_ports(service("c", "10.96.0.31", externalTrafficPolicy="Local")).values()
    assert not info.external_policy_local
    assert not info.uses_local_endpoints


def test_client_ip_affinity_timeout_default_and_given() -> None:
    (a,) = service_ports(service("a", "10.96.0.4", sessionAffinity="ClientIP")).values()
    assert a.session_affinity_timeout == DEFAULT_AFFINITY_TIMEOUT
    (b,) = service_ports(service("b", "10.96.0.5", sessionAffinity="ClientIP",
                                 sessionAffinityConfig={"clientIP": {"timeoutSeconds": 7}})
                         ).values()
    assert b.session_affinity_timeout == 7 and b.affinity


def test_slice_conditions_default_like_kube_proxy() -> None:
    sl = endpoint_slice("web", [
        {"addresses": ["10.244.0.2"], "conditions": {}, "nodeName": "n1"},
        endpoint("10.244.0.3", ready=False, serving=True, terminating=True, node="n2"),
        endpoint("10.244.0.4", ready=False),
    ])
    eps = slice_endpoints(sl, "n1")[("", "TCP")]
    assert eps[0] == EndpointInfo("10.244.0.2", 80, True, True, False, "n1", True)
    assert eps[1] == EndpointInfo("10.244.0.3", 80, False, True, True, "n2", False)
    assert eps[2].serving is False  # serving defaults to ready


def test_slices_of_other_address_types_and_endpoints_without_addresses_are_ignored() -> None:
    assert slice_endpoints(endpoint_slice("web", [endpoint("fd00::1")],
                                          address_type="IPv6"), "n") == {}
    sl = endpoint_slice("web", [{"addresses": [], "conditions": {}}, endpoint("10.244.0.9")])
    assert [e.ip for e in slice_endpoints(sl, "n")[("", "TCP")]] == ["10.244.0.9"]


def test_slice_service_comes_from_the_label() -> None:
    assert slice_service(endpoint_slice("web", [])) == "default/web"
    sl = endpoint_slice("web", [])
    sl["metadata"]["labels"] = {}
    assert slice_service(sl) is None


def test_merge_dedupes_across_slices_and_sorts() -> None:
    a = slice_endpoints(endpoint_slice("web", [endpoint("10.244.0.3"), endpoint("10.244.0.2")],
                                       name="web-a"), "n")
    b = slice_endpoints(endpoint_slice("web", [endpoint("10.244.0.3", ready=False)],
                                       name="web-b"), "n")
    merged = merge_slices({"web-b": b, "web-a": a}, "default/web")
    eps = merged[ServicePortName("default", "web", "", "TCP")]
    assert [e.ip for e in eps] == ["10.244.0.2", "10.244.0.3"]
    assert all(e.ready for e in eps)  # web-a sorts first and wins the duplicate
