"""ServiceAllocator end to end: creates, errors, type changes, delete, rebuild."""

import copy

import pytest

from tinykube.errors import ConfigError, InternalError, Invalid

from .helpers import allocator, created, service, updated


def causes(err: Invalid) -> list[tuple[str, str]]:
    return [(c.field, c.message) for c in err.causes]


# -- create -------------------------------------------------------------------------------


def test_cluster_ip_create_fills_every_allocated_field() -> None:
    a = allocator()
    svc = service()
    txn = a.allocate(svc)
    spec = svc["spec"]
    ip = spec["clusterIP"]
    assert spec["clusterIPs"] == [ip]
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
    offset = a.ips.offset_of(ip)
    assert offset is not None and offset >= a.ips.static_band  # dynamic: upper band
    assert "nodePort" not in spec["ports"][0]
    assert txn.taken_ips == (ip,) and a.ips.has(ip)
    txn.commit()
    assert a.ips.has(ip)


def test_requested_ip_is_used() -> None:
    a = allocator()
    svc = service("kube-dns", clusterIP="10.96.0.10")
    a.allocate(svc).commit()
    assert svc["spec"]["clusterIPs"] == ["10.96.0.10"]
    assert a.ips.has("10.96.0.10")


def test_requested_ip_already_allocated_is_422_on_cluster_ips() -> None:
    a = allocator()
    created(a, service("kube-dns", clusterIP="10.96.0.10"))
    with pytest.raises(Invalid) as e:
        a.allocate(service("other", clusterIP="10.96.0.10"))
    assert e.value.code == 422 and e.value.kind == "Service" and e.value.name == "other"
    assert causes(e.value) == [(
        "spec.clusterIPs",
        'Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: '
        "provided IP is already allocated",
    )]
    assert e.value.causes[0].type == "FieldValueInvalid"
    assert str(e.value) == (
        'Service "other" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: '
        "failed to allocate IP 10.96.0.10: provided IP is already allocated"
    )


def test_requested_ip_out_of_range_is_422() -> None:
    a = allocator()
    with pytest.raises(Invalid) as e:
        a.allocate(service(clusterIP="192.168.1.1", clusterIPs=["192.168.1.1"]))
    assert causes(e.value) == [(
        "spec.clusterIPs",
        'Invalid value: []string{"192.168.1.1"}: failed to allocate IP 192.168.1.1: the '
        "provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is "
        "10.96.0.0/12",
    )]
    assert a.ips.bitmap.count == 0


def test_exhausted_tiny_cidr_is_500_range_full() -> None:
    a = allocator("10.0.0.0/29")
    for i in range(6):
        created(a, service(f"s{i}"))
    with pytest.raises(InternalError) as e:
        a.allocate(service("one-too-many"))
    assert e.value.code == 500 and e.value.reason == "InternalError"
    assert str(e.value) == "Internal error occurred: failed to allocate a serviceIP: range is full"
    assert e.value.causes[0].message == "failed to allocate a serviceIP: range is full"


def test_headless_and_external_name_get_no_ip() -> None:
    a = allocator()
    headless = service("web", clusterIP="None")
    a.allocate(headless).commit()
    spec = headless["spec"]
    assert spec["clusterIPs"] == ["None"]
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
    ext = service("db", type_="ExternalName", ports=[], externalName="db.example.com")
    ext["spec"].pop("selector")
    a.allocate(ext).commit()
    assert "clusterIP" not in ext["spec"] and "ipFamilies" not in ext["spec"]
    assert "ipFamilyPolicy" not in ext["spec"]
    assert a.ips.bitmap.count == 0


def test_headless_without_selector_requires_dual_stack_with_one_family() -> None:
    a = allocator()
    svc = service("external-db", clusterIP="None")
    svc["spec"].pop("selector")
    a.allocate(svc).commit()
    assert svc["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert svc["spec"]["ipFamilies"] == ["IPv4"]


def test_require_dual_stack_on_single_stack_cluster_is_422() -> None:
    with pytest.raises(Invalid) as e:
        allocator().allocate(service(ipFamilyPolicy="RequireDualStack"))
    assert causes(e.value) == [(
        "spec.ipFamilyPolicy",
        'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack '
        "services",
    )]


def test_prefer_dual_stack_gets_the_one_family() -> None:
    svc = service(ipFamilyPolicy="PreferDualStack")
    allocator().allocate(svc)
    assert svc["spec"]["ipFamilies"] == ["IPv4"]
    assert svc["spec"]["ipFamilyPolicy"] == "PreferDualStack"


def test_unconfigured_families_are_422() -> None:
    with pytest.raises(Invalid) as e:
        allocator().allocate(service(ipFamilies=["IPv6"]))
    assert causes(e.value) == [
        ("spec.ipFamilies[0]", 'Invalid value: "IPv6": not configured on this cluster'),
    ]
    with pytest.raises(Invalid) as e:
        allocator().allocate(service(clusterIP="fd00::10", clusterIPs=["fd00::10"]))
    assert causes(e.value) == [
        ("spec.clusterIPs[0]",
         'Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster'),
    ]


def test_node_port_create_allocates_from_the_upper_band() -> None:
    a = allocator()
    svc = service(type_="NodePort")
    a.allocate(svc).commit()
    node_port = svc["spec"]["ports"][0]["nodePort"]
    assert 30086 <= node_port <= 32767
    assert a.ports.has(node_port)


def test_same_port_number_shares_one_node_port() -> None:
    svc = service("dns", type_="NodePort", ports=[
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        {"name": "dns-udp", "port": 53, "protocol": "UDP"},
        {"name": "metrics", "port": 9153, "protocol": "TCP"},
    ])
    a = allocator()
    txn = a.allocate(svc)
    tcp, udp, metrics = (p["nodePort"] for p in svc["spec"]["ports"])
    assert tcp == udp != metrics
    assert sorted(txn.taken_ports) == sorted([tcp, metrics])


def test_requested_node_port_is_shared_with_the_twin_port() -> None:
    svc = service("dns", type_="NodePort", ports=[
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        {"name": "dns-udp", "port": 53, "protocol": "UDP", "nodePort": 30053},
    ])
    allocator().allocate(svc)
    assert [p["nodePort"] for p in svc["spec"]["ports"]] == [30053, 30053]


def test_requested_node_port_in_use_is_422_and_takes_nothing() -> None:
    a = allocator()
    created(a, service("first", type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    used_ips = a.ips.bitmap.count
    second = service("second", type_="NodePort",
                     ports=[{"name": "a", "port": 81}, {"name": "b", "port": 80,
                                                         "nodePort": 30080}])
    with pytest.raises(Invalid) as e:
        a.allocate(second)
    assert causes(e.value) == [
        ("spec.ports[1].nodePort", "Invalid value: 30080: provided port is already allocated"),
    ]
    assert a.ips.bitmap.count == used_ips  # the clusterIP taken first was given back
    assert a.ports.bitmap.count == 1


def test_requested_node_port_out_of_range_is_422() -> None:
    with pytest.raises(Invalid) as e:
        allocator().allocate(service(type_="NodePort", ports=[{"port": 80, "nodePort": 80}]))
    assert causes(e.value) == [(
        "spec.ports[0].nodePort",
        "Invalid value: 80: provided port is not in the valid range. The range of valid "
        "ports is 30000-32767",
    )]


def test_node_port_range_full_is_500() -> None:
    a = allocator(ports=(30000, 30001))
    created(a, service("a", type_="NodePort", ports=[{"name": "x", "port": 1},
                                                    {"name": "y", "port": 2}]))
    with pytest.raises(InternalError) as e:
        a.allocate(service("b", type_="NodePort"))
    assert str(e.value) == "Internal error occurred: failed to allocate a nodePort: range is full"
    assert a.ips.bitmap.count == 1


def test_load_balancer_without_node_ports_keeps_only_named_ones() -> None:
    svc = service(type_="LoadBalancer", allocateLoadBalancerNodePorts=False, ports=[
        {"name": "a", "port": 80}, {"name": "b", "port": 443, "nodePort": 30443},
    ])
    allocator().allocate(svc)
    assert "nodePort" not in svc["spec"]["ports"][0]
    assert svc["spec"]["ports"][1]["nodePort"] == 30443


def test_load_balancer_local_gets_a_health_check_port() -> None:
    a = allocator()
    svc = service(type_="LoadBalancer", externalTrafficPolicy="Local")
    a.allocate(svc).commit()
    hc = svc["spec"]["healthCheckNodePort"]
    assert a.ports.has(hc) and hc != svc["spec"]["ports"][0]["nodePort"]


def test_requested_health_check_port_in_use_is_500() -> None:
    a = allocator()
    created(a, service("first", type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    svc = service("lb", type_="LoadBalancer", externalTrafficPolicy="Local",
                  healthCheckNodePort=30080)
    with pytest.raises(InternalError) as e:
        a.allocate(svc)
    assert str(e.value) == (
        "Internal error occurred: failed to allocate requested HealthCheck NodePort 30080: "
        "provided port is already allocated"
    )
    assert a.ports.bitmap.count == 1 and a.ips.bitmap.count == 1


def test_dry_run_takes_nothing_but_fills_fields_and_checks() -> None:
    a = allocator()
    created(a, service("kube-dns", clusterIP="10.96.0.10"))
    svc = service("preview", type_="NodePort", ports=[
        {"name": "a", "port": 80}, {"name": "b", "port": 81}])
    txn = a.allocate(svc, dry_run=True)
    a_port, b_port = (p["nodePort"] for p in svc["spec"]["ports"])
    assert a_port != b_port
    assert svc["spec"]["clusterIP"] and not a.ips.has(svc["spec"]["clusterIP"])
    assert a.ports.bitmap.count == 0 and a.ips.bitmap.count == 1
    txn.commit()
    assert a.ports.bitmap.count == 0
    with pytest.raises(Invalid):
        a.allocate(service("clash", clusterIP="10.96.0.10"), dry_run=True)


# -- reserve, release, rebuild --------------------------------------------------------------


def test_reserved_ips_are_never_dynamic_but_can_be_requested() -> None:
    a = allocator("10.0.0.0/29")
    a.reserve("10.0.0.1")
    got = set()
    for i in range(5):
        svc = service(f"s{i}")
        a.allocate(svc).commit()
        got.add(svc["spec"]["clusterIP"])
    assert "10.0.0.1" not in got
    with pytest.raises(InternalError):
        a.allocate(service("full"))
    kubernetes = service("kubernetes", clusterIP="10.0.0.1")
    a.allocate(kubernetes).commit()
    with pytest.raises(Invalid, match="already allocated"):
        a.allocate(service("again", clusterIP="10.0.0.1"))
    a.release(kubernetes)
    assert not a.ips.has("10.0.0.1") and "10.0.0.1" in a.reserved


def test_reserve_outside_the_cidr_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        allocator().reserve("10.96.0.0")


def test_release_frees_everything_of_a_deleted_service() -> None:
    a = allocator()
    svc = created(a, service(type_="LoadBalancer", externalTrafficPolicy="Local"))
    assert a.ports.bitmap.count == 2 and a.ips.bitmap.count == 1
    a.release(svc)
    assert a.ports.bitmap.count == 0 and a.ips.bitmap.count == 0
    a.release(created(a, service("hl", clusterIP="None")))  # nothing to free, no error


def test_rebuild_marks_what_stored_services_hold() -> None:
    a = allocator()
    stored = [
        created(a, service("a", type_="NodePort")),
        created(a, service("b", clusterIP="10.96.0.10")),
        created(a, service("c", type_="LoadBalancer", externalTrafficPolicy="Local")),
        created(a, service("d", clusterIP="None")),
        created(a, service("dns", type_="NodePort", ports=[
            {"name": "t", "port": 53, "protocol": "TCP"},
            {"name": "u", "port": 53, "protocol": "UDP"}])),
    ]
    ips, ports = sorted(a.ips.bitmap.taken()), sorted(a.ports.bitmap.taken())
    fresh = allocator(seed=99)
    fresh.rebuild(stored)
    assert sorted(fresh.ips.bitmap.taken()) == ips
    assert sorted(fresh.ports.bitmap.taken()) == ports
    with pytest.raises(Invalid, match="already allocated"):
        fresh.allocate(service("e", clusterIP="10.96.0.10"))
    fresh.rebuild([])
    assert fresh.ips.bitmap.count == 0 and fresh.ports.bitmap.count == 0


def test_rebuild_tolerates_out_of_range_and_duplicates(caplog: pytest.LogCaptureFixture) -> None:
    a = allocator("10.0.0.0/24", ports=(30000, 30100))
    odd = service("odd", type_="NodePort", clusterIP="10.96.0.5", clusterIPs=["10.96.0.5"],
                  ports=[{"port": 80, "nodePort": 31000}])
    twin = service("twin", clusterIP="10.0.0.5", clusterIPs=["10.0.0.5"])
    a.rebuild([odd, twin, copy.deepcopy(twin)])
    assert a.ips.bitmap.taken() == [4]
    assert "outside the service CIDR" in caplog.text
    assert "outside the range" in caplog.text
    assert "held twice" in caplog.text


# -- updates ----------------------------------------------------------------------------------


def test_reapplying_the_original_yaml_keeps_allocations() -> None:
    a = allocator()
    old = created(a, service(type_="NodePort", externalTrafficPolicy="Cluster"))
    again = service(type_="NodePort", externalTrafficPolicy="Cluster")
    txn = updated(a, again, old)
    assert again["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    assert again["spec"]["ports"] == old["spec"]["ports"]
    assert txn.taken_ips == () and txn.taken_ports == ()
    txn.commit()
    assert a.ports.has(old["spec"]["ports"][0]["nodePort"])


def test_node_port_to_cluster_ip_releases_ports_on_commit_only() -> None:
    a = allocator()
    old = created(a, service(type_="NodePort", externalTrafficPolicy="Cluster"))
    port = old["spec"]["ports"][0]["nodePort"]
    new = copy.deepcopy(old)
    new["spec"]["type"] = "ClusterIP"
    txn = updated(a, new, old)
    assert "nodePort" not in new["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in new["spec"]
    assert txn.releases_ports == (port,)
    assert a.ports.has(port)  # still held until the write succeeds
    txn.commit()
    assert not a.ports.has(port)


def test_reverted_update_keeps_what_it_would_have_freed() -> None:
    a = allocator()
    old = created(a, service(type_="NodePort"))
    port = old["spec"]["ports"][0]["nodePort"]
    new = copy.deepcopy(old)
    new["spec"]["type"] = "ClusterIP"
    updated(a, new, old).revert()
    assert a.ports.has(port)


def test_cluster_ip_to_node_port_and_load_balancer_local() -> None:
    a = allocator()
    old = created(a, service(ports=[{"name": "dns", "port": 53, "protocol": "TCP"},
                                    {"name": "dns-udp", "port": 53, "protocol": "UDP"}]))
    new = copy.deepcopy(old)
    new["spec"]["type"] = "LoadBalancer"
    new["spec"]["externalTrafficPolicy"] = "Local"
    txn = updated(a, new, old)
    tcp, udp = (p["nodePort"] for p in new["spec"]["ports"])
    assert tcp == udp
    hc = new["spec"]["healthCheckNodePort"]
    assert sorted(txn.taken_ports) == sorted([tcp, hc])
    txn.commit()
    # and back: health check and node ports are released, the clusterIP stays
    back = copy.deepcopy(new)
    back["spec"]["type"] = "ClusterIP"
    txn = updated(a, back, new)
    assert "healthCheckNodePort" not in back["spec"]
    assert sorted(txn.releases_ports) == sorted([tcp, hc])
    assert back["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    txn.commit()
    assert a.ports.bitmap.count == 0 and a.ips.has(old["spec"]["clusterIP"])


def test_to_external_name_releases_the_cluster_ip_and_back_allocates_one() -> None:
    a = allocator()
    old = created(a, service())
    ip = old["spec"]["clusterIP"]
    ext = copy.deepcopy(old)
    ext["spec"]["type"] = "ExternalName"
    ext["spec"]["externalName"] = "db.example.com"
    txn = updated(a, ext, old)
    for gone in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        assert gone not in ext["spec"]
    assert txn.releases_ips == (ip,)
    txn.commit()
    assert not a.ips.has(ip)
    back = copy.deepcopy(ext)
    back["spec"]["type"] = "ClusterIP"
    back["spec"]["clusterIP"] = "10.96.0.77"
    txn = updated(a, back, ext)
    assert back["spec"]["clusterIPs"] == ["10.96.0.77"]
    assert back["spec"]["ipFamilyPolicy"] == "SingleStack"
    assert txn.taken_ips == ("10.96.0.77",)


def test_changing_a_node_port_reserves_the_new_and_frees_the_old() -> None:
    a = allocator()
    old = created(a, service(type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    new = copy.deepcopy(old)
    new["spec"]["ports"][0]["nodePort"] = 30081
    txn = updated(a, new, old)
    assert txn.taken_ports == (30081,) and txn.releases_ports == (30080,)
    txn.commit()
    assert a.ports.has(30081) and not a.ports.has(30080)


def test_update_to_a_taken_node_port_is_422() -> None:
    a = allocator()
    created(a, service("other", type_="NodePort", ports=[{"port": 80, "nodePort": 30090}]))
    old = created(a, service(type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    new = copy.deepcopy(old)
    new["spec"]["ports"][0]["nodePort"] = 30090
    with pytest.raises(Invalid) as e:
        updated(a, new, old)
    assert causes(e.value) == [
        ("spec.ports[0].nodePort", "Invalid value: 30090: provided port is already allocated"),
    ]
    assert a.ports.has(30080)


def test_load_balancer_opting_out_later_keeps_node_ports() -> None:
    a = allocator()
    old = created(a, service(type_="LoadBalancer", allocateLoadBalancerNodePorts=True))
    port = old["spec"]["ports"][0]["nodePort"]
    new = copy.deepcopy(old)
    new["spec"]["allocateLoadBalancerNodePorts"] = False
    del new["spec"]["ports"][0]["nodePort"]
    txn = updated(a, new, old)
    assert new["spec"]["ports"][0]["nodePort"] == port
    assert txn.releases_ports == ()


def test_headless_update_allocates_nothing() -> None:
    a = allocator()
    old = created(a, service("web", clusterIP="None"))
    new = copy.deepcopy(old)
    new["spec"]["ports"].append({"name": "b", "port": 81})
    txn = updated(a, new, old)
    assert txn.taken_ips == () and new["spec"]["clusterIPs"] == ["None"]


def test_update_keeps_the_old_ip_family_policy() -> None:
    a = allocator()
    old = created(a, service(ipFamilyPolicy="PreferDualStack"))
    new = service()  # no policy, no clusterIP: a plain re-apply
    updated(a, new, old)
    assert new["spec"]["ipFamilyPolicy"] == "PreferDualStack"
    assert new["spec"]["clusterIP"] == old["spec"]["clusterIP"]


def test_failed_update_reverts_what_it_took() -> None:
    a = allocator(ports=(30000, 30001))
    created(a, service("holder", type_="NodePort", ports=[{"port": 80, "nodePort": 30001}]))
    old = created(a, service(ports=[{"name": "a", "port": 1}, {"name": "b", "port": 2}]))
    new = copy.deepcopy(old)
    new["spec"]["type"] = "NodePort"
    with pytest.raises(InternalError, match="failed to allocate a nodePort: range is full"):
        updated(a, new, old)
    assert a.ports.bitmap.taken() == [1]
