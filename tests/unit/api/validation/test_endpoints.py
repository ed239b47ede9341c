"""Endpoints and EndpointSlice validation."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy
from typing import Any

from tinykube.api import defaults

from .helpers import problems


def endpoints(subsets: list[dict[str, Any]], name: str = "web") -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": "default"},
        "subsets": subsets,
    }
    defaults.apply(obj)
    return obj


def slice_(address_type: str = "IPv4", **body: Any) -> dict[str, Any]:
    obj = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-abc12", "namespace": "default"},
        "addressType": address_type,
        **body,
    }
    defaults.apply(obj)
    return obj


def test_valid_endpoints() -> None:
    ep = endpoints(
        [
            {
                "addresses": [{"ip": "10.244.0.5", "hostname": "web-0", "nodeName": "tinykube"}],
                "notReadyAddresses": [{"ip": "10.244.0.6"}],
                "ports": [
                    {"name": "http", "port": 80},
                    {"name": "dns", "port": 53, "protocol": "UDP"},
                ],
            }
        ]
    )
    assert problems(ep) == []
    assert problems(endpoints([])) == []


def test_subsets_need_addresses() -> None:
    assert problems(endpoints([{"ports": [{"port": 80}]}])) == [
        "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"
    ]


def test_endpoint_addresses() -> None:
    ep = endpoints(
        [
            {
                "addresses": [
                    {"ip": "127.0.0.1"},
                    {"ip": "nope"},
                    {"ip": "10.0.0.1", "hostname": "a.b"},
                ],
                "notReadyAddresses": [{"ip": "169.254.169.254"}],
            }
        ]
    )
    assert problems(ep) == [
        'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'subsets[0].addresses[1].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[0].addresses[1].ip: Invalid value: "nope": must be a valid IP address',
        'subsets[0].addresses[2].hostname: Invalid value: "a.b": must not contain dots',
        'subsets[0].notReadyAddresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]


def test_endpoint_ports() -> None:
    ep = endpoints(
        [
            {
                "addresses": [{"ip": "10.0.0.1"}],
                "ports": [{"port": 80}, {"name": "b", "port": 0, "protocol": "ICMP"}],
            }
        ]
    )
    assert problems(ep) == [
        "subsets[0].ports[0].name: Required value",
        "subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        'subsets[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]
    single = endpoints([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}])
    assert problems(single) == []


def test_endpoints_name_is_a_subdomain() -> None:
    assert problems(endpoints([], name="my.svc")) == []
    assert problems(endpoints([], name="My_Svc"))[0].startswith(
        'metadata.name: Invalid value: "My_Svc"'
    )


# --------------------------------------------------------------------------- EndpointSlice


def test_valid_slices() -> None:
    eps = slice_(
        endpoints=[
            {"addresses": ["10.244.0.5"], "conditions": {"ready": True}, "nodeName": "tinykube"}
        ],
        ports=[{"name": "http", "port": 80}],
    )
    assert problems(eps) == []
    assert problems(slice_("IPv6", endpoints=[{"addresses": ["fd00::5"]}])) == []
    assert problems(slice_("FQDN", endpoints=[{"addresses": ["db.example.com"]}])) == []
    assert problems(slice_(endpoints=[], ports=[])) == []  # the placeholder slice


def test_address_type_is_required_and_supported() -> None:
    assert problems(slice_("")) == ["addressType: Required value"]
    assert problems(slice_("IPv5")) == [
        'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'
    ]


def test_address_type_is_immutable() -> None:
    old = slice_("IPv4")
    new = copy.deepcopy(old)
    new["addressType"] = "IPv6"
    assert problems(new, old) == ['addressType: Invalid value: "IPv6": field is immutable']


def test_endpoint_addresses_match_the_type() -> None:
    eps = slice_(
        endpoints=[
            {"addresses": []},
            {"addresses": ["fd00::1"]},
            {"addresses": ["127.0.0.1"]},
            {"addresses": [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(101)]},
        ]
    )
    assert problems(eps) == [
        "endpoints[0].addresses: Required value: must contain at least 1 address",
        'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
        'endpoints[2].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        "endpoints[3].addresses: Too many: 101: must have at most 100 items",
    ]
    fqdn = slice_("FQDN", endpoints=[{"addresses": ["localhost"]}])
    assert problems(fqdn) == [
        'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots'
    ]


def test_slice_limits() -> None:
    many = slice_(endpoints=[{"addresses": ["10.0.0.1"]}] * 1001)
    assert problems(many) == ["endpoints: Too many: 1001: must have at most 1000 items"]
    ports = slice_(ports=[{"name": f"p{i}", "port": 1000 + i} for i in range(101)])
    assert problems(ports) == ["ports: Too many: 101: must have at most 100 items"]


def test_slice_ports() -> None:
    eps = slice_(
        ports=[
            {"port": 80},
            {"port": 81},
            {"name": "Http", "port": 82, "protocol": "HTTP"},
            {"name": "h2", "port": 83, "appProtocol": "kubernetes.io/h2c"},
        ]
    )
    out = problems(eps)
    assert out[0] == 'ports[1].name: Duplicate value: ""'
    assert out[1].startswith('ports[2].name: Invalid value: "Http": a lowercase RFC 1123 label')
    assert (
        out[2]
        == 'ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'
    )
    assert len(out) == 3


def test_slice_endpoint_hostname_and_node_name() -> None:
    eps = slice_(endpoints=[{"addresses": ["10.0.0.1"], "hostname": "web_0", "nodeName": "Node"}])
    out = problems(eps)
    assert out[0].startswith('endpoints[0].nodeName: Invalid value: "Node"')
    assert out[1].startswith('endpoints[0].hostname: Invalid value: "web_0"')
