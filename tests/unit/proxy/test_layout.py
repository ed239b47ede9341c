"""The fixed layout: where an element lives, and checks that look into every bucket."""

from __future__ import annotations

from tinykube.proxy import layout
from tinykube.proxy.model import NodeConfig

NODE = NodeConfig("node-0", ("172.18.0.2",), service_cidrs=("10.96.0.0/12",))


def test_elements_go_to_the_owners_shard_the_bucket_of_their_key_or_the_main_table() -> None:
    t = layout.Tables(shards=4)
    assert t.place(layout.SERVICE_IPS, "10.96.0.1 . tcp . 80", "tinykube-s02") == \
        ("tinykube-s02", layout.SERVICE_IPS)
    assert t.place(layout.NODEPORT_IPS, "172.18.0.2", "tinykube-s02") == \
        ("tinykube", layout.NODEPORT_IPS)
    table, bucket = t.place(layout.CLUSTER_IPS, "10.96.0.1", "tinykube-s02")
    assert table == "tinykube" and bucket in t.buckets(layout.CLUSTER_IPS)
    assert t.place(layout.CLUSTER_IPS, "10.96.0.1", "tinykube-s03") == (table, bucket)


def test_keys_spread_over_the_buckets() -> None:
    used = {layout.TABLES.place(layout.CLUSTER_IPS, f"10.96.0.{i}", "")[1] for i in range(200)}
    assert used == set(layout.TABLES.buckets(layout.CLUSTER_IPS))


def test_every_check_looks_into_every_bucket() -> None:
    t = layout.Tables(shards=3)
    chains = layout.main_chains(NODE, t)
    refs = {(chain, ref) for chain, rules in chains.items() for r in rules
            for ref in (w[1:] for w in r.split() if w.startswith("@"))}
    for check, container in ((layout.CLUSTER_IPS_CHECK, layout.CLUSTER_IPS),
                             (layout.SERVICE_ENDPOINTS_CHECK, layout.NO_ENDPOINT_SERVICES),
                             (layout.NODEPORT_ENDPOINTS_CHECK, layout.NO_ENDPOINT_NODEPORTS),
                             (layout.FIREWALL_CHECK, layout.FIREWALL_IPS)):
        assert {(check, b) for b in t.buckets(container)} <= refs
    declared = {c.name for c in layout.main_containers(t)}
    assert {ref for _, ref in refs} <= declared
    assert len(declared) == 1 + 3 * len(layout.BUCKETED)
