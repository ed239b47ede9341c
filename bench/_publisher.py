"""tinykube's NodePort publisher in a process of its own, for ``bench/dataplane.py``.

``python bench/_publisher.py NODE_NS NODE_IP NODE_PORT... [--python] [--profile FILE]`` runs
``proxy.publish.Publisher`` on uvloop (as ``tinykube up`` runs its components) with the
production socket factories: listening sockets in this process's own network namespace
(the bench starts it inside the namespace that plays the host) and upstream sockets in
``NODE_NS``. It publishes each NODE_PORT on 127.0.0.1, forwarding to NODE_IP:NODE_PORT,
prints ``ready``, and serves until SIGTERM or SIGINT. A process of its own so the bench
can pin it to a CPU with ``taskset`` exactly like HAProxy. ``--python`` forwards with the
pure-Python forwarder instead of the C engine. With ``--profile`` it writes cProfile
statistics to FILE when stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import signal

import uvloop

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.publish import Publisher


def state(node_ports: list[int]) -> ProxyState:
    infos = {}
    for i, port in enumerate(node_ports):
        spn = ServicePortName("bench", f"np{i}", "", "TCP")
        infos[spn] = ServicePortInfo(spn, f"10.96.1.{i + 1}", 80, node_port=port)
    eps: dict[ServicePortName, tuple[EndpointInfo, ...]] = {}
    return ProxyState(infos, eps)


async def run(node_ns: str, node_ip: str, node_ports: list[int], engine: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    upstream = NetnsSockets(node_ns)
    pub = Publisher(NodeConfig("node-0", (node_ip,)), upstream, NetnsSockets(None),
                    engine=engine)
    try:
        problems = await pub.follow(state(node_ports), None)
        if problems:
            raise SystemExit(f"publisher problems: {problems}")
        print("ready", flush=True)
        await stop.wait()
    finally:
        await pub.close()
        upstream.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("node_ns")
    ap.add_argument("node_ip")
    ap.add_argument("node_ports", type=int, nargs="+")
    ap.add_argument("--profile", default="")
    ap.add_argument("--python", action="store_true", help="the pure-Python forwarder")
    args = ap.parse_args()
    prof = cProfile.Profile() if args.profile else None
    if prof is not None:
        prof.enable()
    try:
        uvloop.run(run(args.node_ns, args.node_ip, args.node_ports, not args.python))
    finally:
        if prof is not None:
            prof.disable()
            prof.dump_stats(args.profile)


if __name__ == "__main__":
    main()
