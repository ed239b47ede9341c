"""``host/nft.py`` and its fast paths against the real kernel, in namespaces of our own.

Every test makes uniquely named ``tinykube-t-…`` namespaces and deletes them, with our
nft contexts, whatever happens. The planner supplies realistic transactions.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from tinykube.errors import SystemError_
from tinykube.host import nft, nftforms, nftlib
from tinykube.host.netns import path as netns_path
from tinykube.proxy import plan
from tinykube.proxy.model import EndpointInfo, NodeConfig, ProxyState, ServicePortInfo
from tinykube.proxy.model import ServicePortName as Spn

pytestmark = pytest.mark.root

WHY_NOT = ("needs root" if os.geteuid() != 0 else
           next((f"{t} is not installed" for t in ("ip", "nft", "nsenter")
                 if shutil.which(t) is None), None))
TABLE = plan.TABLE
NODE = NodeConfig("node-0", ("172.18.0.2",))


def _ip_netns(*args: str) -> None:
    subprocess.run(["ip", "netns", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def namespaces() -> Iterator[list[str]]:
    """Two fresh namespaces (the tests use one or both)."""
    if WHY_NOT is not None:
        pytest.skip(WHY_NOT)
    names = [f"tinykube-t-nft{secrets.token_hex(3)}-{i}" for i in range(2)]
    try:
        for n in names:
            _ip_netns("add", n)
        yield names
    finally:
        for n in names:
            nft.close(n)
            subprocess.run(["ip", "netns", "delete", n], check=False, capture_output=True)


def nft_binary(netns: str, *args: str,
               stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = ["nsenter", f"--net={netns_path(netns)}", "--", "nft", *args]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                          check=False)


def listing(netns: str) -> dict[str, Any]:
    """The table as data, without handles and with set elements in a fixed order."""
    done = nft_binary(netns, "-j", "list", "table", "ip", TABLE)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = {"chains": {}, "sets": {}, "rules": {}}
    for obj in json.loads(done.stdout)["nftables"]:
        kind, body = next(iter(obj.items()))
        body = {k: v for k, v in body.items() if k != "handle"}
        if kind == "chain":
            out["chains"][body["name"]] = body
        elif kind in ("set", "map"):
            body["elem"] = sorted(json.dumps(e, sort_keys=True) for e in body.get("elem", []))
            out["sets"][body["name"]] = body
        elif kind == "rule":
            out["rules"].setdefault(body["chain"], []).append(body["expr"])
    return out


# --------------------------------------------------------------------------- states

def spn(name: str, proto: str = "TCP") -> Spn:
    return Spn("default", name, "", proto)


def ep(i: int, *, local: bool = True) -> EndpointInfo:
    return EndpointInfo(f"10.244.0.{i}", 8080, node_name="node-0", local=local)


SERVICES = {
    spn("web"): ServicePortInfo(spn("web"), "10.96.0.20", 80),
    spn("np"): ServicePortInfo(spn("np"), "10.96.0.21", 80, node_port=30080,
                               external_ips=("192.0.2.10",), external_policy_local=True),
    spn("lb"): ServicePortInfo(spn("lb"), "10.96.0.22", 443, node_port=30443,
                               load_balancer_ips=("192.0.2.20",),
                               load_balancer_source_ranges=("10.0.0.0/8",)),
    spn("aff"): ServicePortInfo(spn("aff"), "10.96.0.23", 80, session_affinity_timeout=600),
    spn("dns", "UDP"): ServicePortInfo(spn("dns", "UDP"), "10.96.0.10", 53),
    spn("empty"): ServicePortInfo(spn("empty"), "10.96.0.24", 80),
}
ENDPOINTS = {spn("web"): (ep(10), ep(11)), spn("np"): (ep(12), ep(13, local=False)),
             spn("lb"): (ep(14),), spn("aff"): (ep(15), ep(16)),
             spn("dns", "UDP"): (ep(17), ep(18))}


def steps() -> Iterator[tuple[ProxyState, set[Spn] | None]]:
    """A full sync, then partial ones: endpoint replaced, Service added, affinity endpoint
    added; then endpoints for an empty Service and a Service removed, which take elements
    out of maps and sets (by flushing them and adding back the rest: light too)."""
    services, endpoints = dict(SERVICES), dict(ENDPOINTS)
    yield ProxyState(dict(services), dict(endpoints)), None
    endpoints[spn("web")] = (ep(10), ep(19))
    yield ProxyState(dict(services), dict(endpoints)), {spn("web")}
    services[spn("new")] = ServicePortInfo(spn("new"), "10.96.0.25", 8080, node_port=30001)
    endpoints[spn("new")] = (ep(20),)
    yield ProxyState(dict(services), dict(endpoints)), {spn("new")}
    endpoints[spn("aff")] = (ep(15), ep(16), ep(21))
    yield ProxyState(dict(services), dict(endpoints)), {spn("aff")}
    endpoints[spn("empty")] = (ep(22),)
    yield ProxyState(dict(services), dict(endpoints)), {spn("empty")}
    del services[spn("lb")], endpoints[spn("lb")]
    yield ProxyState(dict(services), dict(endpoints)), {spn("lb")}


# --------------------------------------------------------------------------- tests


def run_text(text: str, h: nftlib.Handle) -> nftlib.Outcome:
    return h.nft.run(text)



async def test_light_and_written_forms_leave_the_same_table(namespaces: list[str]) -> None:
    written, light_ns = namespaces
    lib = nftlib.load()
    if lib is None:
        pytest.skip(f"no libnftables: {nftlib.load_error()}")
    session = nftlib.Session(lib, netns_path(light_ns))
    applied, schema, rewritten = plan.EMPTY, nftforms.EMPTY, 0
    try:
        for step, (state, changed) in enumerate(steps()):
            tx = plan.plan(state, NODE, applied, changed, now=step * 0.1)  # no stale deletes
            applied = tx.applied
            done = nft_binary(written, "-f", "-", stdin=tx.text)
            assert done.returncode == 0, done.stderr
            light = nftforms.cache_light(tx.text, schema)
            rewritten += light is not None
            outcome = await session.call(partial(run_text, light or tx.text))
            assert outcome.ok, outcome.error
            schema = nftforms.learn(schema, tx.text)
            assert listing(light_ns) == listing(written), f"after step {step}"
    finally:
        session.close()
    assert rewritten == 6  # every step, the ones that take elements out too


@pytest.fixture(params=["library", "exec"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "exec":
        monkeypatch.setenv(nft.MODE_ENV, "exec")
    elif nftlib.load() is None:
        pytest.skip("no libnftables")
    return str(request.param)


async def test_apply_commits_atomically_and_quotes_the_failing_line(
        namespaces: list[str], mode: str) -> None:
    ns = namespaces[0]
    await nft.apply(ns, f"add table ip {TABLE}\nadd chain ip {TABLE} kept\n"
                        f"add rule ip {TABLE} kept counter\n")
    bad = (f"add chain ip {TABLE} fresh\n"
           f"add rule ip {TABLE} fresh counter\n"
           f"add rule ip {TABLE} fresh jump no-such-chain\n")
    with pytest.raises(SystemError_) as err:
        await nft.apply(ns, bad)
    assert "no-such-chain" in str(err.value) and ns in str(err.value)
    listed = await nft.list_table(ns, TABLE)
    assert listed is not None and listed.chains == {"kept"}  # nothing of the failed one


async def test_list_and_delete_table(namespaces: list[str], mode: str) -> None:
    ns = namespaces[0]
    assert await nft.list_table(ns, TABLE) is None
    await nft.apply(ns, f"add table ip {TABLE}\nadd chain ip {TABLE} c\n"
                        f"add set ip {TABLE} aff {{ type ipv4_addr ; flags dynamic,timeout ; "
                        f"timeout 3h ; }}\n"
                        f"add set ip {TABLE} plain {{ type ipv4_addr ; }}\n"
                        f"add element ip {TABLE} plain {{ 10.0.0.1 }}\n"
                        f"add map ip {TABLE} m {{ type ipv4_addr : verdict ; }}\n")
    listed = await nft.list_table(ns, TABLE)
    assert listed is not None
    assert listed.chains == {"c"} and dict(listed.sets) == {"aff": 10800, "plain": 0, "m": 0}
    assert await nft.delete_table(ns, TABLE) is True
    assert await nft.delete_table(ns, TABLE) is False
    assert await nft.list_table(ns, TABLE) is None


async def test_a_change_made_by_someone_else_is_not_hidden(namespaces: list[str]) -> None:
    ns = namespaces[0]
    if nftlib.load() is None:
        pytest.skip("no libnftables")
    await nft.apply(ns, f"add table ip {TABLE}\n"
                        f"add set ip {TABLE} ips {{ type ipv4_addr ; }}\n")
    await nft.apply(ns, f"add element ip {TABLE} ips {{ 10.0.0.1 }}\n")  # light, from memory
    assert nft_binary(ns, "delete", "set", "ip", TABLE, "ips").returncode == 0
    with pytest.raises(SystemError_, match="No such file"):
        # From memory this would re-create the set; as written, nft finds it gone.
        await nft.apply(ns, f"add element ip {TABLE} ips {{ 10.0.0.2 }}\n")


async def test_a_namespace_made_again_under_the_same_name_gets_a_new_context(
        namespaces: list[str]) -> None:
    ns = namespaces[0]
    await nft.apply(ns, f"add table ip {TABLE}\n")
    _ip_netns("delete", ns)
    _ip_netns("add", ns)
    assert await nft.list_table(ns, TABLE) is None
    await nft.apply(ns, f"add table ip {TABLE}\nadd chain ip {TABLE} again\n")
    listed = await nft.list_table(ns, TABLE)
    assert listed is not None and listed.chains == {"again"}


async def test_a_cancelled_call_that_had_not_started_never_runs(namespaces: list[str]) -> None:
    lib = nftlib.load()
    if lib is None:
        pytest.skip("no libnftables")
    session = nftlib.Session(lib, netns_path(namespaces[0]))
    try:
        busy = asyncio.create_task(session.call(lambda h: time.sleep(0.3)))
        queued = asyncio.create_task(session.call(
            lambda h: h.nft.run(f"add table ip {TABLE}")))
        await asyncio.sleep(0.05)
        queued.cancel()
        await busy
        with pytest.raises(asyncio.CancelledError):
            await queued
        tables = await session.call(lambda h: h.nft.run("list tables"))
        assert tables.ok and TABLE not in tables.output
    finally:
        session.close()
