from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import endpoints

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


def ep(subsets: list[dict[str, Any]] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": {"name": "my-nginx",
                                        "creationTimestamp": "2026-11-22T07:25:00Z"}}
    if subsets is not None:
        obj["subsets"] = subsets
    return obj


def addrs(*ips: str) -> list[dict[str, str]]:
    return [{"ip": ip} for ip in ips]


def test_columns() -> None:
    assert [c.name for c in endpoints.COLUMNS] == ["Name", "Endpoints", "Age"]


def test_no_subsets_is_none() -> None:
    assert endpoints.cells(ep(None), NOW) == ["my-nginx", "<none>", "45m"]
    assert endpoints.cells(ep([]), NOW)[1] == "<none>"


def test_addresses_with_ports() -> None:
    obj = ep([{"addresses": addrs("10.244.0.5", "10.244.0.6"), "ports": [{"port": 80}]}])
    assert endpoints.cells(obj, NOW)[1] == "10.244.0.5:80,10.244.0.6:80"


def test_first_three_then_more_counting_every_port() -> None:
    obj = ep([{"addresses": addrs("10.0.0.1", "10.0.0.2"),
               "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 443}]},
              {"addresses": addrs("10.0.0.3"), "ports": [{"port": 8080}]}])
    assert endpoints.cells(obj, NOW)[1] == (
        "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more..."
    )


def test_headless_without_ports_and_ipv6() -> None:
    assert endpoints.cells(ep([{"addresses": addrs("10.0.0.1")}]), NOW)[1] == "10.0.0.1"
    v6 = ep([{"addresses": addrs("fd00::1"), "ports": [{"port": 80}]}])
    assert endpoints.cells(v6, NOW)[1] == "[fd00::1]:80"


def test_subsets_with_only_not_ready_addresses_print_empty() -> None:
    obj = ep([{"notReadyAddresses": addrs("10.0.0.1"), "ports": [{"port": 80}]}])
    assert endpoints.cells(obj, NOW)[1] == ""
