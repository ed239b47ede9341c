"""Prometheus text rendering of the DNS counters and latency histogram."""

from __future__ import annotations

import dns.message

from tinykube.dns.metrics import Metrics


def test_render() -> None:
    m = Metrics()
    q = dns.message.make_query("a.test.", "SRV").to_wire()
    r = dns.message.make_response(dns.message.from_wire(q))
    r.set_rcode(3)
    m.observe(q, r.to_wire(), 0.0002)
    m.observe(q, None, 2.0)
    m.observe(b"\x00", None, 0.0)
    m.cache_hits = 4
    text = m.render()
    assert 'tinykube_dns_queries_total{type="SRV"} 2' in text
    assert 'tinykube_dns_queries_total{type="unreadable"} 1' in text
    assert 'tinykube_dns_responses_total{rcode="NXDOMAIN"} 1' in text
    assert "tinykube_dns_dropped_total 2" in text
    assert "tinykube_dns_cache_hits_total 4" in text
    assert "# TYPE tinykube_dns_request_duration_seconds histogram" in text
    assert 'tinykube_dns_request_duration_seconds_bucket{le="0.00025"} 2' in text
    assert 'tinykube_dns_request_duration_seconds_bucket{le="2.5"} 3' in text
    assert 'tinykube_dns_request_duration_seconds_bucket{le="+Inf"} 3' in text
    assert "tinykube_dns_request_duration_seconds_count 3" in text
    assert text.endswith("\n")
