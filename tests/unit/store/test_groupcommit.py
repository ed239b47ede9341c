from __future__ import annotations

import asyncio

import pytest

from tinykube.errors import KeyExists, StoreUnavailable
from tinykube.store.changes import Change, Write
from tinykube.store.groupcommit import GroupCommit


class FakeCommit:
    """Records batches; commits each write as the next revision unless told otherwise."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.published: list[int] = []
        self.revision = 0
        self.fail_next = False
        self.gate = asyncio.Event()
        self.gate.set()

    async def commit(self, batch: list[Write]) -> list[Change | Exception]:
        await self.gate.wait()
        self.batches.append([w.key for w in batch])
        if self.fail_next:
            self.fail_next = False
            raise StoreUnavailable("disk on fire")
        out: list[Change | Exception] = []
        for w in batch:
            if w.key.startswith("bad"):
                out.append(KeyExists(w.key))
            else:
                self.revision += 1
                out.append(Change(self.revision, w.key, "ADDED", b"{}"))
        return out

    def publish(self, changes: list[Change]) -> None:
        self.published += [c.revision for c in changes]


async def test_writes_arriving_during_a_commit_share_the_next_one() -> None:
    fake = FakeCommit()
    group = GroupCommit(fake.commit, fake.publish, max_batch=3)
    fake.gate.clear()
    first = asyncio.ensure_future(group.submit(Write("create", "k0", {})))
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(group.submit(Write("create", f"k{i}", {}))) for i in range(1, 6)]
    fake.gate.set()
    changes = await asyncio.gather(first, *rest)
    assert fake.batches == [["k0"], ["k1", "k2", "k3"], ["k4", "k5"]]
    assert [c.revision for c in changes] == [1, 2, 3, 4, 5, 6]
    assert fake.published == [1, 2, 3, 4, 5, 6]


async def test_a_write_error_is_its_own_and_a_failed_commit_fails_its_batch() -> None:
    fake = FakeCommit()
    group = GroupCommit(fake.commit, fake.publish)
    good, bad = await asyncio.gather(
        group.submit(Write("create", "ok", {})),
        group.submit(Write("create", "bad", {})),
        return_exceptions=True,
    )
    assert isinstance(good, Change) and isinstance(bad, KeyExists)
    fake.fail_next = True
    with pytest.raises(StoreUnavailable):
        await group.submit(Write("create", "lost", {}))
    assert fake.published == [1]
    assert (await group.submit(Write("create", "next", {}))).revision == 2


async def test_a_cancelled_caller_does_not_stop_its_write() -> None:
    fake = FakeCommit()
    group = GroupCommit(fake.commit, fake.publish)
    fake.gate.clear()
    caller = asyncio.ensure_future(group.submit(Write("create", "k", {})))
    await asyncio.sleep(0)
    caller.cancel()
    fake.gate.set()
    await group.wait_idle()
    assert fake.published == [1]
