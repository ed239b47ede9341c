from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import endpointslice

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


def eps(ports: list[dict[str, Any]] | None, endpoints: list[dict[str, Any]] | None) -> dict:
    obj: dict[str, Any] = {
        "metadata": {"name": "my-nginx-x7k2p", "creationTimestamp": "2026-11-22T08:09:34Z"},
        "addressType": "IPv4",
    }
    if ports is not None:
        obj["ports"] = ports
    if endpoints is not None:
        obj["endpoints"] = endpoints
    return obj


def test_columns() -> None:
    assert [c.name for c in endpointslice.COLUMNS] == [
        "Name", "AddressType", "Ports", "Endpoints", "Age",
    ]


def test_typical_slice() -> None:
    obj = eps([{"name": "http", "port": 80, "protocol": "TCP"}],
              [{"addresses": ["10.244.0.5"]}, {"addresses": ["10.244.0.6"]}])
    assert endpointslice.cells(obj, NOW) == [
        "my-nginx-x7k2p", "IPv4", "80", "10.244.0.5,10.244.0.6", "26s",
    ]


def test_empty_slice_is_unset() -> None:
    assert endpointslice.cells(eps(None, None), NOW)[2:4] == ["<unset>", "<unset>"]
    assert endpointslice.cells(eps([], []), NOW)[2:4] == ["<unset>", "<unset>"]


def test_port_without_number_shows_name_or_star() -> None:
    obj = eps([{"name": "http"}, {}, {"port": 443}], None)
    assert endpointslice.cells(obj, NOW)[2] == "http,*,443"


def test_more_than_three() -> None:
    obj = eps([{"port": p} for p in (1, 2, 3, 4, 5)],
              [{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)])
    cells = endpointslice.cells(obj, NOW)
    assert cells[2] == "1,2,3 + 2 more..."
    assert cells[3] == "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."
