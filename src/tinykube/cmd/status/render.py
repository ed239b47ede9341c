"""``status`` printed: marked lines aligned like ``up``'s progress, or one JSON document.

    tinykube · data dir /root/.local/share/tinykube · pid 4242, up 5m
    ✓ store                 sqlite · running 5m
    ✗ proxy                 nftables · failed 3s ago: nft: syntax error; restarting (2 ...)
    ! dns                   not asked: not root (the question is sent from the node)

      namespaces            4
      services              3: ClusterIP 2 (1 headless), NodePort 1

Pure: a report (and the facts, for JSON) in, text or a JSON-ready dict out.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tinykube.cmd.board import Component
from tinykube.cmd.status.facts import Facts, NodeFacts
from tinykube.cmd.status.verdict import Report

MIN_WIDTH = 20


def text(report: Report) -> str:
    names = [line.name for line in report.lines] + [label for label, _ in report.details]
    width = max([MIN_WIDTH, *(len(n) for n in names)])
    out = [report.title]
    out += [f"{line.mark} {line.name:<{width}} {line.text}" for line in report.lines]
    if report.details:
        out.append("")
        out += [f"  {label:<{width}} {value}" for label, value in report.details]
    return "\n".join(out) + "\n"


def as_json(facts: Facts, report: Report) -> dict[str, Any]:
    board = facts.board
    return {
        "dataDir": facts.data_dir,
        "running": facts.pid is not None,
        "pid": facts.pid if facts.pid and facts.pid > 0 else None,
        "healthy": report.healthy,
        "problems": list(report.problems),
        "started": board.started if board else None,
        "apiserver": _plain(facts.api),
        "components": [_component(c) for c in board.components] if board else [],
        "nodes": [_node(n) for n in facts.nodes],
        "dns": _plain(facts.dns),
        "counts": _plain(facts.counts),
        "nodePorts": [{**_camel_keys(asdict(p)),
                       "publishedOn": list(board.published_on) if board else []}
                      for p in facts.node_ports],
    }


def _component(c: Component) -> dict[str, Any]:
    return {"name": c.name, "state": c.state, "detail": c.detail, "since": c.since,
            "restarts": c.restarts, "error": c.error}


def _node(n: NodeFacts) -> dict[str, Any]:
    return {
        "name": n.name, "ready": n.ready, "reason": n.reason,
        "lastHeartbeatTime": _time(n), "podCIDR": n.pod_cidr, "ip": n.ip,
        "netns": n.netns, "netnsExists": n.netns_exists,
    }


def _time(n: NodeFacts) -> str | None:
    return n.heartbeat.strftime("%Y-%m-%dT%H:%M:%SZ") if n.heartbeat else None


def _plain(value: Any) -> dict[str, Any] | None:
    """A facts dataclass as a dict with camelCase keys (None stays None)."""
    if value is None:
        return None
    return _camel_keys(asdict(value))


def _camel_keys(d: dict[str, Any]) -> dict[str, Any]:
    return {_camel(k): v for k, v in d.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)
