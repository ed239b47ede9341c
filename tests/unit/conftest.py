"""Fixtures shared by the unit tests: a fake API and tasks cancelled when a test ends."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tinykube.testing.fake_api import FakeApi


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
async def running() -> AsyncIterator[Callable[[Callable[[], Awaitable[None]]], None]]:
    """Start ``run`` coroutines as tasks that are cancelled when the test ends."""
    tasks: list[asyncio.Task[None]] = []

    def start(run: Callable[[], Awaitable[None]]) -> None:
        async def wrapped() -> None:
            await run()

        tasks.append(asyncio.create_task(wrapped()))

    yield start
    for t in tasks:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            raise r
