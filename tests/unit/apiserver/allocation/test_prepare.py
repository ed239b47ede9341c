import copy
from typing import Any

from tinykube.apiserver.allocation import prepare

from .helpers import service


def stored(**spec: Any) -> dict[str, Any]:
    svc = service(**spec)
    svc["spec"].setdefault("clusterIP", "10.96.10.10")
    svc["spec"].setdefault("clusterIPs", [svc["spec"]["clusterIP"]])
    svc["spec"].setdefault("ipFamilies", ["IPv4"])
    svc["spec"].setdefault("ipFamilyPolicy", "SingleStack")
    return svc


# -- patch_allocated_values ----------------------------------------------------------------


def test_patch_copies_cluster_ips_when_both_need_one() -> None:
    old, new = stored(), service()
    prepare.patch_allocated_values(new, old)
    assert new["spec"]["clusterIP"] == "10.96.10.10"
    assert new["spec"]["clusterIPs"] == ["10.96.10.10"]


def test_patch_leaves_external_name_alone() -> None:
    old, new = stored(), service(type_="ExternalName", externalName="x.example.com")
    prepare.patch_allocated_values(new, old)
    assert "clusterIP" not in new["spec"]


def test_patch_node_ports_by_name_unless_used_elsewhere() -> None:
    old = stored(type_="NodePort", ports=[
        {"name": "http", "port": 80, "nodePort": 30080},
        {"name": "https", "port": 443, "nodePort": 30443},
    ])
    new = service(type_="NodePort", ports=[
        {"name": "http", "port": 8080},
        {"name": "https", "port": 443, "nodePort": 30080},  # took http's value
        {"name": "new", "port": 9000},
    ])
    prepare.patch_allocated_values(new, old)
    assert [p.get("nodePort") for p in new["spec"]["ports"]] == [None, 30080, None]


def test_patch_unnamed_single_port() -> None:
    old = stored(type_="LoadBalancer", ports=[{"port": 80, "nodePort": 31000}])
    new = service(type_="NodePort", ports=[{"port": 80}])
    prepare.patch_allocated_values(new, old)
    assert new["spec"]["ports"][0]["nodePort"] == 31000


def test_patch_health_check_port_only_while_both_need_it() -> None:
    old = stored(type_="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31111)
    keep = service(type_="LoadBalancer", externalTrafficPolicy="Local")
    prepare.patch_allocated_values(keep, old)
    assert keep["spec"]["healthCheckNodePort"] == 31111
    drop = service(type_="LoadBalancer", externalTrafficPolicy="Cluster")
    prepare.patch_allocated_values(drop, old)
    assert "healthCheckNodePort" not in drop["spec"]


# -- normalize_cluster_ips -------------------------------------------------------------------


def test_normalize_create_copies_singular_into_plural() -> None:
    svc = service(clusterIP="10.96.0.10")
    prepare.normalize_cluster_ips(svc, None)
    assert svc["spec"]["clusterIPs"] == ["10.96.0.10"]
    both = service(clusterIP="10.96.0.10", clusterIPs=["10.96.0.11"])
    prepare.normalize_cluster_ips(both, None)
    assert both["spec"]["clusterIPs"] == ["10.96.0.11"]  # left for validation to reject


def test_normalize_update_old_client_without_plural() -> None:
    old = stored()
    new = copy.deepcopy(old)
    del new["spec"]["clusterIPs"]
    prepare.normalize_cluster_ips(new, old)
    assert new["spec"]["clusterIPs"] == ["10.96.10.10"]


def test_normalize_update_clearing_singular_clears_plural() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = ""
    prepare.normalize_cluster_ips(new, old)
    assert "clusterIPs" not in new["spec"]


def test_normalize_update_changing_singular_moves_plural() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.10.11"
    prepare.normalize_cluster_ips(new, old)
    assert new["spec"]["clusterIPs"] == ["10.96.10.11"]  # validation then says immutable


# -- drop_type_dependent_fields ---------------------------------------------------------------


def test_drop_on_change_to_external_name() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["spec"].update(type="ExternalName", externalName="db.example.com")
    prepare.drop_type_dependent_fields(new, old)
    for gone in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        assert gone not in new["spec"]


def test_drop_keeps_what_the_user_changed() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["spec"].update(type="ExternalName", externalName="db.example.com",
                       clusterIP="10.96.10.12", ipFamilyPolicy="PreferDualStack")
    prepare.drop_type_dependent_fields(new, old)
    assert new["spec"]["clusterIP"] == "10.96.10.12"
    assert new["spec"]["ipFamilyPolicy"] == "PreferDualStack"
    assert "ipFamilies" not in new["spec"]


def test_drop_node_ports_unless_new_ones_were_added() -> None:
    old = stored(type_="NodePort", externalTrafficPolicy="Cluster",
                 ports=[{"name": "a", "port": 80, "nodePort": 30080}])
    same = copy.deepcopy(old)
    same["spec"]["type"] = "ClusterIP"
    prepare.drop_type_dependent_fields(same, old)
    assert "nodePort" not in same["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in same["spec"]
    added = copy.deepcopy(old)
    added["spec"]["type"] = "ClusterIP"
    added["spec"]["ports"].append({"name": "b", "port": 81, "nodePort": 30081})
    prepare.drop_type_dependent_fields(added, old)
    assert [p.get("nodePort") for p in added["spec"]["ports"]] == [30080, 30081]


def test_drop_external_traffic_policy_only_when_unchanged_and_no_longer_external() -> None:
    old = stored(type_="NodePort", externalTrafficPolicy="Local")
    changed = copy.deepcopy(old)
    changed["spec"].update(type="ClusterIP", externalTrafficPolicy="Cluster")
    prepare.drop_type_dependent_fields(changed, old)
    assert changed["spec"]["externalTrafficPolicy"] == "Cluster"
    still_external = copy.deepcopy(old)
    still_external["spec"].update(type="ClusterIP", externalIPs=["192.0.2.1"])
    prepare.drop_type_dependent_fields(still_external, old)
    assert still_external["spec"]["externalTrafficPolicy"] == "Local"


def test_drop_load_balancer_fields_and_status() -> None:
    old = stored(type_="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31111,
                 allocateLoadBalancerNodePorts=True, loadBalancerClass="example.com/lb",
                 ports=[{"port": 80, "nodePort": 30080}])
    old["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.1"}]}}
    new = copy.deepcopy(old)
    new["spec"]["type"] = "NodePort"
    prepare.drop_type_dependent_fields(new, old)
    spec = new["spec"]
    assert "healthCheckNodePort" not in spec
    assert "allocateLoadBalancerNodePorts" not in spec
    assert "loadBalancerClass" not in spec
    assert spec["ports"][0]["nodePort"] == 30080  # NodePort still needs it
    assert spec["externalTrafficPolicy"] == "Local"  # NodePort is still external
    assert new["status"] == {"loadBalancer": {}}


def test_drop_health_check_when_policy_becomes_cluster() -> None:
    old = stored(type_="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31111)
    new = copy.deepcopy(old)
    new["spec"]["externalTrafficPolicy"] = "Cluster"
    prepare.drop_type_dependent_fields(new, old)
    assert "healthCheckNodePort" not in new["spec"]
    changed = copy.deepcopy(old)
    changed["spec"].update(externalTrafficPolicy="Cluster", healthCheckNodePort=31112)
    prepare.drop_type_dependent_fields(changed, old)
    assert changed["spec"]["healthCheckNodePort"] == 31112


def test_prepare_update_re_apply_after_type_change_to_cluster_ip() -> None:
    old = stored(type_="NodePort", externalTrafficPolicy="Cluster",
                 ports=[{"port": 80, "nodePort": 30080}])
    new = service(ports=[{"port": 80}])
    prepare.prepare_update(new, old)
    assert new["spec"]["clusterIP"] == "10.96.10.10"
    assert "nodePort" not in new["spec"]["ports"][0]
