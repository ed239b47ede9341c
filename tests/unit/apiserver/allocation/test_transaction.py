import random

import pytest

from tinykube.apiserver.allocation import IPAllocator, PortAllocator, Transaction
from tinykube.apiserver.allocation.bitmap import AllocationFailed


def pools() -> tuple[IPAllocator, PortAllocator]:
    rng = random.Random(3)
    return IPAllocator("10.0.0.0/29", rng), PortAllocator(30000, 30003, rng)


def test_revert_returns_what_was_taken() -> None:
    ips, ports = pools()
    txn = Transaction(ips, ports)
    txn.take_ip("10.0.0.3")
    ip = txn.take_next_ip()
    port = txn.take_next_port()
    txn.take_port(30000 if port != 30000 else 30001)
    assert ips.bitmap.count == 2 and ports.bitmap.count == 2
    txn.revert()
    assert ips.bitmap.count == 0 and ports.bitmap.count == 0
    assert txn.state == "reverted" and ip in txn.taken_ips
    txn.commit()  # finished: no-op
    assert txn.state == "reverted"


def test_commit_applies_deferred_releases_only() -> None:
    ips, ports = pools()
    ips.allocate("10.0.0.2")
    ports.allocate(30002)
    txn = Transaction(ips, ports)
    txn.release_ip_later("10.0.0.2")
    txn.release_port_later(30002)
    txn.take_port(30003)
    assert ips.has("10.0.0.2") and ports.has(30002)
    txn.commit()
    assert not ips.has("10.0.0.2") and not ports.has(30002) and ports.has(30003)
    txn.revert()  # finished: no-op
    assert ports.has(30003)


def test_dry_run_promises_distinct_values_and_touches_nothing() -> None:
    ips, ports = pools()
    txn = Transaction(ips, ports, dry_run=True)
    got = {txn.take_next_port() for _ in range(4)}
    assert got == {30000, 30001, 30002, 30003}
    with pytest.raises(AllocationFailed, match="range is full"):
        txn.take_next_port()
    txn.take_ip("10.0.0.1")
    with pytest.raises(AllocationFailed, match="already allocated"):
        txn.take_ip("10.0.0.1")
    assert txn.take_next_ip() != "10.0.0.1"
    txn.release_port_later(30000)
    txn.commit()
    assert ips.bitmap.count == 0 and ports.bitmap.count == 0


def test_reserved_ips_are_skipped_by_dynamic_takes() -> None:
    ips, ports = pools()
    reserved = {f"10.0.0.{i}" for i in range(1, 6)}
    assert Transaction(ips, ports, reserved_ips=reserved).take_next_ip() == "10.0.0.6"
    with pytest.raises(AllocationFailed, match="range is full"):  # .6 is now taken
        Transaction(ips, ports, dry_run=True, reserved_ips=reserved).take_next_ip()
