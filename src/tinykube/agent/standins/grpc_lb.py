"""The stand-ins for ``techdozo/grpc-lb-server`` and ``techdozo/grpc-lb-client``.

The seed tutorial shows why a ClusterIP Service does not balance gRPC: the client keeps one
HTTP/2 connection, so kube-proxy's per-connection choice sends every call to one pod,
while a headless Service lets the client's ``round_robin`` policy spread the calls over
every pod address that DNS returns. These two programs reproduce both halves without the
images (no protobuf: one unary method through grpc's generic handlers, bytes in and out).

``python -m tinykube.agent.standins.grpc_lb server`` (or ``python -I grpc_lb.py server``;
the module imports nothing from tinykube, but needs grpcio, so not ``-S``):
    serves ``/tinykube.lb.Echo/Hello`` on ``BIND_ADDRESS`` (default ``0.0.0.0``) port
    ``PORT`` (default 8001, 0 picks one); answers the pod's name (``POD_NAME``, else the
    hostname); prints ``grpc-lb-server <pod> listening on :<port>`` once serving and
    ``served call from <ip>:<port>`` per call; SIGTERM/SIGINT stop it gracefully, exit 0.

``python -m tinykube.agent.standins.grpc_lb client``:
    ``SERVER_HOST`` (``grpc-server-service:80``; required unless ``TARGET`` is set) becomes
    the channel target ``dns:///<SERVER_HOST>``; ``TARGET`` replaces it verbatim (tests use
    ``ipv4:127.0.0.2:P,127.0.0.3:P``); ``CALLS`` (default 1000, at most 1000000),
    ``THREADS`` (default 10, at most 64). One channel with the ``round_robin`` policy; the
    calls are shared between the threads; one line per call names the pod that answered,
    then ``calls per pod: a=334 b=333 c=333``. It then sleeps until SIGTERM, as the seed's
    client Deployment keeps running, unless ``ONESHOT=1``: then it exits, 0 when every
    call succeeded. Bad settings exit 2 with one line on stderr; a target that never gets
    ready within ``READY_TIMEOUT`` seconds (default 60) exits 1.

Name resolution, checked with grpcio 1.85.1 in a private network and mount namespace whose
``/etc/resolv.conf`` was ``search default.svc.cluster.local svc.cluster.local
cluster.local``, ``options ndots:5`` and whose DNS server logged the queries: the default
resolver (c-ares) and ``GRPC_DNS_RESOLVER=native`` (getaddrinfo) both walk the search
list, so ``dns:///grpc-server-service:8001`` asks for
``grpc-server-service.default.svc.cluster.local`` first, as the pod's other programs do.
The client therefore leaves ``GRPC_DNS_RESOLVER`` alone (a user may still set it). Either
resolver returns every A record, which is what round_robin over a headless Service needs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass
from types import FrameType
from typing import Any
from urllib.parse import unquote

import grpc

SERVICE = "tinykube.lb.Echo"
METHOD = "Hello"
FULL_METHOD = f"/{SERVICE}/{METHOD}"
DEFAULT_PORT = 8001
DEFAULT_CALLS = 1000
MAX_CALLS = 1_000_000
DEFAULT_THREADS = 10
MAX_THREADS = 64
CALL_TIMEOUT = 10.0
DEFAULT_READY_TIMEOUT = 60.0
STOP_GRACE = 5.0
SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
USAGE = "usage: grpc_lb server|client (settings come from the environment)"


class UsageError(Exception):
    """A missing or malformed setting; the program prints it and exits 2."""


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class ServerConfig:
    pod: str
    bind: str
    port: int


@dataclass(frozen=True)
class ClientConfig:
    target: str
    calls: int
    threads: int
    oneshot: bool
    ready_timeout: float


def server_config(env: Mapping[str, str], hostname: str) -> ServerConfig:
    port = _int(env, "PORT", DEFAULT_PORT, 0, 65535)
    return ServerConfig(env.get("POD_NAME") or hostname, env.get("BIND_ADDRESS") or "0.0.0.0",
                        port)


def client_config(env: Mapping[str, str]) -> ClientConfig:
    target = env.get("TARGET", "")
    if not target:
        host = env.get("SERVER_HOST", "").strip()
        if not host:
            raise UsageError("SERVER_HOST is not set (e.g. SERVER_HOST=grpc-server-service:80)")
        target = f"dns:///{host}"
    timeout = _int(env, "READY_TIMEOUT", int(DEFAULT_READY_TIMEOUT), 1, 86400)
    return ClientConfig(target, _int(env, "CALLS", DEFAULT_CALLS, 1, MAX_CALLS),
                        _int(env, "THREADS", DEFAULT_THREADS, 1, MAX_THREADS),
                        env.get("ONESHOT", "") in ("1", "true", "yes"), float(timeout))


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise UsageError(f"{name}={text!r}: expected an integer from {low} to {high}")
    return value


def shares(calls: int, threads: int) -> list[int]:
    """How many calls each thread makes: as even as possible, never a thread with none."""
    threads = min(threads, calls)
    base, extra = divmod(calls, threads)
    return [base + (1 if i < extra else 0) for i in range(threads)]


def peer_address(peer: str) -> str:
    """grpc's ``ipv4:10.244.0.7:51234`` (or ``ipv6:%5B::1%5D:5000``) as ``10.244.0.7:51234``."""
    scheme, sep, rest = peer.partition(":")
    return unquote(rest) if sep and scheme in ("ipv4", "ipv6", "unix") else peer


class Tally:
    """Calls answered per pod and calls failed, counted from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.per_pod: dict[str, int] = {}
        self.failed = 0
        self.last_error = ""

    def answered(self, pod: str) -> int:
        """Count one answer; returns how many calls are done so far."""
        with self._lock:
            self.per_pod[pod] = self.per_pod.get(pod, 0) + 1
            return self._done()

    def failure(self, error: str) -> int:
        with self._lock:
            self.failed += 1
            self.last_error = error
            return self._done()

    def _done(self) -> int:
        return sum(self.per_pod.values()) + self.failed

    def summary(self) -> list[str]:
        with self._lock:
            pods = " ".join(f"{pod}={n}" for pod, n in sorted(self.per_pod.items()))
            lines = [f"calls per pod: {pods or '(none)'}"]
            if self.failed:
                lines.append(f"failed calls: {self.failed} (last: {self.last_error})")
            return lines


# --------------------------------------------------------------------------- shell


_print_lock = threading.Lock()


def say(line: str, stream: Any = None) -> None:
    """One whole line, flushed, so ``kubectl logs`` shows it at once and never interleaved."""
    out = stream or sys.stdout
    with _print_lock:
        out.write(line + "\n")
        out.flush()


def _on_stop(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(config: ServerConfig, stop: threading.Event) -> int:
    answer = config.pod.encode()

    def hello(request: bytes, context: grpc.ServicerContext) -> bytes:
        say(f"served call from {peer_address(context.peer())}")
        return answer

    handler = grpc.method_handlers_generic_handler(
        SERVICE, {METHOD: grpc.unary_unary_rpc_method_handler(hello)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), handlers=(handler,),
                         options=[("grpc.so_reuseport", 0)])
    try:
        port = server.add_insecure_port(f"{config.bind}:{config.port}")
    except RuntimeError as e:
        say(f"grpc-lb-server: cannot listen on {config.bind}:{config.port}: {e}", sys.stderr)
        return 1
    server.start()
    say(f"grpc-lb-server {config.pod} listening on :{port}")
    while not stop.wait(3600):
        pass
    server.stop(STOP_GRACE).wait()
    say(f"grpc-lb-server {config.pod} stopped")
    return 0


def open_channel(target: str) -> grpc.Channel:
    return grpc.insecure_channel(target, options=[
        ("grpc.service_config", SERVICE_CONFIG),
        ("grpc.lb_policy_name", "round_robin"),
    ])


def wait_ready(channel: grpc.Channel, config: ClientConfig, stop: threading.Event) -> bool:
    say(f"grpc-lb-client: connecting to {config.target} (round_robin)")
    deadline = time.monotonic() + config.ready_timeout
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            grpc.channel_ready_future(channel).result(timeout=min(left, 10.0))
            return True
        except grpc.FutureTimeoutError:
            say(f"grpc-lb-client: still waiting for {config.target}")
    return False


def make_calls(channel: grpc.Channel, config: ClientConfig, tally: Tally,
               stop: threading.Event) -> None:
    hello: Callable[..., bytes] = channel.unary_unary(FULL_METHOD, _registered_method=True)

    def worker(count: int) -> None:
        for _ in range(count):
            if stop.is_set():
                return
            try:
                pod = hello(b"", timeout=CALL_TIMEOUT, wait_for_ready=True).decode()
            except grpc.RpcError as e:
                error = f"{e.code().name}: {e.details()}"
                say(f"call {tally.failure(error)}/{config.calls} failed: {error}")
            else:
                say(f"call {tally.answered(pod)}/{config.calls} answered by {pod}")

    threads = [threading.Thread(target=worker, args=(n,), daemon=True)
               for n in shares(config.calls, config.threads)]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive() and not stop.is_set():
            t.join(1.0)


def run_client(config: ClientConfig, stop: threading.Event) -> int:
    tally = Tally()
    with open_channel(config.target) as channel:
        if not wait_ready(channel, config, stop):
            if stop.is_set():
                return 0
            say(f"grpc-lb-client: {config.target} not ready after {config.ready_timeout:g}s",
                sys.stderr)
            return 1
        make_calls(channel, config, tally, stop)
    for line in tally.summary():
        say(line)
    if not config.oneshot:
        stop.wait()
    return 1 if tally.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in ("server", "client"):
        say(USAGE, sys.stderr)
        return 2
    stop = threading.Event()
    _on_stop(stop)
    try:
        if args[0] == "server":
            return serve(server_config(os.environ, socket.gethostname()), stop)
        return run_client(client_config(os.environ), stop)
    except UsageError as e:
        say(f"grpc-lb-{args[0]}: {e}", sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
