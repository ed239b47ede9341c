"""Pod records ``<ip-dashed>.<ns>.pod.<zone>`` (R24) in the three modes of CoreDNS.

``verified`` (tinykube's default) answers only for an address that a running pod in that
namespace holds as its primary ``status.podIP``; ``insecure`` echoes any address that
decodes; ``disabled`` answers nothing under ``pod.<zone>``.
"""

from __future__ import annotations

from tinykube.dns import apex, names
from tinykube.dns.config import Config
from tinykube.dns.names import IPAddress, Name
from tinykube.dns.node import Node


def pod_name(namespace: str, address: IPAddress, cfg: Config) -> Name:
    return (names.dashed(address), namespace.lower().encode(), b"pod", *cfg.zone)


def pod_node(address: IPAddress, cfg: Config) -> Node:
    return Node(apex.addresses(None, [address], cfg), apex.nodata(cfg.zone, cfg))


def decode(rel: Name) -> tuple[str, IPAddress] | None:
    """(namespace, address) of a name under ``pod.<zone>`` (``rel`` is the name without the
    zone: ``(..., label, ns, b"pod")``). Labels left of the address are ignored, as CoreDNS
    ignores them."""
    if len(rel) < 3 or rel[-1] != b"pod":
        return None
    address = names.decode_pod_label(rel[-3])
    if address is None:
        return None
    return rel[-2].decode("ascii", "replace"), address
