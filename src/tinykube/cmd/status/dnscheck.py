"""One DNS question to the cluster DNS, the way a pod would ask it, for ``status``.

The cluster DNS listens on the node IP inside the node's network namespace, where the host
cannot reach it. The question goes out of a UDP socket made inside that namespace
(``nsexec.socket_in``: a thread enters it, makes the socket and leaves; the socket stays
there), so the host's network is never used and nothing on it changes. Blocking, with a
short timeout: ``status`` runs outside any event loop.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import replace

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from tinykube.cmd.status.facts import DnsFacts
from tinykube.host import nsexec

TIMEOUT = 2.0


def in_netns(netns_path: str) -> Callable[[], socket.socket]:
    """Makes a UDP socket inside the network namespace bound at ``netns_path``."""
    return lambda: nsexec.socket_in(netns_path, socket.AF_INET, socket.SOCK_DGRAM)


def ask(make_socket: Callable[[], socket.socket], server: str, name: str, expected: str,
        *, port: int = 53, timeout: float = TIMEOUT) -> DnsFacts:
    """Ask ``server:port`` for ``name``'s A records; the facts say what came back."""
    facts = DnsFacts(f"{server}:{port}", name, expected)
    try:
        sock = make_socket()
    except OSError as e:
        return replace(facts, error=f"cannot make a socket to ask from: {e}")
    start = time.perf_counter()
    try:
        sock.setblocking(False)
        reply = dns.query.udp(dns.message.make_query(name, "A"), server, port=port,
                              timeout=timeout, sock=sock)
    except dns.exception.Timeout:
        return replace(facts, error=f"no answer within {timeout:g} s")
    except (OSError, dns.exception.DNSException) as e:
        return replace(facts, error=str(e) or type(e).__name__)
    finally:
        sock.close()
    ms = (time.perf_counter() - start) * 1000
    if reply.rcode() != dns.rcode.NOERROR:
        return replace(facts, error=dns.rcode.to_text(reply.rcode()), ms=ms)
    answers = tuple(str(r) for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A
                    for r in rrset)
    return replace(facts, answers=answers, ms=ms)

