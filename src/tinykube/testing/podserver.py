"""A pod's stand-in server for dataplane tests: answers every request with its name.

``python -m tinykube.testing.podserver NAME PORT`` serves, on 0.0.0.0:PORT,
- TCP: reads a request head (up to a blank line), answers ``HTTP/1.0 200`` with body
  ``NAME\\n`` and the client's address as ``X-Client``, and closes;
- UDP: answers each datagram with ``NAME``.
It prints ``ready`` once both sockets listen. Standard library only.
"""

from __future__ import annotations

import asyncio
import sys


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, name: bytes) -> None:
        self.name = name
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a DatagramTransport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(self.name, addr)


async def _serve(name: str, port: int) -> None:
    body = f"{name}\n".encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                await reader.readuntil(b"\r\n\r\n")
            peer = writer.get_extra_info("peername")
            writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nX-Client: %s\r\n\r\n%s"
                         % (len(body), str(peer[0]).encode(), body))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "0.0.0.0", port, backlog=512)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: _Udp(name.encode()), ("0.0.0.0", port))
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    asyncio.run(_serve(sys.argv[1], int(sys.argv[2])))


if __name__ == "__main__":
    main()
