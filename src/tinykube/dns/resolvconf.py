"""The host's resolvers, read from ``/etc/resolv.conf``: the forwarder's default upstreams
(``forward . /etc/resolv.conf`` in the kubeadm Corefile)."""

from __future__ import annotations

from tinykube.dns import names

DEFAULT_PATH = "/etc/resolv.conf"
DNS_PORT = 53


def nameservers(text: str) -> list[tuple[str, int]]:
    """``nameserver`` lines in order; anything that is not an address is skipped."""
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            address = fields[1]
            if names.ip(address.split("%", 1)[0]) is not None:
                out.append((address, DNS_PORT))
    return out


def read(path: str = DEFAULT_PATH) -> list[tuple[str, int]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return nameservers(f.read())
    except OSError:
        return []
