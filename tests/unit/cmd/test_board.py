"""The board: each change of a component's state is in the file, written whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tinykube.cmd.board import Board, Component, Snapshot, decode, encode, load, one_line

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _board(tmp_path: Path, clock: _Clock | None = None) -> Board:
    return Board(tmp_path / "components.json", pid=42, node="n1", published_on=("127.0.0.1",),
                 clock=clock or _Clock())


def _published(tmp_path: Path) -> Snapshot:
    snap = load(tmp_path / "components.json")
    assert snap is not None
    return snap


def test_every_change_is_published(tmp_path: Path) -> None:
    clock = _Clock()
    board = _board(tmp_path, clock)
    board.declare("store", "sqlite")
    board.declare("dns", off="off: not root")
    assert _published(tmp_path).component("store") == Component(
        "store", "starting", "2024-05-01T10:00:00Z", detail="sqlite")
    clock.now += timedelta(seconds=5)
    with board.step("store"):
        pass
    snap = _published(tmp_path)
    assert snap.component("store") == Component(
        "store", "running", "2024-05-01T10:00:05Z", detail="sqlite")
    assert snap.component("dns") == Component(
        "dns", "off", "2024-05-01T10:00:00Z", detail="off: not root")
    assert (snap.pid, snap.node, snap.published_on) == (42, "n1", ("127.0.0.1",))
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failed_step_is_failed_with_its_error(tmp_path: Path) -> None:
    board = _board(tmp_path)
    board.declare("apiserver")
    with pytest.raises(OSError), board.step("apiserver"):
        raise OSError("port 6443 is in use\nmore detail")
    c = _published(tmp_path).component("apiserver")
    assert c is not None and (c.state, c.error) == ("failed", "port 6443 is in use")


def test_a_failure_during_the_start_step_is_not_hidden_by_its_end(tmp_path: Path) -> None:
    board = _board(tmp_path)
    board.declare("proxy")
    with board.step("proxy"):
        board.restarting("proxy", "nft: syntax error")
    c = _published(tmp_path).component("proxy")
    assert c is not None and c.state == "restarting"


def test_a_restart_is_counted_and_the_last_error_kept(tmp_path: Path) -> None:
    board = _board(tmp_path)
    board.declare("dns")
    board.started("dns")
    board.started("dns")  # not starting: no change
    board.restarting("dns", "bind: address in use")
    board.rerun("dns")
    board.restarting("dns", "again")
    board.rerun("dns")
    c = _published(tmp_path).component("dns")
    assert c is not None and (c.state, c.restarts, c.error) == ("running", 2, "again")


def test_stopping_leaves_off_components_alone_and_remove_takes_the_file(
        tmp_path: Path) -> None:
    board = _board(tmp_path)
    board.declare("store")
    board.declare("proxy", off="off: not root")
    board.stopping()
    assert [c.state for c in _published(tmp_path).components] == ["stopping", "off"]
    board.remove()
    assert load(tmp_path / "components.json") is None
    board.remove()  # twice is fine


def test_an_unwritable_place_never_fails_the_cluster(tmp_path: Path) -> None:
    board = Board(tmp_path / "missing" / "components.json", pid=1)
    board.declare("store")
    board.started("store")
    c = board.snapshot.component("store")
    assert c is not None and c.state == "running"


def test_encode_decode_round_trip() -> None:
    snap = Snapshot(7, "2024-05-01T10:00:00Z", (
        Component("proxy", "restarting", "2024-05-01T10:01:00Z", "nftables", 3, "boom"),),
        node="n", published_on=("0.0.0.0",))
    assert decode(encode(snap)) == snap


@pytest.mark.parametrize("text", ["", "{", "[]", '{"pid": 1}',
                                  '{"pid": 1, "started": "", "components": '
                                  '[{"name": "x", "state": "dancing", "since": ""}]}'])
def test_what_is_not_a_board_is_none(tmp_path: Path, text: str) -> None:
    path = tmp_path / "components.json"
    path.write_text(text)
    assert load(path) is None


def test_one_line() -> None:
    assert one_line(RuntimeError("a\nb")) == "a"
    assert one_line(TimeoutError()) == "TimeoutError"
    long = one_line("x" * 500)
    assert len(long) == 200 and long.endswith("…")
