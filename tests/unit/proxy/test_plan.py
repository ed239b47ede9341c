"""The planner against the fake nft table: packets traced through planned transactions."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from tinykube.api.meta import Obj
from tinykube.proxy import layout, names, plan
from tinykube.proxy.changes import EndpointsChangeTracker, ServiceChangeTracker
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.testing.fake_nft import FakeNft, Packet, Trace
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, port, service

NODE = NodeConfig("node-0", ("172.18.0.2",))
LOCAL_IPS = ("172.18.0.2", "10.244.0.1")
POD = "10.244.0.50"
OUTSIDE = "192.0.2.77"


class Cluster:
    """Objects in, planned transactions applied to a fake table, packets traced."""

    def __init__(self) -> None:
        self.svc = ServiceChangeTracker()
        self.eps = EndpointsChangeTracker(NODE.name)
        self.services: dict[ServicePortName, ServicePortInfo] = {}
        self.endpoints: dict[ServicePortName, tuple[EndpointInfo, ...]] = {}
        self.applied = plan.EMPTY
        self.nft = FakeNft()
        self.now = 100.0
        self.last: plan.Transaction | None = None

    def add(self, *objs: Obj) -> Cluster:
        for o in objs:
            if o["kind"] == "Service":
                self.svc.update(None, o)
            else:
                self.eps.update(o)
        return self

    def remove(self, obj: Obj) -> Cluster:
        if obj["kind"] == "Service":
            self.svc.update(obj, None)
        else:
            self.eps.update(obj, removed=True)
        return self

    def sync(self, *, full: bool = False, kernel: plan.KernelState | None = None
             ) -> plan.Transaction:
        changed = self.svc.apply(self.services) | self.eps.apply(self.endpoints)
        first = self.applied is plan.EMPTY
        tx = plan.plan(ProxyState(self.services, self.endpoints), NODE, self.applied,
                       None if (full or first) else changed, now=self.now, kernel=kernel)
        self.nft.apply(tx.text)
        self.applied, self.last = tx.applied, tx
        return tx

    def trace(self, daddr: str, dport: int, *, saddr: str = POD, proto: str = "tcp",
              seed: int = 0, from_node: bool = False, now: float | None = None) -> Trace:
        return self.nft.trace(Packet(saddr, daddr, dport, proto, from_node),
                              local_ips=LOCAL_IPS, seed=seed,
                              now=self.now if now is None else now)

    def endpoints_reached(self, daddr: str, dport: int, n: int = 60, **kw: object) -> Counter[str]:
        return Counter(str(self.trace(daddr, dport, seed=s, **kw).endpoint)  # type: ignore[arg-type]
                       for s in range(n))


def web(ips: list[str], *, ready: bool = True, **kw: object) -> list[Obj]:
    return [service("web", "10.96.0.20", **kw),  # type: ignore[arg-type]
            endpoint_slice("web", [endpoint(ip, ready=ready) for ip in ips])]


THREE = ["10.244.0.2", "10.244.0.3", "10.244.0.4"]


# --------------------------------------------------------------------------- ClusterIP


def test_cluster_ip_reaches_every_ready_endpoint_over_seeds() -> None:
    c = Cluster().add(*web(THREE))
    c.sync()
    reached = c.endpoints_reached("10.96.0.20", 80)
    assert set(reached) == {f"{ip}:80" for ip in THREE}
    t = c.trace("10.96.0.20", 80)
    assert t.verdict == "accept" and not t.masquerade  # pod source: no SNAT


@pytest.mark.parametrize("n", [1, 2, 5])
def test_endpoints_are_chosen_uniformly(n: int) -> None:
    ips = [f"10.244.0.{10 + i}" for i in range(n)]
    c = Cluster().add(*web(ips))
    c.sync()
    reached = c.endpoints_reached("10.96.0.20", 80, n=600 * n)
    assert set(reached) == {f"{ip}:80" for ip in ips}
    assert all(abs(k / 600 - 1) < 0.15 for k in reached.values()), reached


def test_not_ready_endpoints_are_not_used() -> None:
    c = Cluster().add(service("web", "10.96.0.20"), endpoint_slice("web", [
        endpoint("10.244.0.2"), endpoint("10.244.0.3", ready=False)]))
    c.sync()
    assert set(c.endpoints_reached("10.96.0.20", 80)) == {"10.244.0.2:80"}


def test_terminating_serving_endpoints_only_when_no_ready_one() -> None:
    term = endpoint("10.244.0.3", ready=False, serving=True, terminating=True)
    c = Cluster().add(service("web", "10.96.0.20"),
                      endpoint_slice("web", [endpoint("10.244.0.2"), term]))
    c.sync()
    assert set(c.endpoints_reached("10.96.0.20", 80)) == {"10.244.0.2:80"}
    c.add(endpoint_slice("web", [endpoint("10.244.0.2", ready=False), term]))
    c.sync()
    assert set(c.endpoints_reached("10.96.0.20", 80)) == {"10.244.0.3:80"}


def test_no_endpoints_is_rejected_from_pods_and_from_the_node() -> None:
    c = Cluster().add(service("web", "10.96.0.20"))
    c.sync()
    assert c.trace("10.96.0.20", 80).verdict == "reject"
    assert c.trace("10.96.0.20", 80, saddr="172.18.0.2", from_node=True).verdict == "reject"


def test_undefined_port_of_a_cluster_ip_is_rejected_and_unallocated_ip_dropped() -> None:
    c = Cluster().add(*web(THREE))
    c.sync()
    assert c.trace("10.96.0.20", 81).verdict == "reject"
    assert c.trace("10.96.0.20", 80, proto="udp").verdict == "reject"
    assert c.trace("10.96.7.7", 80).verdict == "drop"
    assert c.trace("10.244.0.2", 80).verdict == "accept"  # pod traffic is not ours


def test_node_traffic_to_a_cluster_ip_is_masqueraded() -> None:
    c = Cluster().add(*web(THREE))
    c.sync()
    t = c.trace("10.96.0.20", 80, saddr="172.18.0.2", from_node=True)
    assert t.endpoint in {f"{ip}:80" for ip in THREE} and t.masquerade


def test_hairpin_is_masqueraded() -> None:
    c = Cluster().add(*web(["10.244.0.2"]))
    c.sync()
    t = c.trace("10.96.0.20", 80, saddr="10.244.0.2")
    assert t.endpoint == "10.244.0.2:80" and t.masquerade
    assert not c.trace("10.96.0.20", 80, saddr="10.244.0.3").masquerade


def test_target_port_comes_from_the_slice_and_named_ports_match() -> None:
    c = Cluster().add(
        service("web", "10.96.0.20", ports=[port(80, "http"), port(53, "dns", "UDP")]),
        endpoint_slice("web", [endpoint("10.244.0.2")],
                       ports=[("http", 8080, "TCP"), ("dns", 5353, "UDP")]))
    c.sync()
    assert c.trace("10.96.0.20", 80).endpoint == "10.244.0.2:8080"
    assert c.trace("10.96.0.20", 53, proto="udp").endpoint == "10.244.0.2:5353"


def test_headless_services_get_nothing() -> None:
    c = Cluster().add(service("h", "None"), endpoint_slice("h", [endpoint("10.244.0.2")]))
    c.sync()
    assert c.nft.elements("service-ips") == {}
    assert not any(names.is_service_chain(n) for n in c.nft.chain_names())


# --------------------------------------------------------------------------- traffic policy


def test_internal_traffic_policy_local_drops_without_a_local_endpoint() -> None:
    c = Cluster().add(service("web", "10.96.0.20", internalTrafficPolicy="Local"),
                      endpoint_slice("web", [endpoint("10.244.1.2", node="node-1")]))
    c.sync()
    assert c.trace("10.96.0.20", 80).verdict == "drop"
    c.add(endpoint_slice("web", [endpoint("10.244.1.2", node="node-1"),
                                 endpoint("10.244.0.2", node="node-0")]))
    c.sync()
    assert set(c.endpoints_reached("10.96.0.20", 80)) == {"10.244.0.2:80"}


def nodeport_svc(policy: str, eps: list[dict[str, object]]) -> list[Obj]:
    return [service("np", "10.96.0.30", type_="NodePort", ports=[port(80, node_port=30080)],
                    externalTrafficPolicy=policy),
            endpoint_slice("np", eps)]  # type: ignore[arg-type]


def test_node_port_cluster_policy_masquerades_and_reaches_any_endpoint() -> None:
    c = Cluster().add(*nodeport_svc("Cluster", [endpoint("10.244.1.2", node="node-1")]))
    c.sync()
    t = c.trace("172.18.0.2", 30080, saddr=OUTSIDE)
    assert t.endpoint == "10.244.1.2:80" and t.masquerade
    assert c.trace("172.18.0.99", 30080, saddr=OUTSIDE).endpoint is None  # not a node IP


def test_node_port_local_policy_keeps_the_source_and_drops_without_local_endpoint() -> None:
    c = Cluster().add(*nodeport_svc("Local", [endpoint("10.244.0.2", node="node-0"),
                                               endpoint("10.244.1.2", node="node-1")]))
    c.sync()
    for seed in range(20):
        t = c.trace("172.18.0.2", 30080, saddr=OUTSIDE, seed=seed)
        assert t.endpoint == "10.244.0.2:80" and not t.masquerade
    c.add(endpoint_slice("np", [endpoint("10.244.1.2", node="node-1")]))
    c.sync()
    assert c.trace("172.18.0.2", 30080, saddr=OUTSIDE).verdict == "drop"
    # pods and the node itself short-circuit to the cluster-wide endpoints
    assert c.trace("172.18.0.2", 30080, saddr=POD).endpoint == "10.244.1.2:80"
    t = c.trace("172.18.0.2", 30080, saddr="172.18.0.2", from_node=True)
    assert t.endpoint == "10.244.1.2:80" and t.masquerade


def test_node_port_without_endpoints_is_rejected() -> None:
    c = Cluster().add(nodeport_svc("Cluster", [])[0])
    c.sync()
    assert c.trace("172.18.0.2", 30080, saddr=OUTSIDE).verdict == "reject"


def test_load_balancer_ips_external_ips_and_source_ranges() -> None:
    svc = service("lb", "10.96.0.40", type_="LoadBalancer", ports=[port(80, node_port=30090)],
                  externalIPs=["172.18.0.2"], loadBalancerSourceRanges=["192.0.2.0/28"],
                  status={"loadBalancer": {"ingress": [{"ip": "127.240.0.1"}]}})
    c = Cluster().add(svc, endpoint_slice("lb", [endpoint("10.244.0.2")]))
    c.sync()
    assert c.trace("127.240.0.1", 80, saddr="192.0.2.5").endpoint == "10.244.0.2:80"
    assert c.trace("127.240.0.1", 80, saddr=OUTSIDE).verdict == "drop"  # 192.0.2.77 /28
    t = c.trace("172.18.0.2", 80, saddr=OUTSIDE)  # externalIP: no source ranges
    assert t.endpoint == "10.244.0.2:80" and t.masquerade


# --------------------------------------------------------------------------- affinity


def test_client_ip_affinity_sticks_refreshes_and_expires() -> None:
    c = Cluster().add(*web(THREE, sessionAffinity="ClientIP",
                           sessionAffinityConfig={"clientIP": {"timeoutSeconds": 30}}))
    c.sync()
    first = c.trace("10.96.0.20", 80, seed=1, now=0).endpoint
    seen = {c.trace("10.96.0.20", 80, seed=s, now=s).endpoint for s in range(2, 60)}
    assert seen == {first}  # each connection refreshes the 30 s timeout
    later = {c.trace("10.96.0.20", 80, seed=s, now=1000 + s * 100).endpoint
             for s in range(40)}
    assert len(later) > 1  # expired between connections 100 s apart: random again
    other = {c.trace("10.96.0.20", 80, saddr="10.244.0.77", seed=s, now=5000).endpoint
             for s in range(1)}
    assert other <= {f"{ip}:80" for ip in THREE}


def affinity_sets(c: Cluster) -> set[str]:
    return {n for n in c.nft.container_names() if names.is_affinity_set(n)}


def test_affinity_sets_follow_endpoints_and_timeout_changes() -> None:
    objs = web(THREE, sessionAffinity="ClientIP")
    c = Cluster().add(*objs)
    c.sync()
    assert len(affinity_sets(c)) == 3
    c.trace("10.96.0.20", 80, now=c.now)  # a client is remembered by one endpoint's set
    assert sum(len(c.nft.container(n).dynamic) for n in affinity_sets(c)) == 1
    c.add(endpoint_slice("web", [endpoint(ip) for ip in THREE[:2]]))
    tx = c.sync()
    # the removed endpoint's set is emptied at once, deleted by a later, quiet sync
    assert tx.text.count("flush set") == 1 and "delete set" not in tx.text
    (gone,) = {r for r, _ in tx.applied.stale_sets.items()}
    assert c.nft.container(gone[1]).dynamic == {} and tx.stale_pending
    c.now += plan.STALE_DELAY
    tx = c.sync()
    assert tx.deleted_sets == {gone} and len(affinity_sets(c)) == 2 and not tx.stale_pending
    c.add(service("web", "10.96.0.20", sessionAffinity="ClientIP",
                  sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}}))
    tx = c.sync()
    assert tx.text.count("delete set") == 2 and "timeout 60s" in tx.text


def test_an_endpoint_back_before_its_set_was_deleted_gets_it_back_empty() -> None:
    c = Cluster().add(*web(THREE, sessionAffinity="ClientIP"))
    c.sync()
    c.add(endpoint_slice("web", [endpoint(ip) for ip in THREE[:2]]))
    c.sync()
    c.add(endpoint_slice("web", [endpoint(ip) for ip in THREE]))
    tx = c.sync()
    assert "set" not in tx.text and not tx.stale_pending
    assert len(affinity_sets(c)) == 3
    reached = {c.trace("10.96.0.20", 80, saddr=f"10.244.1.{s}", seed=s).endpoint
               for s in range(40)}
    assert reached == {f"{ip}:80" for ip in THREE}


def test_stale_deletions_wait_for_a_quiet_sync_unless_they_waited_too_long() -> None:
    c = Cluster()
    for i in range(3):
        c.add(service(f"s{i}", f"10.96.1.{i}"),
              endpoint_slice(f"s{i}", [endpoint(f"10.244.0.{10 + i}")]))
    c.sync()
    c.add(endpoint_slice("s0", [endpoint("10.244.0.20")]))  # s0's endpoint chain goes stale
    assert c.sync().stale_pending
    c.now += plan.STALE_DELAY
    c.add(endpoint_slice("s1", [endpoint("10.244.0.21")]))  # a change: no deletes with it
    tx = c.sync()
    assert not tx.deleted_chains and "delete" not in tx.text
    assert tx.applied.retry_after(c.now) == pytest.approx(plan.STALE_DELAY / 10)
    c.now += plan.STALE_MAX
    c.add(endpoint_slice("s2", [endpoint("10.244.0.22")]))  # waited too long: deleted too
    tx = c.sync()
    assert len(tx.deleted_chains) == 2 and tx.stale_pending  # every due one; s2's stays
    c.now += plan.STALE_DELAY
    tx = c.sync()  # the quiet sync the dataplane asks for
    assert len(tx.deleted_chains) == 1 and not tx.stale_pending
    assert tx.applied.retry_after(c.now) is None


# --------------------------------------------------------------------------- partial sync


def test_partial_sync_rewrites_only_the_changed_service() -> None:
    c = Cluster()
    for i in range(5):
        c.add(service(f"s{i}", f"10.96.1.{i}"),
              endpoint_slice(f"s{i}", [endpoint(f"10.244.0.{10 + i}")]))
    c.sync()
    c.add(endpoint_slice("s3", [endpoint("10.244.0.13"), endpoint("10.244.0.99")]))
    tx = c.sync()
    assert not tx.full
    touched = {line.split()[4] for line in tx.text.splitlines()
               if line.startswith(("add rule", "flush chain", "add chain"))}
    assert touched and all("/s3/" in name for name in touched)
    assert "add element" not in tx.text  # same ClusterIP, same chain: no element change
    assert set(c.endpoints_reached("10.96.1.3", 80)) == {"10.244.0.13:80", "10.244.0.99:80"}


def test_unchanged_sync_is_empty() -> None:
    c = Cluster().add(*web(THREE))
    c.sync()
    tx = c.sync()
    assert tx.text.strip() == "add table ip tinykube"


def test_removed_service_elements_go_and_chains_are_flushed_then_deleted_later() -> None:
    objs = web(THREE)
    c = Cluster().add(*objs)
    c.sync()
    svc_chain = names.cluster_chain(ServicePortName("default", "web", "", "TCP"))
    c.remove(objs[0])
    tx = c.sync()
    assert svc_chain in _names(tx.flushed_stale) and svc_chain in c.nft.chain_names()
    assert c.nft.chain(svc_chain).rules == []
    assert c.nft.elements("service-ips") == {}
    assert c.trace("10.96.0.20", 80).verdict == "drop"  # unallocated now
    c.now += plan.STALE_DELAY / 2
    assert not c.sync().deleted_chains
    c.now += plan.STALE_DELAY
    tx = c.sync()
    assert svc_chain in _names(tx.deleted_chains) and svc_chain not in c.nft.chain_names()
    assert not tx.stale_pending


def test_cluster_ip_stays_in_cluster_ips_until_its_last_port_goes() -> None:
    two = service("web", "10.96.0.20", ports=[port(80, "a"), port(81, "b")])
    c = Cluster().add(two)
    c.sync()
    c.add(service("web", "10.96.0.20", ports=[port(80, "a")]))
    c.sync()
    assert "10.96.0.20" in bucketed(c.nft, "cluster-ips")
    assert c.trace("10.96.0.20", 81).verdict == "reject"


def test_endpoint_change_moves_an_element_between_maps() -> None:
    objs = web(["10.244.0.2"])
    c = Cluster().add(objs[0])
    c.sync()
    assert c.trace("10.96.0.20", 80).verdict == "reject"
    c.add(objs[1])
    tx = c.sync()
    bucket = layout.TABLES.place("no-endpoint-services", "10.96.0.20 . tcp . 80", "")[1]
    assert f"flush map ip tinykube {bucket}" in tx.text and "delete" not in tx.text
    assert bucketed(c.nft, "no-endpoint-services") == {}
    assert c.trace("10.96.0.20", 80).endpoint == "10.244.0.2:80"


def test_partial_syncs_take_elements_out_by_flushing_and_re_adding_never_deleting() -> None:
    c = Cluster()
    for i in range(40):
        c.add(service(f"s{i}", f"10.96.1.{i}"),
              endpoint_slice(f"s{i}", [endpoint(f"10.244.0.{10 + i}")]))
    c.sync()
    c.add(endpoint_slice("s3", []))  # service-ips -> no-endpoint-services
    lost = c.sync()
    c.add(endpoint_slice("s3", [endpoint("10.244.0.99")]))  # and back
    back = c.sync()
    c.remove(service("s4", "10.96.1.4"))  # out of service-ips and cluster-ips
    gone = c.sync()
    for tx in (lost, back, gone):
        assert " delete " not in f" {tx.text}" and "flush " in tx.text, tx.text
    assert f"flush set ip tinykube {layout.TABLES.place('cluster-ips', '10.96.1.4', '')[1]}" \
        in gone.text
    assert c.trace("10.96.1.3", 80).endpoint == "10.244.0.99:80"
    assert c.trace("10.96.1.4", 80).verdict == "drop"  # unallocated now
    assert "10.96.1.4" not in bucketed(c.nft, "cluster-ips")
    for i in (i for i in range(40) if i not in (3, 4)):  # the rest went back in
        assert c.trace(f"10.96.1.{i}", 80).endpoint == f"10.244.0.{10 + i}:80"
        assert f"10.96.1.{i}" in bucketed(c.nft, "cluster-ips")


def test_a_full_sync_deletes_the_sets_and_maps_of_an_older_layout() -> None:
    objs = [service("fw", "10.96.0.30", type_="LoadBalancer",
                    loadBalancerSourceRanges=["192.0.2.0/24"],
                    status={"loadBalancer": {"ingress": [{"ip": "172.18.255.1"}]}}),
            endpoint_slice("fw", [endpoint("10.244.0.2")])]
    c = Cluster().add(*objs)
    c.sync()
    fw_chain = names.firewall_chain(ServicePortName("default", "fw", "", "TCP"))
    c.nft.apply(f"add map ip tinykube firewall-ips {{ type {layout.IP_PROTO_PORT} : verdict ; }}\n"
                f"add element ip tinykube firewall-ips "
                f"{{ 172.18.255.1 . tcp . 80 : goto {fw_chain} }}\n"
                f"add set ip tinykube cluster-ips {{ type ipv4_addr ; }}\n")
    tx = c.sync(full=True, kernel=kernel_of(c.nft))
    assert {("tinykube", "firewall-ips"), ("tinykube", "cluster-ips")} <= tx.deleted_sets
    assert not {"firewall-ips", "cluster-ips"} & c.nft.container_names()
    c.remove(objs[0])
    c.sync()
    c.now += plan.STALE_DELAY
    assert ("tinykube", fw_chain) in c.sync().deleted_chains  # nothing holds it any more


def test_full_sync_flushes_chains_it_does_not_know_and_deletes_unused_affinity_sets() -> None:
    c = Cluster().add(*web(THREE))
    c.sync()
    gone = ServicePortName("old", "gone", "", "TCP")
    leftover = names.cluster_chain(gone)
    aff = names.affinity_set(gone, EndpointInfo("10.244.0.9", 80))
    shard = layout.TABLES.shard_of(names.service_base(gone))
    c.nft.apply(f"add chain ip {shard} {leftover}\n"
                f"add set ip {shard} {aff} {{ type ipv4_addr ; flags dynamic,timeout ; "
                f"timeout 5s ; }}\n")
    tx = c.sync(full=True, kernel=kernel_of(c.nft))
    assert (shard, leftover) in tx.flushed_stale and aff not in c.nft.container_names()
    c.now += 2
    assert (shard, leftover) in c.sync().deleted_chains


# --------------------------------------------------------------------------- shards


def shard(name: str) -> str:
    return layout.TABLES.shard_of(names.service_base(ServicePortName("default", name, "",
                                                                     "TCP")))


def test_service_ports_are_spread_over_shards_and_each_shard_holds_its_own() -> None:
    c = Cluster()
    for i in range(40):
        c.add(service(f"s{i}", f"10.96.1.{i}"),
              endpoint_slice(f"s{i}", [endpoint(f"10.244.0.{10 + i}")]))
    c.sync()
    assert len({shard(f"s{i}") for i in range(40)}) > 8
    for i in range(40):
        t = shard(f"s{i}")
        assert f"10.96.1.{i} . tcp . 80" in c.nft.container("service-ips", t).elements
        assert names.cluster_chain(ServicePortName("default", f"s{i}", "", "TCP")) \
            in c.nft.tables[t].chains
        assert c.trace(f"10.96.1.{i}", 80).endpoint == f"10.244.0.{10 + i}:80"
    assert sum(len(c.nft.container("service-ips", t).elements)
               for t in layout.TABLES.shard_names) == 40
    assert "service-ips" not in c.nft.tables[layout.TABLE].sets


def test_a_partial_sync_touches_only_the_shard_and_the_main_table_when_it_must() -> None:
    c = Cluster()
    for i in range(5):
        c.add(service(f"s{i}", f"10.96.1.{i}"),
              endpoint_slice(f"s{i}", [endpoint(f"10.244.0.{10 + i}")]))
    c.sync()
    c.add(endpoint_slice("s3", [endpoint("10.244.0.13"), endpoint("10.244.0.99")]))
    tx = c.sync()
    assert tx.tables == {shard("s3")}
    assert {line.split()[3] for line in tx.text.splitlines()} == {shard("s3")}
    c.add(endpoint_slice("s3", []))  # no endpoints: rejected, by the main table's filter
    tx = c.sync()
    assert tx.tables == {shard("s3"), layout.TABLE}
    assert c.trace("10.96.1.3", 80).verdict == "reject"


def two_names_in_different_shards() -> tuple[str, str]:
    first = "a0"
    second = next(f"b{i}" for i in range(100) if shard(f"b{i}") != shard(first))
    return first, second


def test_one_key_claimed_from_two_shards_is_one_element_that_moves_with_its_owner() -> None:
    a, b = two_names_in_different_shards()
    objs = [service(n, ip, externalIPs=["172.18.0.2"]) for n, ip in
            ((a, "10.96.3.1"), (b, "10.96.3.2"))]
    c = Cluster().add(*objs, endpoint_slice(a, [endpoint("10.244.0.2")]),
                      endpoint_slice(b, [endpoint("10.244.0.3")]))
    c.sync()
    key = "172.18.0.2 . tcp . 80"
    holders = [t for t in layout.TABLES.shard_names
               if key in c.nft.container("service-ips", t).elements]
    assert holders == [shard(a)]
    assert c.trace("172.18.0.2", 80, saddr=OUTSIDE).endpoint == "10.244.0.2:80"
    c.remove(objs[0])
    c.sync()
    holders = [t for t in layout.TABLES.shard_names
               if key in c.nft.container("service-ips", t).elements]
    assert holders == [shard(b)]
    assert c.trace("172.18.0.2", 80, saddr=OUTSIDE).endpoint == "10.244.0.3:80"


def test_every_shard_dispatches_node_ports() -> None:
    c = Cluster()
    for i in range(6):
        c.add(service(f"n{i}", f"10.96.4.{i}", type_="NodePort",
                      ports=[port(80, node_port=30200 + i)]),
              endpoint_slice(f"n{i}", [endpoint(f"10.244.0.{20 + i}")]))
    c.sync()
    for i in range(6):
        t = c.trace("172.18.0.2", 30200 + i, saddr=OUTSIDE)
        assert t.endpoint == f"10.244.0.{20 + i}:80" and t.masquerade


@pytest.mark.parametrize("seed", range(6))
def test_any_sequence_of_partial_syncs_equals_a_full_sync(seed: int) -> None:
    rnd = random.Random(seed)
    c = Cluster()
    c.sync()
    for step in range(25):
        i = rnd.randrange(4)
        name = f"s{i}"
        action = rnd.random()
        if action < 0.3:
            c.add(service(name, f"10.96.2.{i}",
                          ports=[port(80, "http", node_port=30100 + i)]
                          if rnd.random() < 0.5 else [port(80, "http")],
                          sessionAffinity=rnd.choice(["None", "ClientIP"]),
                          internalTrafficPolicy=rnd.choice(["Cluster", "Local"])))
        elif action < 0.45:
            c.remove(service(name, f"10.96.2.{i}"))
        else:
            ips = rnd.sample(range(2, 9), rnd.randrange(4))
            c.add(endpoint_slice(name, [
                endpoint(f"10.244.0.{n}", ready=rnd.random() < 0.8,
                         serving=True, terminating=rnd.random() < 0.3,
                         node=rnd.choice(["node-0", "node-1"])) for n in ips],
                ports=[("http", 8080, "TCP")]))
        c.now += rnd.choice([0.1, 0.6, 2.0])
        c.sync()
        fresh = FakeNft()
        fresh.apply(plan.plan(ProxyState(c.services, c.endpoints), NODE, plan.EMPTY, None,
                              now=0).text)
        assert _live(c.nft) == _live(fresh), f"step {step}\n{c.last.text if c.last else ''}"
    c.now += plan.STALE_DELAY
    c.sync()  # quiet: every stale chain and set goes
    assert _all(c.nft) == _all(fresh)


def _live(nft: FakeNft) -> tuple[dict[tuple[str, str], list[str]],
                                  dict[tuple[str, str], dict[str, str]]]:
    """Non-empty chains and all sets/maps (stale chains are empty by then), by table."""
    chains = {(tn, n): c.rules for tn, t in nft.tables.items()
              for n, c in t.chains.items() if c.rules}
    used = {(tn, ref) for tn, t in nft.tables.items() for c in t.chains.values()
            for r in c.rules for ref in re.findall(r"@(\S+)", r)}
    sets = {(tn, n): s.elements for tn, t in nft.tables.items() for n, s in t.sets.items()
            if (tn, n) in used}  # a set no rule names is garbage to be deleted
    return chains, sets


def _all(nft: FakeNft) -> tuple[set[tuple[str, str]], dict[tuple[str, str], str]]:
    """Every chain and every set, with its spec."""
    return nft.chain_refs(), {(tn, n): s.spec for tn, t in nft.tables.items()
                              for n, s in t.sets.items()}


def bucketed(nft: FakeNft, container: str) -> dict[str, str]:
    """The elements of a main-table container, over all its buckets."""
    out: dict[str, str] = {}
    for bucket in layout.TABLES.buckets(container):
        out.update(nft.elements(bucket))
    return out


def _names(refs: frozenset[tuple[str, str]]) -> set[str]:
    return {n for _, n in refs}


def kernel_of(nft: FakeNft) -> plan.KernelState:
    """What listing the fake's tables would find."""
    return plan.KernelState(
        frozenset(nft.tables), frozenset(nft.chain_refs()),
        {(tn, n): int(s.timeout) for tn, t in nft.tables.items() for n, s in t.sets.items()})
