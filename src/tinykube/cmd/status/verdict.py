"""Judging what ``status`` found: a marked line for each thing looked at, and the problems.

    ✓ the thing runs and answers        ✗ it does not (a problem: exit status 1)
    ! the user should know (off, skipped, late), but nothing is wrong

Pure: the facts in, a ``Report`` out. Every ``✗`` line adds one problem, a short sentence
``command`` prints on stderr; a report without problems is healthy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tinykube.cli.age import human_duration, parse
from tinykube.cmd.board import Component
from tinykube.cmd.status.facts import ApiFacts, Counts, DnsFacts, Facts, NodeFacts, NodePort

OK, BAD, NOTE = "✓", "✗", "!"
HEARTBEAT_LATE = 60.0  # seconds; the agent renews the node's Ready condition every 10 s
NODEPORTS_SHOWN = 20
NODE_OFF = "off: not root (`sudo tinykube up` runs pods, the dataplane and DNS)"


@dataclass(frozen=True)
class Line:
    mark: str
    name: str
    text: str


@dataclass(frozen=True)
class Report:
    title: str
    lines: tuple[Line, ...]
    details: tuple[tuple[str, str], ...] = ()  # the counts: (label, text)
    problems: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return not self.problems


class _Builder:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.problems: list[str] = []

    def add(self, mark: str, name: str, text: str, problem: str = "") -> None:
        self.lines.append(Line(mark, name, text))
        if mark == BAD and problem and problem not in self.problems:
            self.problems.append(problem)


def not_running(data_dir: str, start_hint: str) -> str:
    return f"no tinykube is running on data dir {data_dir}; start one with `{start_hint}`"


def judge(facts: Facts, start_hint: str = "tinykube up -d") -> Report:
    if facts.pid is None:
        problem = not_running(facts.data_dir, start_hint)
        return Report(f"tinykube · data dir {facts.data_dir}",
                      (Line(BAD, "cluster", "not running"),), problems=(problem,))
    b = _Builder()
    _components(b, facts)
    _nodes(b, facts)
    if facts.dns is not None:
        _dns(b, facts.dns)
    for error in facts.errors:
        b.add(BAD, "api", error, error)
    details = _details(facts) if facts.counts is not None else ()
    return Report(_title(facts), tuple(b.lines), details, tuple(b.problems))


def _title(facts: Facts) -> str:
    who = f"pid {facts.pid}" if facts.pid and facts.pid > 0 else "starting"
    started = parse(facts.board.started) if facts.board else None
    up = f", up {_age(started, facts.now)}" if started else ""
    return f"tinykube · data dir {facts.data_dir} · {who}{up}"


# --------------------------------------------------------------------------- components


def _components(b: _Builder, facts: Facts) -> None:
    if facts.board is None:
        who = f" (pid {facts.pid})" if facts.pid and facts.pid > 0 else ""
        b.add(BAD, "components", "no states published yet (is it starting?)",
              f"the running tinykube{who} has published no component states yet; it may "
              "still be starting")
        if facts.api is not None:
            _api(b, "apiserver", "", facts.api)
        return
    for c in facts.board.components:
        if c.name == "apiserver" and facts.api is not None and c.state == "running":
            _api(b, c.name, _running(replace(c, detail=""), facts.now), facts.api)
        else:
            _component(b, c, facts.now)
    if facts.api is not None and facts.board.component("apiserver") is None:
        _api(b, "apiserver", "", facts.api)


def _component(b: _Builder, c: Component, now: datetime) -> None:
    since = _age(parse(c.since), now)
    detail = f"{c.detail} · " if c.detail else ""
    if c.state == "running":
        b.add(OK, c.name, _running(c, now))
    elif c.state == "off":
        b.add(NOTE, c.name, c.detail or "off")
    elif c.state == "starting":
        b.add(BAD, c.name, f"{detail}starting ({since})", f"{c.name} is still starting")
    elif c.state == "restarting":
        b.add(BAD, c.name, f"{detail}failed {since} ago: {c.error}; restarting "
              f"({_restarts(c.restarts)} so far)", f"{c.name} failed: {c.error} (restarting)")
    elif c.state == "failed":
        b.add(BAD, c.name, f"{detail}failed {since} ago: {c.error}",
              f"{c.name} failed: {c.error}")
    else:
        b.add(BAD, c.name, f"{detail}stopping", "the cluster is stopping")


def _running(c: Component, now: datetime) -> str:
    parts = [c.detail] if c.detail else []
    parts.append(f"running {_age(parse(c.since), now)}")
    if c.restarts:
        parts.append(f"{_restarts(c.restarts)}, last error: {c.error}")
    return " · ".join(parts)


def _api(b: _Builder, name: str, running: str, api: ApiFacts) -> None:
    """The API server's line: what it answers, then (when known) how long it has run."""
    tail = f" · {running}" if running else ""
    if api.error:
        b.add(BAD, name, f"{api.server} does not answer: {api.error}{tail}",
              f"the API at {api.server} does not answer: {api.error}")
    elif not api.ready:
        b.add(BAD, name, f"{api.server} · {api.version} · not ready (/readyz){tail}",
              f"the API at {api.server} is not ready (/readyz)")
    else:
        b.add(OK, name, f"{api.server} · {api.version} · ready{tail}")


# --------------------------------------------------------------------------- nodes and DNS


def _nodes(b: _Builder, facts: Facts) -> None:
    ours = facts.board.node if facts.board else ""
    if facts.board is not None and not ours and not facts.nodes:
        b.add(NOTE, "node", NODE_OFF)
        return
    for n in facts.nodes:
        _node(b, n, n.name == ours, facts.now)
    if ours and facts.api is not None and not facts.api.error and \
            all(n.name != ours for n in facts.nodes) and facts.counts is not None:
        b.add(BAD, f"node {ours}", "not registered in the API",
              f"node {ours} is not registered in the API")


def _node(b: _Builder, n: NodeFacts, ours: bool, now: datetime) -> None:
    name = f"node {n.name}"
    ready = "Ready" if n.ready == "True" else "NotReady" if n.ready == "False" else "Unknown"
    parts = [f"{ready} {_age(n.ready_since, now)}" if n.ready_since else ready]
    late = n.heartbeat is not None and (now - n.heartbeat).total_seconds() > HEARTBEAT_LATE
    if n.heartbeat is not None:
        parts.append(f"heartbeat {_age(n.heartbeat, now)} ago" + (" (late)" if late else ""))
    parts += [f"pod CIDR {n.pod_cidr or '<none>'}", f"IP {n.ip or '<none>'}"]
    if n.netns_exists:
        parts.append(n.netns)
    elif ours:
        parts.append(f"no {n.netns}")
    text = " · ".join(parts)
    if n.ready != "True":
        reason = f" ({n.reason})" if n.reason else ""
        b.add(BAD, name, text, f"node {n.name} is {ready}{reason}")
    elif ours and not n.netns_exists:
        b.add(BAD, name, text, f"node {n.name} has no network namespace {n.netns}")
    else:
        b.add(NOTE if late else OK, name, text)


def _dns(b: _Builder, d: DnsFacts) -> None:
    name = "dns answers"
    if d.skipped:
        b.add(NOTE, name, f"not asked: {d.skipped}")
    elif d.expected in d.answers:
        b.add(OK, name, f"{d.name} → {d.expected} (asked {d.server}, {d.ms:.0f} ms)")
    else:
        got = d.error or f"answered {', '.join(d.answers) or 'no address'}"
        b.add(BAD, name, f"{d.name} at {d.server}: {got}",
              f"the cluster DNS at {d.server} does not answer {d.name}: {got}")


# --------------------------------------------------------------------------- counts


def _details(facts: Facts) -> tuple[tuple[str, str], ...]:
    c = facts.counts
    assert c is not None
    rows = [
        ("namespaces", str(c.namespaces)),
        ("nodes", f"{c.nodes} ({c.nodes_ready} Ready)" if c.nodes else "0"),
        ("services", _services(c)),
        ("pods", _pods(c)),
        ("endpoints", str(c.endpoints)),
        ("endpointslices", str(c.endpointslices)),
    ]
    return (*rows, *_node_port_rows(facts))


def _services(c: Counts) -> str:
    total = sum(c.services.values())
    if not total:
        return "0"
    kinds = [f"{k} {n}" + (f" ({c.headless} headless)" if k == "ClusterIP" and c.headless
                           else "") for k, n in c.services.items()]
    return f"{total}: {', '.join(kinds)}"


def _pods(c: Counts) -> str:
    total = sum(c.pods.values())
    if not total:
        return "0"
    phases = ", ".join(f"{k} {n}" for k, n in c.pods.items())
    return f"{total}: {phases} · {c.pods_ready} ready"


def _node_port_rows(facts: Facts) -> list[tuple[str, str]]:
    ports = facts.node_ports
    on = facts.board.published_on if facts.board else ()
    if not ports:
        return [("nodeports", "none")]
    if not on:
        head = f"{len(ports)}, not published (the node part is off)"
        where = ""
    else:
        head = f"{len(ports)} published on {', '.join(on)}"
        where = on[0]
    rows = [("nodeports", head)]
    rows += [("", _node_port(p, where)) for p in ports[:NODEPORTS_SHOWN]]
    if len(ports) > NODEPORTS_SHOWN:
        rows.append(("", f"… and {len(ports) - NODEPORTS_SHOWN} more (tinykube get svc -A)"))
    return rows


def _node_port(p: NodePort, where: str) -> str:
    at = f"{where}:" if where else ""
    return (f"{at}{p.node_port}/{p.protocol} → {p.namespace}/{p.service}:{p.port}"
            + (" (LoadBalancer)" if p.type == "LoadBalancer" else ""))


def _restarts(n: int) -> str:
    return f"{n} restart" + ("" if n == 1 else "s")


def _age(at: datetime | None, now: datetime) -> str:
    return human_duration((now - at).total_seconds()) if at is not None else "?"
