"""Judging the facts: which lines are ✓, ✗ or !, and which problems make exit status 1."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tinykube.cmd.board import Component, Snapshot
from tinykube.cmd.status.facts import ApiFacts, Counts, DnsFacts, Facts, NodeFacts, NodePort
from tinykube.cmd.status.verdict import Line, judge

NOW = datetime(2024, 5, 1, 10, 5, 0, tzinfo=UTC)
T0 = "2024-05-01T10:00:00Z"
NODE = "tinykube-control-plane"


def _board(*components: Component, node: str = NODE) -> Snapshot:
    return Snapshot(42, T0, components or (
        Component("store", "running", T0, "sqlite"),
        Component("apiserver", "running", T0, "127.0.0.1:6443"),
        Component("node-agent", "running", T0, NODE),
        Component("proxy", "running", T0, "nftables"),
        Component("dns", "running", T0, "10.96.0.10 on 172.18.0.2:53"),
    ), node=node, published_on=("127.0.0.1",) if node else ())


def _node(**changes: object) -> NodeFacts:
    n = NodeFacts(NODE, "True", "KubeletReady", NOW - timedelta(seconds=4),
                  NOW - timedelta(minutes=5), "10.244.0.0/24", "172.18.0.2",
                  f"/run/netns/{NODE}", True)
    return replace(n, **changes)  # type: ignore[arg-type]


DNS_OK = DnsFacts("172.18.0.2:53", "kubernetes.default.svc.cluster.local", "10.96.0.1",
                  answers=("10.96.0.1",), ms=2.0)


def _facts(**changes: object) -> Facts:
    f = Facts("/d", NOW, pid=42, board=_board(),
              api=ApiFacts("https://127.0.0.1:6443", "v1.32.4", ready=True),
              nodes=(_node(),), dns=DNS_OK,
              counts=Counts(4, 1, 1, {"ClusterIP": 2, "NodePort": 1}, 1,
                            {"Running": 2, "Pending": 1}, 2, 3, 3),
              node_ports=(NodePort("default", "web", "NodePort", 80, "TCP", 30080),))
    return replace(f, **changes)  # type: ignore[arg-type]


def _line(report_lines: tuple[Line, ...], name: str) -> Line:
    return next(line for line in report_lines if line.name == name)


def test_a_healthy_cluster() -> None:
    r = judge(_facts())
    assert r.healthy and r.problems == ()
    assert r.title == "tinykube · data dir /d · pid 42, up 5m"
    assert [(line.mark, line.name) for line in r.lines] == [
        ("✓", "store"), ("✓", "apiserver"), ("✓", "node-agent"), ("✓", "proxy"),
        ("✓", "dns"), ("✓", f"node {NODE}"), ("✓", "dns answers")]
    assert _line(r.lines, "store").text == "sqlite · running 5m"
    assert _line(r.lines, "apiserver").text == (
        "https://127.0.0.1:6443 · v1.32.4 · ready · running 5m")
    assert _line(r.lines, f"node {NODE}").text == (
        f"Ready 5m · heartbeat 4s ago · pod CIDR 10.244.0.0/24 · IP 172.18.0.2 · "
        f"/run/netns/{NODE}")
    assert "→ 10.96.0.1" in _line(r.lines, "dns answers").text
    details = dict(r.details[:6])
    assert details == {"namespaces": "4", "nodes": "1 (1 Ready)",
                       "services": "3: ClusterIP 2 (1 headless), NodePort 1",
                       "pods": "3: Running 2, Pending 1 · 2 ready",
                       "endpoints": "3", "endpointslices": "3"}
    assert r.details[6:] == (("nodeports", "1 published on 127.0.0.1"),
                             ("", "127.0.0.1:30080/TCP → default/web:80"))


def test_no_cluster_says_how_to_start_one() -> None:
    r = judge(Facts("/d", NOW), "tinykube up -d --data-dir /d")
    assert not r.healthy
    assert r.problems == ("no tinykube is running on data dir /d; start one with "
                          "`tinykube up -d --data-dir /d`",)


def test_a_restarting_component_is_a_problem_with_its_error() -> None:
    board = _board(Component("store", "running", T0, "sqlite"),
                   Component("proxy", "restarting", "2024-05-01T10:04:57Z", "nftables", 2,
                             "nft: syntax error"))
    r = judge(_facts(board=board))
    assert _line(r.lines, "proxy") == Line(
        "✗", "proxy", "nftables · failed 3s ago: nft: syntax error; restarting "
        "(2 restarts so far)")
    assert r.problems == ("proxy failed: nft: syntax error (restarting)",)


def test_a_component_that_came_back_is_fine_and_shows_its_last_error() -> None:
    board = _board(Component("dns", "running", T0, "", 1, "bind failed"))
    r = judge(_facts(board=board))
    assert r.healthy
    assert _line(r.lines, "dns").text == "running 5m · 1 restart, last error: bind failed"


def test_failed_starting_and_stopping_components() -> None:
    board = _board(Component("node-agent", "failed", T0, NODE, error="netns gone"),
                   Component("dns", "starting", T0),
                   Component("informers", "stopping", T0))
    r = judge(_facts(board=board))
    assert [line.mark for line in r.lines[:3]] == ["✗", "✗", "✗"]
    assert r.problems == ("node-agent failed: netns gone", "dns is still starting",
                          "the cluster is stopping")


def test_off_components_and_no_node_are_notes_not_problems() -> None:
    board = _board(Component("store", "running", T0, "sqlite"),
                   Component("proxy", "off", T0, "off: not root"), node="")
    r = judge(_facts(board=board, nodes=(), dns=None, node_ports=()))
    assert r.healthy
    assert _line(r.lines, "proxy") == Line("!", "proxy", "off: not root")
    assert _line(r.lines, "node").mark == "!"
    assert ("nodeports", "none") in r.details


def test_node_ports_without_the_node_part_are_not_published() -> None:
    r = judge(_facts(board=_board(Component("store", "running", T0), node=""), nodes=(),
                     dns=None))
    assert r.details[6:] == (("nodeports", "1, not published (the node part is off)"),
                             ("", "30080/TCP → default/web:80"))


def test_a_not_ready_node_and_a_missing_namespace() -> None:
    r = judge(_facts(nodes=(_node(ready="False", reason="KubeletNotReady"),)))
    assert _line(r.lines, f"node {NODE}").mark == "✗"
    assert r.problems == (f"node {NODE} is NotReady (KubeletNotReady)",)
    r = judge(_facts(nodes=(_node(netns_exists=False),)))
    assert f"no /run/netns/{NODE}" in _line(r.lines, f"node {NODE}").text
    assert r.problems == (f"node {NODE} has no network namespace /run/netns/{NODE}",)


def test_another_nodes_missing_namespace_is_no_problem() -> None:
    r = judge(_facts(nodes=(_node(), _node(name="hand-made", netns_exists=False))))
    assert r.healthy
    assert "netns" not in _line(r.lines, "node hand-made").text


def test_a_late_heartbeat_is_a_note() -> None:
    r = judge(_facts(nodes=(_node(heartbeat=NOW - timedelta(seconds=75)),)))
    line = _line(r.lines, f"node {NODE}")
    assert line.mark == "!" and "heartbeat 75s ago (late)" in line.text
    assert r.healthy


def test_our_node_missing_from_the_api() -> None:
    r = judge(_facts(nodes=()))
    assert r.problems == (f"node {NODE} is not registered in the API",)


def test_the_api_not_answering_or_not_ready() -> None:
    r = judge(_facts(api=ApiFacts("https://127.0.0.1:6443", error="Connection refused"),
                     nodes=(), dns=None, counts=None, node_ports=()))
    assert _line(r.lines, "apiserver").mark == "✗"
    assert r.problems == ("the API at https://127.0.0.1:6443 does not answer: "
                          "Connection refused",)
    assert r.details == ()
    r = judge(_facts(api=ApiFacts("https://127.0.0.1:6443", "v1.32.4"), counts=None))
    assert "the API at https://127.0.0.1:6443 is not ready (/readyz)" in r.problems


def test_dns_not_answering_skipped_or_wrong() -> None:
    r = judge(_facts(dns=replace(DNS_OK, answers=(), error="no answer within 2 s")))
    assert r.problems == ("the cluster DNS at 172.18.0.2:53 does not answer "
                          "kubernetes.default.svc.cluster.local: no answer within 2 s",)
    r = judge(_facts(dns=replace(DNS_OK, answers=("10.96.0.99",))))
    assert "answered 10.96.0.99" in r.problems[0]
    r = judge(_facts(dns=replace(DNS_OK, answers=(), skipped="not root")))
    assert r.healthy and _line(r.lines, "dns answers") == Line("!", "dns answers",
                                                               "not asked: not root")


def test_no_board_yet() -> None:
    r = judge(_facts(board=None, pid=-1))
    assert r.title == "tinykube · data dir /d · starting"
    assert _line(r.lines, "components").mark == "✗"
    assert _line(r.lines, "apiserver").mark == "✓"
    assert "published no component states" in r.problems[0]


def test_list_errors_are_problems() -> None:
    r = judge(_facts(errors=("cannot list pods: HTTP 500",)))
    assert r.problems == ("cannot list pods: HTTP 500",)


def test_many_node_ports_are_cut_short() -> None:
    ports = tuple(NodePort("d", f"s{i}", "NodePort", 80, "TCP", 30000 + i) for i in range(25))
    r = judge(_facts(node_ports=ports))
    assert r.details[-1] == ("", "… and 5 more (tinykube get svc -A)")
    assert len(r.details) == 6 + 1 + 20 + 1
