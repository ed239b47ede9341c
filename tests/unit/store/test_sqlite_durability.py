"""An acknowledged write survives ``kill -9`` of the process that made it.

A child Python process writes through ``SqliteStore`` from several concurrent tasks (so
group commit batches them) and prints each key once ``create`` has returned. The test
reads some acknowledgements, SIGKILLs the child by pid mid-stream, reopens the file and
finds every acknowledged object, with its content and resourceVersion.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tinykube.api.meta import resource_version
from tinykube.store.sqlite import SqliteStore

CHILD = r"""
import asyncio, sys
from tinykube.store.sqlite import SqliteStore

async def main(path):
    store = SqliteStore(path)
    await store.start()

    async def writer(w):
        for i in range(5000):
            key = f"/pods/ns/w{w}-{i}"
            obj = await store.create(key, {"metadata": {"name": key}, "spec": {"i": i}})
            sys.stdout.write(f"{key} {obj['metadata']['resourceVersion']}\n")
            sys.stdout.flush()

    await asyncio.gather(*(writer(w) for w in range(8)))

asyncio.run(main(sys.argv[1]))
"""

ACKS_BEFORE_KILL = 400
WAIT = 60.0


async def test_acknowledged_creates_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[bytes] = []
    killed = False
    try:
        async with asyncio.timeout(WAIT):
            while len(lines) < ACKS_BEFORE_KILL:
                line = await child.stdout.readline()
                assert line, (await child.stderr.read()).decode()
                lines.append(line)
        os.kill(child.pid, signal.SIGKILL)
        killed = True
        # Acknowledgements already in the pipe were acknowledged too.
        lines += (await child.stdout.read()).splitlines(keepends=True)
    finally:
        # os.kill, not child.kill(): Popen.send_signal polls, and reaping the child there
        # races asyncio's own child watcher.
        if not killed and child.returncode is None:
            os.kill(child.pid, signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL

    acked = dict(line.decode().split() for line in lines if line.endswith(b"\n"))
    store = SqliteStore(path)
    await store.start()
    try:
        for key, rv in acked.items():
            obj = await store.get(key)
            assert obj is not None, f"acknowledged {key} is lost"
            assert obj["metadata"]["name"] == key
            assert str(resource_version(obj)) == rv
        assert store.revision >= max(int(rv) for rv in acked.values())
        assert len((await store.list("/pods/ns/"))[0]) == store.revision
    finally:
        await store.close()
