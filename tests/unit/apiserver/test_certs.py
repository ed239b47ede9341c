from __future__ import annotations

import datetime
import ipaddress
import stat
from pathlib import Path

from cryptography import x509

from tinykube.apiserver import certs


def _sans(path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return ({str(i) for i in san.get_values_for_type(x509.IPAddress)},
            set(san.get_values_for_type(x509.DNSName)))


def test_ensure_makes_a_ca_and_a_serving_cert_with_every_name(tmp_path: Path) -> None:
    files = certs.ensure(tmp_path, extra_ips=["172.18.0.1"])
    ips, names = _sans(files.cert)
    assert {"127.0.0.1", "::1", "10.96.0.1", "172.18.0.1"} <= ips
    assert {"localhost", "kubernetes", "kubernetes.default.svc.cluster.local"} <= names
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.ca_key.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    cert.verify_directly_issued_by(ca)


def test_ensure_keeps_the_ca_and_reissues_only_for_new_names(tmp_path: Path) -> None:
    first = certs.ensure(tmp_path)
    ca_before, cert_before = first.ca_cert.read_bytes(), first.cert.read_bytes()
    again = certs.ensure(tmp_path)
    assert again.cert.read_bytes() == cert_before
    certs.ensure(tmp_path, extra_ips=["172.18.0.2"])
    assert first.ca_cert.read_bytes() == ca_before
    assert first.cert.read_bytes() != cert_before
    assert "172.18.0.2" in _sans(first.cert)[0]


def test_covers_refuses_certificates_close_to_expiry() -> None:
    ca = certs.new_ca()
    ips, names = certs.serving_sans()
    pem = certs.issue_serving(ca, ips, names)
    assert certs.covers(pem.cert, ips, names)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=certs.SERVING_DAYS - 1)
    assert not certs.covers(pem.cert, ips, names, now=later)
    assert not certs.covers(pem.cert, [*ips, "192.0.2.1"], names)


def test_service_ip_follows_the_cidr() -> None:
    ips, _ = certs.serving_sans(service_ip="10.0.0.1")
    assert "10.0.0.1" in ips
    assert all(ipaddress.ip_address(i) for i in ips)
