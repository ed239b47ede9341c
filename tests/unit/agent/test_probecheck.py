import asyncio

import pytest

from tinykube.agent.probecheck import (
    Target,
    check,
    http_request,
    resolve_port,
    run_hook,
    status_code,
)
from tinykube.agent.probes import spec

CONTAINER = {"name": "web", "ports": [{"name": "http", "containerPort": 8080}]}


def test_named_and_numeric_ports():
    assert resolve_port(80, CONTAINER) == 80
    assert resolve_port("8081", CONTAINER) == 8081
    assert resolve_port("http", CONTAINER) == 8080
    with pytest.raises(ValueError, match="not a named port"):
        resolve_port("grpc", CONTAINER)


def test_request_carries_the_kube_probe_agent_unless_overridden():
    raw = http_request("/healthz", "10.244.0.5", 8080, [])
    assert raw.startswith(b"GET /healthz HTTP/1.1\r\nHost: 10.244.0.5:8080\r\n")
    assert b"User-Agent: kube-probe/1.32\r\n" in raw and raw.endswith(b"\r\n\r\n")
    custom = http_request("/", "h", 80, [{"name": "User-Agent", "value": "me"},
                                         {"name": "Host", "value": "site"}])
    assert b"kube-probe" not in custom and b"User-Agent: me" in custom
    assert custom.count(b"Host:") == 1


def test_status_lines():
    assert status_code(b"HTTP/1.1 302 Found") == 302
    with pytest.raises(ValueError):
        status_code(b"SSH-2.0-OpenSSH")


async def test_unsupported_handlers_fail_with_a_reason():
    target = Target("/nonexistent", "127.0.0.1", CONTAINER, None, {})
    ok, msg = await check(spec("readiness", {"grpc": {"port": 9000}}), target)
    assert not ok and "not supported" in msg


async def test_exec_probe_without_a_process_fails():
    target = Target("/nonexistent", "127.0.0.1", CONTAINER, None, {})
    ok, _ = await check(spec("liveness", {"exec": {"command": ["true"]}}), target)
    assert not ok


async def test_a_namespace_that_cannot_be_entered_is_a_failed_check():
    target = Target("/nonexistent/netns", "127.0.0.1", CONTAINER, None, {})
    ok, msg = await check(spec("readiness", {"tcpSocket": {"port": 1}}), target)
    assert not ok and "failed" in msg
    await asyncio.sleep(0)


async def test_sleep_hooks_sleep_at_most_the_time_allowed():
    target = Target("/nonexistent", "127.0.0.1", CONTAINER, None, {})
    ok, msg = await run_hook({"sleep": {"seconds": 30}}, target, 0.01)
    assert ok and msg == "slept 30s"
    ok, _ = await run_hook({"exec": {"command": ["true"]}}, target, 0.5)
    assert not ok  # no running container to run it in
