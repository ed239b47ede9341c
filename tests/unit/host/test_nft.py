"""``host/nft.py`` on the ``nft`` binary, with the command runner faked."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from tinykube.errors import SystemError_
from tinykube.host import nft, nscommand
from tinykube.host.nscommand import Completed

NS = "tinykube-t-unit"
TX = ("add table ip tinykube\n"
      "add chain ip tinykube svc\n"
      "add rule ip tinykube svc counter\n")


class FakeRun:
    """Stands in for ``nscommand.run``: records calls, answers from a list."""

    def __init__(self, *answers: Completed) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, list[str], str | None]] = []

    async def __call__(self, netns: str, argv: Sequence[str], *,
                       stdin: str | None = None) -> Completed:
        self.calls.append((netns, list(argv), stdin))
        return self.answers.pop(0)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> FakeRun:
    monkeypatch.setenv(nft.MODE_ENV, "exec")
    fake = FakeRun()
    monkeypatch.setattr(nscommand, "run", fake)
    return fake


def ok(stdout: str = "") -> Completed:
    return Completed(0, stdout, "")


def failed(stderr: str) -> Completed:
    return Completed(1, "", stderr)


async def test_the_light_form_goes_first(run: FakeRun) -> None:
    run.answers = [ok()]
    await nft.apply(NS, TX)
    [(netns, argv, stdin)] = run.calls
    assert netns == NS and argv == ["nft", "-f", "-"]
    assert stdin is not None and "add rule" not in stdin
    assert "add chain ip tinykube svc { counter ; }" in stdin


async def test_when_the_light_form_fails_the_text_runs_as_written(run: FakeRun) -> None:
    run.answers = [failed("light trouble"), ok()]
    await nft.apply(NS, TX)
    assert [c[2] for c in run.calls][1] == TX


async def test_errors_carry_the_message_about_the_written_text(run: FakeRun) -> None:
    run.answers = [failed("light trouble"), failed("/dev/stdin:3:1-5: Error: as written")]
    with pytest.raises(SystemError_, match="as written") as err:
        await nft.apply(NS, TX)
    assert NS in str(err.value) and "light trouble" not in str(err.value)


async def test_text_that_cannot_be_made_light_runs_once(run: FakeRun) -> None:
    run.answers = [ok()]
    await nft.apply(NS, "delete chain ip tinykube svc\n")
    assert [c[2] for c in run.calls] == ["delete chain ip tinykube svc\n"]


async def test_only_our_namespaces(run: FakeRun) -> None:
    with pytest.raises(ValueError):
        await nft.apply("default", TX)
    assert run.calls == []


def listing(*objs: dict[str, object]) -> str:
    return json.dumps({"nftables": [{"metainfo": {"version": "1.0.6"}}, *objs]})


async def test_list_table_reads_sets_without_elements_and_chains(run: FakeRun) -> None:
    run.answers = [
        ok(listing({"set": {"name": "affinity-X", "table": "tinykube", "timeout": 10800}},
                   {"set": {"name": "cluster-ips", "table": "tinykube"}})),
        ok(listing({"map": {"name": "service-ips", "table": "tinykube", "map": "verdict"}},
                   {"map": {"name": "m", "table": "other", "map": "verdict"}})),
        ok(listing({"chain": {"name": "services", "table": "tinykube"}},
                   {"chain": {"name": "input", "table": "filter"}})),
    ]
    listed = await nft.list_table(NS, "tinykube")
    assert [c[1] for c in run.calls] == [
        ["nft", "-j", "-t", "list", "sets", "table", "ip", "tinykube"],
        ["nft", "-j", "-t", "list", "maps", "ip"],
        ["nft", "-j", "list", "chains", "ip"]]
    assert listed == nft.TableListing(frozenset({"services"}), {
        "affinity-X": 10800, "cluster-ips": 0, "service-ips": 0})


async def test_an_absent_table_lists_as_none_and_other_errors_raise(run: FakeRun) -> None:
    run.answers = [failed("Error: No such file or directory\nlist sets table ip tinykube")]
    assert await nft.list_table(NS, "tinykube") is None
    run.answers = [failed("Error: Operation not permitted")]
    with pytest.raises(SystemError_, match="not permitted"):
        await nft.list_table(NS, "tinykube")


async def test_delete_table(run: FakeRun) -> None:
    run.answers = [ok(), failed("Error: No such file or directory"), failed("Error: busy")]
    assert await nft.delete_table(NS, "tinykube") is True
    assert await nft.delete_table(NS, "tinykube") is False
    with pytest.raises(SystemError_, match="busy"):
        await nft.delete_table(NS, "tinykube")
    assert run.calls[0][1] == ["nft", "delete", "table", "ip", "tinykube"]


def test_set_timeouts_in_seconds() -> None:
    assert nft.timeout_seconds(10800) == 10800
    assert nft.timeout_seconds("3h") == 10800
    assert nft.timeout_seconds("1d2h3m4s") == 93784
