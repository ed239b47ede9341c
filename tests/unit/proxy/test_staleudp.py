"""Which UDP conntrack entries a change makes stale."""

from __future__ import annotations

from tinykube.host.conntrack import UdpFlowFilter
from tinykube.proxy.model import EndpointInfo, ServicePortInfo, ServicePortName
from tinykube.proxy.staleudp import stale_filters

DNS = ServicePortInfo(ServicePortName("kube-system", "kube-dns", "dns", "UDP"), "10.96.0.10",
                      53, node_port=30053, external_ips=("192.0.2.1",))
A, B = EndpointInfo("10.244.0.2", 53), EndpointInfo("10.244.0.3", 53)


def test_removed_endpoint_entries_are_deleted_for_every_address() -> None:
    flts = stale_filters([((DNS, (A, B)), (DNS, (A,)))])
    assert set(flts) == {UdpFlowFilter("10.96.0.10", 0, "10.244.0.3"),
                         UdpFlowFilter("192.0.2.1", 0, "10.244.0.3"),
                         UdpFlowFilter("", 30053, "10.244.0.3")}


def test_a_service_gaining_its_first_endpoint_forgets_rejected_flows() -> None:
    flts = stale_filters([((DNS, ()), (DNS, (A,)))])
    assert UdpFlowFilter("10.96.0.10") in flts and UdpFlowFilter("", 30053) in flts


def test_removed_service_and_tcp_ports() -> None:
    assert set(stale_filters([((DNS, (A,)), None)])) == {
        UdpFlowFilter("10.96.0.10"), UdpFlowFilter("10.96.0.10", 0, "10.244.0.2"),
        UdpFlowFilter("192.0.2.1", 0, "10.244.0.2"), UdpFlowFilter("", 30053, "10.244.0.2")}
    tcp = ServicePortInfo(ServicePortName("d", "web", "", "TCP"), "10.96.0.20", 80)
    assert stale_filters([((tcp, (A,)), (tcp, ()))]) == []


def test_an_endpoint_turning_unready_counts_as_removed() -> None:
    unready = EndpointInfo("10.244.0.3", 53, ready=False, serving=False)
    flts = stale_filters([((DNS, (A, B)), (DNS, (A, unready)))])
    assert UdpFlowFilter("10.96.0.10", 0, "10.244.0.3") in flts
