"""Rendering: aligned marked lines like up's progress, and the JSON document."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tinykube.cmd.board import Component, Snapshot
from tinykube.cmd.status import render
from tinykube.cmd.status.facts import ApiFacts, Counts, Facts, NodeFacts, NodePort
from tinykube.cmd.status.verdict import Line, Report, judge

NOW = datetime(2024, 5, 1, 10, 5, 0, tzinfo=UTC)


def test_text_aligns_names_and_details() -> None:
    report = Report("tinykube · data dir /d · pid 1",
                    (Line("✓", "store", "sqlite · running 5m"),
                     Line("✗", "a-rather-long-component", "failed"),
                     Line("!", "dns", "off: not root")),
                    (("namespaces", "4"), ("", "more")))
    lines = render.text(report).splitlines()
    assert lines == [
        "tinykube · data dir /d · pid 1",
        "✓ store                   sqlite · running 5m",
        "✗ a-rather-long-component failed",
        "! dns                     off: not root",
        "",
        "  namespaces              4",
        "                          more",
    ]


def test_short_names_get_the_minimum_width() -> None:
    text = render.text(Report("t", (Line("✓", "store", "x"),)))
    assert text == "t\n✓ " + "store".ljust(render.MIN_WIDTH) + " x\n"


def test_json_document() -> None:
    board = Snapshot(42, "2024-05-01T10:00:00Z",
                     (Component("proxy", "restarting", "2024-05-01T10:04:00Z", "nftables", 1,
                                "boom"),), node="n", published_on=("127.0.0.1",))
    facts = Facts("/d", NOW, pid=42, board=board,
                  api=ApiFacts("https://127.0.0.1:6443", "v1.32.4", ready=True),
                  nodes=(NodeFacts("n", "True", heartbeat=NOW, netns="/run/netns/tinykube-n",
                                   netns_exists=True),),
                  counts=Counts(namespaces=4, services={"ClusterIP": 1}),
                  node_ports=(NodePort("default", "web", "NodePort", 80, "TCP", 30080),))
    doc = render.as_json(facts, judge(facts))
    json.dumps(doc)  # serialisable as is
    assert doc["running"] is True and doc["pid"] == 42 and doc["healthy"] is False
    assert doc["problems"] == ["proxy failed: boom (restarting)"]
    assert doc["components"] == [{"name": "proxy", "state": "restarting", "detail": "nftables",
                                  "since": "2024-05-01T10:04:00Z", "restarts": 1,
                                  "error": "boom"}]
    assert doc["apiserver"] == {"server": "https://127.0.0.1:6443", "version": "v1.32.4",
                                "ready": True, "error": ""}
    assert doc["nodes"][0]["lastHeartbeatTime"] == "2024-05-01T10:05:00Z"
    assert doc["nodes"][0]["netnsExists"] is True
    assert doc["counts"]["namespaces"] == 4 and doc["counts"]["podsReady"] == 0
    assert doc["nodePorts"] == [{"namespace": "default", "service": "web", "type": "NodePort",
                                 "port": 80, "protocol": "TCP", "nodePort": 30080,
                                 "publishedOn": ["127.0.0.1"]}]
    assert doc["dns"] is None


def test_json_without_a_cluster() -> None:
    facts = Facts("/d", NOW)
    doc = render.as_json(facts, judge(facts))
    assert (doc["running"], doc["pid"], doc["healthy"], doc["components"]) == (
        False, None, False, [])
