"""Progress lines and the summary `up` prints."""

from __future__ import annotations

import io

import pytest

from tinykube.cmd.progress import Progress, Summary, step_line, summary


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
