from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import service

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)
CREATED = "2026-11-22T08:09:34Z"  # 26s before NOW


def svc(**spec: Any) -> dict[str, Any]:
    status = spec.pop("status", {})
    base: dict[str, Any] = {"type": "ClusterIP"}
    base.update(spec)
    return {
        "metadata": {"name": "my-nginx", "namespace": "default", "creationTimestamp": CREATED},
        "spec": base,
        "status": status,
    }


def test_columns_match_kubectl() -> None:
    cols = [(c.name, c.type, c.format, c.priority) for c in service.COLUMNS]
    assert cols == [
        ("Name", "string", "name", 0),
        ("Type", "string", "", 0),
        ("Cluster-IP", "string", "", 0),
        ("External-IP", "string", "", 0),
        ("Port(s)", "string", "", 0),
        ("Age", "string", "", 0),
        ("Selector", "string", "", 1),
    ]


def test_seed_service_row() -> None:
    obj = svc(
        clusterIP="10.96.0.11",
        clusterIPs=["10.96.0.11"],
        ports=[{"port": 80, "protocol": "TCP", "targetPort": 80}],
        selector={"run": "my-nginx"},
    )
    assert service.cells(obj, NOW) == [
        "my-nginx", "ClusterIP", "10.96.0.11", "<none>", "80/TCP", "26s", "run=my-nginx",
    ]


def test_node_ports_and_several_ports_are_joined() -> None:
    obj = svc(
        type="NodePort",
        clusterIPs=["10.96.5.5"],
        ports=[
            {"port": 80, "protocol": "TCP", "nodePort": 30080},
            {"port": 53, "protocol": "UDP", "nodePort": 30053},
            {"port": 9000, "protocol": "SCTP"},
        ],
    )
    assert service.cells(obj, NOW)[4] == "80:30080/TCP,53:30053/UDP,9000/SCTP"


def test_no_ports_no_selector_no_cluster_ip() -> None:
    obj = svc(type="ExternalName", externalName="db.example.com")
    cells = service.cells(obj, NOW)
    assert cells[1:5] == ["ExternalName", "<none>", "db.example.com", "<none>"]
    assert cells[6] == "<none>"


def test_headless_shows_none_cluster_ip() -> None:
    obj = svc(clusterIP="None", clusterIPs=["None"], selector={"b": "2", "a": "1"})
    cells = service.cells(obj, NOW)
    assert cells[2] == "None"
    assert cells[6] == "a=1,b=2"


def test_cluster_ip_external_ips_joined() -> None:
    obj = svc(clusterIPs=["10.96.0.20"], externalIPs=["192.0.2.1", "192.0.2.2"])
    assert service.cells(obj, NOW)[3] == "192.0.2.1,192.0.2.2"


def test_load_balancer_pending_without_ingress() -> None:
    assert service.cells(svc(type="LoadBalancer"), NOW)[3] == "<pending>"


def test_load_balancer_ingress_ips_sorted_unique_hostnames_when_no_ip() -> None:
    obj = svc(
        type="LoadBalancer",
        status={"loadBalancer": {"ingress": [
            {"ip": "172.18.255.2"},
            {"hostname": "lb.example.com"},
            {"ip": "172.18.255.1", "hostname": "ignored.example.com"},
            {"ip": "172.18.255.2"},
        ]}},
    )
    assert service.cells(obj, NOW)[3] == "172.18.255.1,172.18.255.2,lb.example.com"


def test_load_balancer_ingress_then_external_ips_never_clipped() -> None:
    obj = svc(
        type="LoadBalancer",
        externalIPs=["192.0.2.10"],
        status={"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}},
    )
    assert service.cells(obj, NOW)[3] == "172.18.255.200,192.0.2.10"
    only_external = svc(type="LoadBalancer", externalIPs=["192.0.2.10"])
    assert service.cells(only_external, NOW)[3] == "192.0.2.10"


def test_missing_creation_timestamp_is_unknown() -> None:
    obj = svc()
    del obj["metadata"]["creationTimestamp"]
    assert service.cells(obj, NOW)[5] == "<unknown>"
