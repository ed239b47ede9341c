"""The cluster's certificate authority and the API server's serving certificate.

Clients (kubectl, the official Python client, our own components) verify the API server
against a CA written into their kubeconfig, so the CA must outlive restarts: ``ensure``
keeps an existing CA and issues (or re-issues) only the serving certificate, when it is
missing, close to expiry, or does not name every address the server is reached by:
127.0.0.1, ::1, localhost, the ``kubernetes`` service names, the service's ClusterIP
(10.96.0.1 by default) and any extra IPs (node IPs, later).

Keys are ECDSA P-256: quick to generate and accepted by Go and Python TLS alike.
Key files are written 0600. Pure functions build PEM bytes; ``ensure`` is the thin shell
that reads and writes files.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVING_DAYS = 365
RENEW_BEFORE = datetime.timedelta(days=30)

SERVICE_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class CertFiles:
    """Where the CA and the serving certificate live."""

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pem:
    """A certificate and its private key, PEM encoded."""

    cert: bytes
    key: bytes


def serving_sans(
    service_ip: str = "10.96.0.1", extra_ips: Iterable[str] = (), extra_names: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """The IPs and DNS names the serving certificate must carry, in a stable order."""
    ips = _unique(["127.0.0.1", "::1", service_ip, *extra_ips])
    names = _unique(["localhost", *SERVICE_NAMES, *extra_names])
    return ips, names


def new_ca(common_name: str = "tinykube-ca", *, now: datetime.datetime | None = None) -> Pem:
    """A self-signed CA certificate and key."""
    now = now or _now()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pem(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def issue_serving(
    ca: Pem, ips: Sequence[str], names: Sequence[str], *, now: datetime.datetime | None = None
) -> Pem:
    """A serving certificate for ``ips`` and ``names``, signed by ``ca``."""
    now = now or _now()
    ca_cert = x509.load_pem_x509_certificate(ca.cert)
    ca_key = serialization.load_pem_private_key(ca.key, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key is not an ECDSA key")
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVING_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Pem(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def covers(cert_pem: bytes, ips: Sequence[str], names: Sequence[str],
           *, now: datetime.datetime | None = None) -> bool:
    """True when ``cert_pem`` names every IP and name and is not close to expiry."""
    now = now or _now()
    cert = x509.load_pem_x509_certificate(cert_pem)
    if cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    have_names = set(san.get_values_for_type(x509.DNSName))
    want_ips = {str(ipaddress.ip_address(ip)) for ip in ips}
    return want_ips <= have_ips and set(names) <= have_names


def ensure(
    directory: Path,
    *,
    service_ip: str = "10.96.0.1",
    extra_ips: Iterable[str] = (),
    extra_names: Iterable[str] = (),
) -> CertFiles:
    """Make sure ``directory`` holds a CA and a serving certificate fit for use.

    An existing CA is kept (kubeconfigs trust it); the serving certificate is issued
    again when missing, expiring within 30 days, or missing a wanted SAN.
    """
    files = CertFiles(
        ca_cert=directory / "ca.crt",
        ca_key=directory / "ca.key",
        cert=directory / "apiserver.crt",
        key=directory / "apiserver.key",
    )
    directory.mkdir(parents=True, exist_ok=True)
    if files.ca_cert.exists() and files.ca_key.exists():
        ca = Pem(files.ca_cert.read_bytes(), files.ca_key.read_bytes())
        fresh_ca = False
    else:
        ca = new_ca()
        _write(files.ca_key, ca.key, private=True)
        _write(files.ca_cert, ca.cert)
        fresh_ca = True
    ips, names = serving_sans(service_ip, extra_ips, extra_names)
    if fresh_ca or not _usable(files, ips, names):
        serving = issue_serving(ca, ips, names)
        _write(files.key, serving.key, private=True)
        _write(files.cert, serving.cert)
    return files


def _usable(files: CertFiles, ips: Sequence[str], names: Sequence[str]) -> bool:
    if not (files.cert.exists() and files.key.exists()):
        return False
    try:
        return covers(files.cert.read_bytes(), ips, names)
    except ValueError:
        return False


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically (temp file + rename); private files are created 0600."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
