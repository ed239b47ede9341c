import asyncio
import os

from tinykube.agent import fdio


async def test_write_all_waits_for_a_full_pipe_and_read_sees_the_end():
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    data = os.urandom(1 << 20)  # far more than a pipe holds

    async def writer() -> None:
        await fdio.write_all(w, data)
        os.close(w)

    task = asyncio.create_task(writer())
    got = b""
    while chunk := await fdio.read(r):
        got += chunk
    await task
    os.close(r)
    assert got == data


async def test_a_terminal_whose_other_side_closed_reads_as_the_end():
    master, slave = os.openpty()
    os.set_blocking(master, False)
    os.write(slave, b"bye\n")
    os.close(slave)
    out = b""
    while chunk := await fdio.read(master):
        out += chunk
    os.close(master)
    assert out.replace(b"\r", b"") == b"bye\n"
