"""Shared endpoint rules: pod filter, hostname, named ports, families, relevant changes."""

from tinykube.controllers import endpointrules as rules
from tinykube.testing.workloads import container, pod, port, service


def test_pod_filter():
    p = pod("a", ip="10.0.0.1")
    assert rules.should_be_in_endpoints(p, include_terminating=False)
    assert not rules.should_be_in_endpoints(pod("b"), include_terminating=True)  # no IP
    assert not rules.should_be_in_endpoints(pod("c", ip="10.0.0.3", phase="Failed"), True)
    p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    assert not rules.should_be_in_endpoints(p, include_terminating=False)
    assert rules.should_be_in_endpoints(p, include_terminating=True)


def test_find_port_by_number_name_protocol_and_sidecars():
    p = pod("a", containers=[container(ports=[{"name": "http", "containerPort": 8080}])],
            initContainers=[{"name": "side", "image": "x", "restartPolicy": "Always",
                             "ports": [{"name": "metrics", "containerPort": 9100}]},
                            {"name": "init", "image": "x",
                             "ports": [{"name": "setup", "containerPort": 1}]}])
    assert rules.find_port(p, port(80, target=8081)) == 8081
    assert rules.find_port(p, {"port": 80}) == 80  # no targetPort: the port itself
    assert rules.find_port(p, port(80, target="http")) == 8080
    assert rules.find_port(p, port(80, target="http", protocol="UDP")) is None
    assert rules.find_port(p, port(9, target="metrics")) == 9100
    assert rules.find_port(p, port(9, target="setup")) is None  # plain init container


def test_families_and_addresses():
    assert rules.families(service("s", {}, ipFamilies=["IPv6", "IPv4"])) == ["IPv6", "IPv4"]
    assert rules.families(service("s", {}, clusterIP="fd00::10")) == ["IPv6"]
    assert rules.families(service("s", {}, clusterIP="None")) == ["IPv4"]
    p = pod("a", ip="10.0.0.1")
    p["status"]["podIPs"] = [{"ip": "10.0.0.1"}, {"ip": "fd00:0::1"}]
    assert rules.ip_of_family(p, "IPv6") == "fd00::1"


def test_selector_and_headless():
    assert rules.selector(service("s", None)) is None
    assert rules.selector(service("s", {})) is None  # {} is no selector, as on the wire
    assert rules.is_headless(service("s", {}, clusterIP="None"))
    assert not rules.is_headless(service("s", {}, clusterIP="10.96.0.1"))


def test_hostname_needs_matching_subdomain_and_namespace():
    svc = service("nginx", {})
    assert rules.hostname_for(pod("w", hostname="web-0", subdomain="nginx"), svc) == "web-0"
    assert rules.hostname_for(pod("w", hostname="web-0", subdomain="x"), svc) is None
    other_ns = pod("w", hostname="web-0", subdomain="nginx", namespace="other")
    assert rules.hostname_for(other_ns, svc) is None


def test_pod_fields_of_an_address_or_endpoint():
    svc = service("nginx", {})
    named = pod("web-0", hostname="web-0", subdomain="nginx", node="n1")
    named["metadata"]["uid"] = "u-1"
    assert list(rules.pod_fields(named, svc).items()) == [
        ("hostname", "web-0"), ("nodeName", "n1"),
        ("targetRef", {"kind": "Pod", "namespace": "default", "name": "web-0", "uid": "u-1"})]
    assert list(rules.pod_fields(pod("a"), svc)) == ["targetRef"]


def test_only_relevant_pod_changes_count():
    a = pod("a", {"app": "x"}, ip="10.0.0.1")
    b = pod("a", {"app": "x"}, ip="10.0.0.1")
    b["metadata"]["annotations"] = {"unrelated": "1"}
    assert not rules.endpoints_changed(a, b)
    b["status"]["conditions"][0]["status"] = "True"
    assert rules.endpoints_changed(a, b)
    c = pod("a", {"app": "y"}, ip="10.0.0.1")
    assert rules.endpoints_changed(a, c)
