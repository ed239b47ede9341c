import asyncio
from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.errors import Permanent, Retry
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.ratelimit import ItemExponential
from tinykube.testing.clock import FakeClock, settle
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually


class Toy(Controller[str]):
    name = "toy"

    def __init__(self, api: FakeApi, clock: FakeClock, **kw) -> None:
        super().__init__(InformerFactory(api, clock=clock), own_informers=True, clock=clock,
                         rate_limiter=lambda: ItemExponential(base=1.0), **kw)
        self.seen: list[str] = []
        self.outcomes: dict[str, list[BaseException]] = {}
        self.gate: asyncio.Event | None = None
        self.svcs = self.informers.informer(kinds.SERVICE)
        self.watch(self.svcs, object_key)

    async def reconcile(self, key: str) -> None:
        self.seen.append(key)
        if self.gate is not None:
            await self.gate.wait()
        pending = self.outcomes.get(key)
        if pending:
            raise pending.pop(0)


def svc(name: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default"}}


@pytest.fixture
async def setup() -> AsyncIterator[tuple[FakeApi, FakeClock, Toy, list]]:
    api, clock = FakeApi(), FakeClock()
    toy = Toy(api, clock)
    tasks: list[asyncio.Task[None]] = []
    yield api, clock, toy, tasks
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def start(toy: Toy, tasks: list) -> None:
    tasks.append(asyncio.create_task(toy.run()))
    await eventually(lambda: toy.has_synced)


async def test_existing_objects_are_reconciled_once_after_sync(setup):
    api, _, toy, tasks = setup
    await api.create(kinds.SERVICE, svc("a"))
    await api.create(kinds.SERVICE, svc("b"))
    await start(toy, tasks)
    await eventually(lambda: len(toy.seen) == 2)
    await settle()
    assert sorted(toy.seen) == ["default/a", "default/b"]


async def test_events_enqueue_their_keys(setup):
    api, _, toy, tasks = setup
    await start(toy, tasks)
    await eventually(lambda: api.watchers == 1)
    await api.create(kinds.SERVICE, svc("new"))
    await eventually(lambda: toy.seen == ["default/new"])
    await api.delete(kinds.SERVICE, "new", "default")
    await eventually(lambda: toy.seen == ["default/new", "default/new"])


async def test_retry_runs_again_after_exactly_its_delay(setup):
    api, clock, toy, tasks = setup
    toy.outcomes["default/a"] = [Retry(30.0)]
    await api.create(kinds.SERVICE, svc("a"))
    await start(toy, tasks)
    await eventually(lambda: len(toy.seen) == 1)
    await clock.advance(29.0)
    assert len(toy.seen) == 1
    await clock.advance(1.0)
    await eventually(lambda: len(toy.seen) == 2)


async def test_permanent_is_not_retried(setup):
    api, clock, toy, tasks = setup
    toy.outcomes["default/a"] = [Permanent("cannot ever work")]
    await api.create(kinds.SERVICE, svc("a"))
    await start(toy, tasks)
    await eventually(lambda: len(toy.seen) == 1)
    await clock.advance(3600.0)
    assert len(toy.seen) == 1
    assert toy.queue.waiting() == 0


async def test_failures_back_off_exponentially_and_success_forgets(setup):
    api, clock, toy, tasks = setup
    toy.outcomes["default/a"] = [RuntimeError("1"), RuntimeError("2")]
    await api.create(kinds.SERVICE, svc("a"))
    await start(toy, tasks)
    await eventually(lambda: len(toy.seen) == 1)
    await clock.advance(1.0)  # base 1 s
    await eventually(lambda: len(toy.seen) == 2)
    await clock.advance(1.0)
    assert len(toy.seen) == 2  # now 2 s
    await clock.advance(1.0)
    await eventually(lambda: len(toy.seen) == 3)
    await eventually(lambda: toy.queue.retries("default/a") == 0)


async def test_a_key_changed_during_its_reconcile_runs_once_more(setup):
    api, _, toy, tasks = setup
    toy.gate = asyncio.Event()
    created = await api.create(kinds.SERVICE, svc("a"))
    await start(toy, tasks)
    await eventually(lambda: len(toy.seen) == 1)
    for i in range(3):
        created["metadata"]["labels"] = {"i": str(i)}
        created = await api.update(kinds.SERVICE, created)
    await eventually(lambda: toy.svcs.get("default/a")["metadata"].get("labels") == {"i": "2"})
    toy.gate.set()
    await eventually(lambda: len(toy.seen) == 2)
    await settle()
    assert len(toy.seen) == 2


async def test_run_can_be_restarted_after_cancel(setup):
    api, _, toy, tasks = setup
    await start(toy, tasks)
    tasks.pop().cancel()
    await settle()
    await api.create(kinds.SERVICE, svc("later"))
    await start(toy, tasks)
    await eventually(lambda: "default/later" in toy.seen)
