from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tinykube.cli.describe import service

Golden = Callable[[str], dict[str, Any]]


def _now(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case["now"].replace("Z", "+00:00"))


@pytest.mark.parametrize("name", ["describe-svc-mysql", "describe-svc-nodeport",
                                  "describe-svc-headless"])
def test_services_describe_as_kubectl_does(golden: Golden, name: str) -> None:
    case = golden(name)
    rel = case["related"]
    text = service.render(case["object"], rel["slices"], rel["events"], _now(case))
    assert text == case["expected"]


def test_endpoints_describe_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-ep-mysql")
    text = service.render_endpoints(case["object"], case["related"]["events"], _now(case))
    assert text == case["expected"]


def _slice(*endpoints: tuple[str, bool | None], port_name: str = "") -> dict[str, Any]:
    eps = []
    for addr, ready in endpoints:
        ep: dict[str, Any] = {"addresses": [addr]}
        if ready is not None:
            ep["conditions"] = {"ready": ready}
        eps.append(ep)
    return {"ports": [{"name": port_name, "port": 80}], "endpoints": eps}


def test_endpoints_line_lists_ready_addresses_of_the_port() -> None:
    slices = [_slice(("10.0.0.1", True), ("10.0.0.2", None), ("10.0.0.3", False))]
    assert service.endpoint_slices_text(slices, {""}) == "10.0.0.1:80,10.0.0.2:80"
    assert service.endpoint_slices_text(slices, {"http"}) == ""
    assert service.endpoint_slices_text([], {""}) == "<none>"


def test_more_than_three_endpoints_are_summarised_like_kubectl() -> None:
    slices = [_slice(*((f"10.0.0.{i}", True) for i in range(1, 6)))]
    assert service.endpoint_slices_text(slices, {""}) == \
        "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."


def test_headless_slices_without_ports_list_addresses() -> None:
    s = {"endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["fd00::1"]}]}
    assert service.endpoint_slices_text([s], None) == "10.0.0.1,fd00::1"
    ipv6 = {"ports": [{"name": "", "port": 80}], "endpoints": [{"addresses": ["fd00::1"]}]}
    assert service.endpoint_slices_text([ipv6], {""}) == "[fd00::1]:80"


def test_external_name_and_load_balancer_lines() -> None:
    svc = {"metadata": {"name": "x", "namespace": "default"},
           "spec": {"type": "ExternalName", "externalName": "nginx-svc.qa.svc.cluster.local",
                    "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                    "sessionAffinity": "None"},
           "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "lb"}]}}}
    text = service.render(svc, None, [], datetime(2024, 1, 1))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "IP Families: <none>" in lines
    assert "IPs: <none>" in lines
    assert "External Name: nginx-svc.qa.svc.cluster.local" in lines
    assert "LoadBalancer Ingress: 1.2.3.4, lb" in lines
    assert lines[-1] == "Events: <none>"
    assert text.splitlines()[-1] == "Events:" + " " * 16 + "<none>"
