"""Deterministic chain and set names."""

from __future__ import annotations

import base64
import hashlib

from tinykube.proxy import names
from tinykube.proxy.model import EndpointInfo, ServicePortName

SPN = ServicePortName("ns1", "svc1", "p80", "TCP")
EP = EndpointInfo("10.180.0.1", 80)


def test_hash_is_base32_of_sha256_of_the_readable_part() -> None:
    base = "ns1/svc1/tcp/p80"
    digest = base64.b32encode(hashlib.sha256(base.encode()).digest()).decode()[:8]
    assert names.cluster_chain(SPN) == f"service-{digest}-{base}"
    assert names.local_chain(SPN) == f"local-{digest}-{base}"
    assert names.external_chain(SPN) == f"external-{digest}-{base}"


def test_endpoint_chain_and_affinity_set_share_the_endpoint_hash() -> None:
    chain = names.endpoint_chain(SPN, EP)
    assert chain.endswith("-ns1/svc1/tcp/p80__10.180.0.1/80")
    assert names.affinity_set(SPN, EP) == "affinity-" + chain.removeprefix("endpoint-")


def test_long_names_are_truncated_but_stay_unique() -> None:
    a = ServicePortName("n" * 63, "s" * 63, "x" * 15, "TCP")
    b = ServicePortName("n" * 63, "s" * 63, "y" * 15, "TCP")
    long_a = names.endpoint_chain(a, EndpointInfo("10.244.255.255", 65535))
    assert len(long_a) <= names.MAX_NAME
    assert names.hash_and_truncate("x-", "a" * 400).endswith("...")
    assert names.cluster_chain(a) != names.cluster_chain(b)


def test_service_chain_recognition() -> None:
    assert names.is_service_chain(names.cluster_chain(SPN))
    assert names.is_service_chain(names.endpoint_chain(SPN, EP))
    assert not names.is_service_chain("service-endpoints-check")
    assert names.is_affinity_set(names.affinity_set(SPN, EP))
    assert not names.is_affinity_set("cluster-ips")
