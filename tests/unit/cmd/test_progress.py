"""Progress lines and the summary `up` prints."""

from __future__ import annotations

import io

import pytest

from tinykube.cmd.progress import NodeSummary, Progress, Summary, step_line, summary


def test_step_line_names_the_stage_and_its_time() -> None:
    line = step_line("store (sqlite)", 12.4)
    assert line.startswith("✓ store (sqlite)")
    assert line.endswith(" 12 ms")


def test_failed_step_is_marked_and_the_error_goes_on() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Progress(out).step("apiserver"):
        raise RuntimeError("boom")
    assert out.getvalue().startswith("✗ apiserver")


def test_summary_tells_how_to_use_kubectl() -> None:
    text = summary(Summary("/d/kubeconfig", "https://127.0.0.1:6443", "/d"))
    assert "export KUBECONFIG=/d/kubeconfig" in text
    assert "https://127.0.0.1:6443" in text
    assert "Ctrl-C" in text


def test_detached_summary_says_how_to_stop() -> None:
    text = summary(Summary("/d/kubeconfig", "https://x:1", "/d", detached_pid=42, log_file="/d/l"))
    assert "pid 42" in text and "tinykube down" in text and "Ctrl-C" not in text


def test_summary_lists_the_node_dns_and_where_nodeports_are() -> None:
    text = summary(Summary("/d/k", "https://x:1", "/d",
                           node=NodeSummary("tinykube-n1", "10.96.0.10", ("127.0.0.1", "0.0.0.0"))))
    assert "tinykube-n1" in text and "tinykube shell" in text
    assert "dns         10.96.0.10" in text
    assert "published on 127.0.0.1, 0.0.0.0" in text and "kubectl get svc -A" in text


def test_summary_says_pods_are_off_without_the_node_part() -> None:
    text = summary(Summary("/d/k", "https://x:1", "/d", node_off="not root"))
    assert "pods        off: not root" in text
    assert "dns " not in text


def test_notes_are_marked_lines() -> None:
    out = io.StringIO()
    Progress(out).note("nft not found")
    assert out.getvalue() == "! nft not found\n"
