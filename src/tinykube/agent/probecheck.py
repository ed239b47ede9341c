"""One probe check, from inside the pod's network namespace: HTTP GET, TCP connect, exec.

Sockets are created in the pod's namespace (``nsexec.run_in_netns``) and then driven by
the event loop, so a server that listens on the pod's IP answers its probe exactly as it
would in Kubernetes. As in the kubelet: an HTTP probe succeeds on a status from 200 to
399, with ``User-Agent: kube-probe/<major.minor>`` unless the probe sets its own headers,
to ``httpGet.host`` or the pod's IP; a TCP probe when the connection opens; an exec probe
when the command, run in the container's namespaces, exits 0 within ``timeoutSeconds``.
Named ports are looked up among the container's ports. gRPC probes are not supported and
fail with a message saying so. Lifecycle hooks (``preStop``) use the same handlers, plus
``sleep`` (``run_hook``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, replace

from tinykube import KUBERNETES_VERSION
from tinykube.agent import runtime
from tinykube.agent.probes import ProbeSpec
from tinykube.api.meta import Obj
from tinykube.host import nsexec, process

USER_AGENT = "kube-probe/" + ".".join(KUBERNETES_VERSION.lstrip("v").split(".")[:2])
MAX_RESPONSE_HEAD = 10 * 1024


@dataclass(frozen=True)
class Target:
    """Where a check runs: the pod's namespace and IP, the container's main process."""

    netns_path: str
    pod_ip: str
    container: Obj
    pid: int | None
    env: Mapping[str, str]


def resolve_port(port: object, container: Obj) -> int:
    if isinstance(port, int):
        return port
    text = str(port)
    if text.isdigit():
        return int(text)
    for p in container.get("ports") or []:
        if p.get("name") == text and isinstance(p.get("containerPort"), int):
            return int(p["containerPort"])
    raise ValueError(f"port {text!r} is not a named port of container {container.get('name')}")


def http_request(path: str, host: str, port: int, headers: list[Obj]) -> bytes:
    names = {str(h.get("name", "")).lower() for h in headers}
    lines = [f"GET {path or '/'} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host}:{port}" if ":" not in host else f"Host: [{host}]:{port}")
    if "user-agent" not in names:
        lines.append(f"User-Agent: {USER_AGENT}")
    if "accept" not in names:
        lines.append("Accept: */*")
    lines += [f"{h.get('name')}: {h.get('value', '')}" for h in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def status_code(line: bytes) -> int:
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {line[:80]!r}")
    return int(parts[1])


async def check(spec: ProbeSpec, target: Target) -> tuple[bool, str]:
    """One check: (succeeded, message for the pod's events and logs)."""
    try:
        async with asyncio.timeout(spec.timeout):
            if spec.action == "httpGet":
                return await _http(spec.handler["httpGet"] or {}, target)
            if spec.action == "tcpSocket":
                return await _tcp(spec.handler["tcpSocket"] or {}, target)
            if spec.action == "exec":
                return await _exec(spec, target)
    except TimeoutError:
        return False, f"{spec.kind} probe timed out after {spec.timeout:g}s"
    except (OSError, ValueError, ssl.SSLError) as e:
        return False, f"{spec.kind} probe failed: {e}"
    return False, f"{spec.kind} probe: {spec.action or 'no'} handler is not supported"


async def run_hook(handler: Obj, target: Target, within: float) -> tuple[bool, str]:
    """A lifecycle hook: ``exec``, ``httpGet``, ``tcpSocket`` or ``sleep``, for at most
    ``within`` seconds."""
    if "sleep" in handler:
        seconds = float((handler["sleep"] or {}).get("seconds") or 0)
        await asyncio.sleep(max(0.0, min(seconds, within)))
        return True, f"slept {seconds:g}s"
    return await check(ProbeSpec("liveness", handler, timeout=max(within, 0.001)), target)


async def _connect(target: Target, host: str, port: int, tls: bool = False
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = await nsexec.run_in_netns(target.netns_path, socket.socket, family,
                                     socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        ctx = None
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return await asyncio.open_connection(sock=sock, ssl=ctx,
                                             server_hostname=host if tls else None)
    except BaseException:
        sock.close()
        raise


async def _http(get: Obj, target: Target) -> tuple[bool, str]:
    host = str(get.get("host") or target.pod_ip)
    port = resolve_port(get.get("port"), target.container)
    tls = str(get.get("scheme") or "HTTP").upper() == "HTTPS"
    reader, writer = await _connect(target, host, port, tls)
    try:
        writer.write(http_request(str(get.get("path") or "/"), host, port,
                                  list(get.get("httpHeaders") or [])))
        await writer.drain()
        line = await reader.readuntil(b"\r\n")
    except asyncio.IncompleteReadError as e:
        raise OSError("connection closed before a response") from e
    except asyncio.LimitOverrunError as e:
        raise OSError("response head too long") from e
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    code = status_code(line.rstrip(b"\r\n"))
    if 200 <= code < 400:
        return True, f"HTTP probe succeeded with statuscode: {code}"
    return False, f"HTTP probe failed with statuscode: {code}"


async def _tcp(sock_spec: Obj, target: Target) -> tuple[bool, str]:
    host = str(sock_spec.get("host") or target.pod_ip)
    port = resolve_port(sock_spec.get("port"), target.container)
    _reader, writer = await _connect(target, host, port)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True, f"TCP probe to {host}:{port} succeeded"


async def _exec(spec: ProbeSpec, target: Target) -> tuple[bool, str]:
    command = [str(a) for a in (spec.handler["exec"] or {}).get("command") or []]
    if target.pid is None or not command:
        return False, "exec probe: no running container or no command"
    spawn = replace(runtime.exec_spawn(target.pid, command, target.env, tty=False),
                    stdio="null", stdin=False, kill_group_on_exit=True)
    proc = process.start(spawn)
    try:
        code = await proc.wait()
    except BaseException:
        proc.signal(signal.SIGKILL)
        raise
    finally:
        proc.close()
    if code == 0:
        return True, "exec probe succeeded"
    return False, f"command {command!r} exited with {code}"

