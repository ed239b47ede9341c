"""Go-compatible IP parsing, special ranges and address warnings."""

from __future__ import annotations

import ipaddress

from tinykube.api.validation import ip


def test_sloppy_parsing_accepts_leading_zeros_and_rejects_zones() -> None:
    assert ip.parse_ip_sloppy("010.001.000.001") == ipaddress.IPv4Address("10.1.0.1")
    assert ip.parse_ip_sloppy("256.0.0.1") is None
    assert ip.parse_ip_sloppy("1.2.3") is None
    assert ip.parse_ip_sloppy("fe80::1%eth0") is None
    assert ip.parse_ip_sloppy("::ffff:1.2.3.4") is not None
    assert ip.parse_ip_sloppy("") is None


def test_mapped_addresses_count_as_ipv4() -> None:
    assert ip.validate_non_special_ip("f", "::ffff:127.0.0.1")[0].message.endswith(
        "may not be in the loopback range (127.0.0.0/8, ::1/128)"
    )
    assert ip.is_valid_ipv4("f", "::ffff:10.0.0.1") == []
    assert not ip.is_ipv6("::ffff:10.0.0.1")


def test_link_local_multicast_v6() -> None:
    out = ip.validate_non_special_ip("f", "ff02::1")
    assert [c.message for c in out] == [
        'Invalid value: "ff02::1": may not be in the link-local multicast range '
        "(224.0.0.0/24, ff02::/10)"
    ]


def test_cidrs() -> None:
    assert ip.is_valid_cidr("f", "10.0.0.0/8") == []
    assert ip.is_valid_cidr("f", "10.0.0.0") != []
    assert ip.is_valid_cidr("f", "fd00::/129") != []
    assert ip.warnings_for_cidr("f", "10.0.0.0/8") == []
    assert ip.warnings_for_cidr("f", "010.0.0.0/8") == [
        'f: non-standard CIDR value "010.0.0.0/8" will be considered invalid in a future '
        'Kubernetes release: use "10.0.0.0/8"'
    ]


def test_ip_warnings() -> None:
    assert ip.warnings_for_ip("f", "10.0.0.1") == []
    assert ip.warnings_for_ip("f", "::ffff:10.0.0.1") == [
        'f: non-standard IP address "::ffff:10.0.0.1" will be considered invalid in a future '
        'Kubernetes release: use "10.0.0.1"'
    ]
    assert ip.warnings_for_ip("f", "fd00:0::1") == [
        'f: IPv6 address "fd00:0::1" should be in RFC 5952 canonical format ("fd00::1")'
    ]
