"""The zone index under change: what a watch event does to the served answers, and that a
change recompiles only the names it touches."""

from __future__ import annotations

import dns.rcode

from tinykube.dns import names
from tinykube.dns.answer import FORWARD, answer
from tinykube.dns.config import Config
from tinykube.dns.zone import Zone
from tinykube.testing.dns import (
    Ask,
    ask_zone,
    endpoint,
    endpoint_slice,
    pod,
    populate,
    rrs,
    service,
)

T = "testns.svc.cluster.local."
NGINX = "nginx.default.svc.cluster.local."


def addresses(msg: dns.message.Message) -> set[str]:
    return {rr.address for rrset in msg.answer for rr in rrset if hasattr(rr, "address")}


def test_unready_endpoint_disappears_everywhere(zone: Zone, ask: Ask) -> None:
    zone.upsert_slice(endpoint_slice("nginx", "default", endpoints=[
        endpoint("10.244.0.5", hostname="web-0", ready=False),
        endpoint("10.244.0.6", hostname="web-1"),
    ], ports=[("web", 80, "TCP")]))
    assert addresses(ask(NGINX)) == {"10.244.0.6"}
    assert ask(f"web-0.{NGINX}").rcode() == dns.rcode.NXDOMAIN
    srv = ask(f"_web._tcp.{NGINX}", "SRV")
    assert [rr.target.to_text() for rr in srv.answer[0]] == [f"web-1.{NGINX}"]
    assert srv.answer[0][0].weight == 100
    # No PTR for it any more: the reverse name falls through to the upstream.
    assert ("5.0.244.10.in-addr.arpa." not in
            {names.to_text(names.from_wire(k)) for k in zone.names})


def test_last_ready_endpoint_gone_makes_headless_nxdomain(zone: Zone, ask: Ask) -> None:
    zone.upsert_slice(endpoint_slice("nginx", "default", endpoints=[
        endpoint("10.244.0.5", hostname="web-0", ready=False)], ports=[("web", 80, "TCP")]))
    assert ask(NGINX).rcode() == dns.rcode.NXDOMAIN
    zone.upsert_slice(endpoint_slice("nginx", "default", endpoints=[
        endpoint("10.244.0.5", hostname="web-0")], ports=[("web", 80, "TCP")]))
    assert addresses(ask(NGINX)) == {"10.244.0.5"}


def test_statefulset_pod_recreated_with_new_ip(zone: Zone, ask: Ask) -> None:
    """web-0 answers the new IP; the old pod record and PTR are gone."""
    zone.delete_pod(pod("web-0", "default", "10.244.0.5"))
    zone.upsert_pod(pod("web-0", "default", "10.244.0.42"))
    zone.upsert_slice(endpoint_slice("nginx", "default", endpoints=[
        endpoint("10.244.0.42", hostname="web-0"), endpoint("10.244.0.6", hostname="web-1"),
    ], ports=[("web", 80, "TCP")]))
    assert rrs(ask(f"web-0.{NGINX}").answer) == [f"web-0.{NGINX} 5 IN A 10.244.0.42"]
    assert rrs(ask("42.0.244.10.in-addr.arpa.", "PTR").answer) == [
        f"42.0.244.10.in-addr.arpa. 5 IN PTR web-0.{NGINX}"]
    assert ask("10-244-0-5.default.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN
    assert addresses(ask("10-244-0-42.default.pod.cluster.local.")) == {"10.244.0.42"}


def test_pod_ip_change_moves_pod_record(zone: Zone, ask: Ask) -> None:
    zone.upsert_pod(pod("pod1", "podns", "10.240.0.77"))
    assert ask("10-240-0-1.podns.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN
    assert addresses(ask("10-240-0-77.podns.pod.cluster.local.")) == {"10.240.0.77"}
    zone.upsert_pod(pod("pod1", "podns", "10.240.0.77", phase="Failed"))
    assert ask("10-240-0-77.podns.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN


def test_two_pods_one_address_until_both_gone(zone: Zone, ask: Ask) -> None:
    zone.upsert_pod(pod("pod1b", "podns", "10.240.0.1"))
    zone.delete_pod(pod("pod1", "podns", "10.240.0.1"))
    assert addresses(ask("10-240-0-1.podns.pod.cluster.local.")) == {"10.240.0.1"}
    zone.delete_pod(pod("pod1b", "podns", "10.240.0.1"))
    assert ask("10-240-0-1.podns.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN


def test_service_deleted_removes_all_its_names(zone: Zone, ask: Ask) -> None:
    zone.delete_service(service("svc1", ip="10.0.0.1"))
    for qname, qtype in ((f"svc1.{T}", "A"), (f"_http._tcp.svc1.{T}", "SRV"),
                         (f"ep1a.svc1.{T}", "A"), (f"http.tcp.svc1.{T}", "A")):
        assert ask(qname, qtype).rcode() == dns.rcode.NXDOMAIN, qname
    # The ExternalName pointing at it loses its in-zone answer (chase dependency).
    assert ask(f"external-to-service.{T}").answer == []


def test_external_name_follows_its_target(zone: Zone, ask: Ask) -> None:
    zone.upsert_service(service("svc1", ip="10.0.0.99", ports=[("http", 80, "TCP")]))
    assert addresses(ask(f"external-to-service.{T}")) == {"10.0.0.99"}


def test_external_name_to_late_target_and_chains() -> None:
    z = Zone(Config())
    z.upsert_service(service("a", external="b.testns.svc.cluster.local"))
    z.upsert_service(service("b", external="c.testns.svc.cluster.local"))
    assert ask_zone(z, f"a.{T}").answer == []
    z.upsert_service(service("c", ip="10.0.0.7"))
    assert rrs(ask_zone(z, f"a.{T}").answer) == sorted([
        f"a.{T} 5 IN CNAME b.{T}", f"b.{T} 5 IN CNAME c.{T}", f"c.{T} 5 IN A 10.0.0.7"])


def test_external_name_loop_terminates() -> None:
    z = Zone(Config())
    z.upsert_service(service("a", external="b.testns.svc.cluster.local"))
    z.upsert_service(service("b", external="a.testns.svc.cluster.local"))
    z.upsert_service(service("self", external="self.testns.svc.cluster.local"))
    for qname in (f"a.{T}", f"b.{T}", f"self.{T}"):
        msg = ask_zone(z, qname)
        assert msg.rcode() == dns.rcode.NOERROR and msg.answer == []


def test_slice_moved_between_services(zone: Zone, ask: Ask) -> None:
    """A slice relabelled to another Service leaves the first and joins the second."""
    moved = endpoint_slice("hdlsprtls", endpoints=[endpoint("172.0.0.21")], name="hdls1-ipv4")
    zone.upsert_slice(moved)
    assert ask(f"hdls1.{T}", "A").rcode() == dns.rcode.NOERROR  # the IPv6 slice is still ready
    assert ask(f"hdls1.{T}", "A").answer == []
    assert ask(f"172-0-0-4.hdls1.{T}").rcode() == dns.rcode.NXDOMAIN
    assert addresses(ask(f"hdlsprtls.{T}")) == {"172.0.0.20", "172.0.0.21"}
    zone.delete_slice(moved)
    assert addresses(ask(f"hdlsprtls.{T}")) == {"172.0.0.20"}


def test_clusterip_change_moves_ptr(zone: Zone, ask: Ask) -> None:
    zone.upsert_service(service("svc1", ip="10.0.0.50", ports=[("http", 80, "TCP")]))
    assert rrs(ask("50.0.0.10.in-addr.arpa.", "PTR").answer) == [
        f"50.0.0.10.in-addr.arpa. 5 IN PTR svc1.{T}"]
    assert b"\x011\x010\x010\x0210\x07in-addr\x04arpa\x00" not in zone.names


def test_a_change_recompiles_only_its_service(zone: Zone) -> None:
    before = dict(zone.names)
    zone.upsert_slice(endpoint_slice("svc1", endpoints=[
        endpoint("172.0.0.1", hostname="ep1a"), endpoint("172.0.0.9")], ports=[("http", 80,
                                                                                  "TCP")]))
    changed = {names.to_text(names.from_wire(k)) for k, v in zone.names.items()
               if before.get(k) is not v}
    assert changed == {f"172-0-0-9.svc1.{T}", "9.0.0.172.in-addr.arpa."}


def test_unchanged_objects_are_no_ops(zone: Zone) -> None:
    before = dict(zone.names)
    populate(zone)
    assert all(zone.names[k] is v for k, v in before.items())


def test_namespace_objects_gate_names() -> None:
    """R9 with Namespace objects: a Service in a namespace not (yet) seen is NXDOMAIN."""
    z = Zone(Config(), track_namespaces=True)
    z.upsert_service(service("svc1", ip="10.0.0.1"))
    assert ask_zone(z, f"svc1.{T}").rcode() == dns.rcode.NXDOMAIN
    assert ask_zone(z, T).rcode() == dns.rcode.NXDOMAIN
    z.upsert_namespace({"metadata": {"name": "testns"}})
    assert rrs(ask_zone(z, f"svc1.{T}").answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
    assert ask_zone(z, T).rcode() == dns.rcode.NOERROR
    z.upsert_namespace({"metadata": {"name": "empty"}})
    assert ask_zone(z, "empty.svc.cluster.local.").rcode() == dns.rcode.NOERROR
    z.delete_namespace({"metadata": {"name": "testns"}})
    assert ask_zone(z, f"svc1.{T}").rcode() == dns.rcode.NXDOMAIN


def test_namespace_without_objects_follows_its_contents() -> None:
    z = Zone(Config())
    assert ask_zone(z, T).rcode() == dns.rcode.NXDOMAIN
    z.upsert_service(service("svc1", ip="10.0.0.1"))
    assert ask_zone(z, T).rcode() == dns.rcode.NOERROR
    z.delete_service(service("svc1"))
    assert ask_zone(z, T).rcode() == dns.rcode.NXDOMAIN


def test_ns_record_follows_the_dns_service(zone: Zone, ask: Ask) -> None:
    """R7: without a Service whose endpoints hold our address, NS is ns.dns.<zone>."""
    zone.delete_slice(endpoint_slice("kube-dns", "kube-system"))
    msg = ask("cluster.local.", "NS")
    assert rrs(msg.answer) == ["cluster.local. 5 IN NS ns.dns.cluster.local."]
    assert rrs(msg.additional) == ["ns.dns.cluster.local. 5 IN A 172.18.0.2"]


def test_pod_modes() -> None:
    insecure = Zone(Config(pods="insecure"))
    insecure.upsert_service(service("svc1", ip="10.0.0.1"))
    msg = ask_zone(insecure, "1-2-3-4.testns.pod.cluster.local.")
    assert rrs(msg.answer) == ["1-2-3-4.testns.pod.cluster.local. 5 IN A 1.2.3.4"]
    assert ask_zone(insecure, "notanip.testns.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN
    disabled = Zone(Config(pods="disabled"))
    disabled.upsert_pod(pod("p", "testns", "1.2.3.4"))
    assert ask_zone(disabled, "1-2-3-4.testns.pod.cluster.local.").rcode() == \
        dns.rcode.NXDOMAIN
    assert ask_zone(disabled, "testns.pod.cluster.local.").rcode() == dns.rcode.NXDOMAIN
    assert ask_zone(disabled, "pod.cluster.local.").rcode() == dns.rcode.NOERROR


def test_other_zone_and_ttl() -> None:
    z = Zone(Config.build("Example.Internal", ttl=30))
    z.upsert_service(service("svc1", ip="10.0.0.1"))
    msg = ask_zone(z, "svc1.testns.svc.example.internal.")
    assert rrs(msg.answer) == ["svc1.testns.svc.example.internal. 30 IN A 10.0.0.1"]
    soa = ask_zone(z, "example.internal.", "SOA").answer[0]
    assert soa.ttl == 30 and soa[0].minimum == 30
    q = dns.message.make_query("svc1.testns.svc.cluster.local.", "A")
    assert answer(q.to_wire(), z) is FORWARD  # cluster.local is not this server's zone


def test_changes_move_the_version_and_name_what_changed() -> None:
    from tinykube.dns import zone as zone_module

    z = Zone(Config())
    start = z.version
    z.upsert_service(service("a", ip="10.0.0.1"))
    assert z.version > start
    assert b"\x01a\x06testns\x03svc\x07cluster\x05local\x00" in (z.changed_since(start) or ())
    now = z.version
    z.upsert_service(service("a", ip="10.0.0.1"))  # the same object: nothing changes
    assert z.version == now and z.changed_since(now) == set()
    z.upsert_service(service("a", ip="10.0.0.2"))
    assert z.changed_since(now) == {b"\x01a\x06testns\x03svc\x07cluster\x05local\x00",
                                    names.to_wire(names.from_text("1.0.0.10.in-addr.arpa")),
                                    names.to_wire(names.from_text("2.0.0.10.in-addr.arpa"))}
    z.set_synced(False)
    assert z.changed_since(now) is None  # anything may answer differently
    later = z.version
    for i in range(zone_module.CHANGE_LOG):
        z.upsert_service(service(f"s{i}", ip=f"10.1.{i // 250}.{i % 250 + 1}"))
    assert z.changed_since(later) is None  # the log forgot the oldest changes
    assert z.changed_since(z.version - 1) is not None
