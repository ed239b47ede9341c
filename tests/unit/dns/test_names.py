"""Name shapes: dashed endpoint labels (R17), pod labels (R24), reverse names (R23)."""

from __future__ import annotations

import ipaddress

import pytest

from tinykube.dns import names, resolvconf, wire


@pytest.mark.parametrize(("address", "label"), [
    ("10.244.1.20", b"10-244-1-20"),
    ("fd00:17::2", b"fd00-17--2"),
    ("2001:db8:3333:4444:5555:6666::", b"2001-db8-3333-4444-5555-6666--0"),
])
def test_dashed(address: str, label: bytes) -> None:
    assert names.dashed(ipaddress.ip_address(address)) == label


@pytest.mark.parametrize(("label", "address"), [
    (b"172-17-0-3", "172.17.0.3"),
    (b"fd00-10-244-2--7", "fd00:10:244:2::7"),
    (b"1-2-3", None),
    (b"1--2-3-4", "1::2:3:4"),  # has "--": IPv6, as CoreDNS reads it
    (b"not-an-ip", None),
    (b"\xff", None),
])
def test_decode_pod_label(label: bytes, address: str | None) -> None:
    decoded = names.decode_pod_label(label)
    assert (str(decoded) if decoded else None) == address


@pytest.mark.parametrize("address", ["10.96.0.10", "1234:abcd::1", "0.0.0.0", "::"])
def test_reverse_round_trip(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert names.parse_reverse(names.reverse(ip)) == ip


def test_reverse_rejects_partial_names() -> None:
    assert names.parse_reverse((b"0", b"96", b"10", b"in-addr", b"arpa")) is None
    assert names.parse_reverse((b"010", b"0", b"96", b"10", b"in-addr", b"arpa")) is None


def test_text_and_wire() -> None:
    n = names.from_text("Web-0.Nginx.default.")
    assert n == (b"web-0", b"nginx", b"default")
    assert names.from_wire(names.to_wire(n)) == n
    assert names.to_text(n) == "web-0.nginx.default."
    with pytest.raises(ValueError):
        names.from_text("a" * 64 + ".x")
    with pytest.raises(ValueError):
        names.from_text(".".join(["a" * 63] * 5))


def test_read_name_follows_only_backward_pointers() -> None:
    msg = b"\x00" * 12 + b"\x01a\x00" + b"\x01b\xc0\x0c"
    assert wire.read_name(msg, 15) == ((b"b", b"a"), 19)
    with pytest.raises(wire.Malformed):
        wire.read_name(b"\x00" * 12 + b"\xc0\x0c", 12)  # points at itself
    with pytest.raises(wire.Malformed):
        wire.read_name(b"\x00" * 12 + b"\x05ab", 12)


def test_resolv_conf() -> None:
    text = ("# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n"
            "nameserver bogus\noptions ndots:5\n")
    assert resolvconf.nameservers(text) == [("192.0.2.53", 53), ("fe80::1%eth0", 53)]
    assert resolvconf.read("/nonexistent/resolv.conf") == []
