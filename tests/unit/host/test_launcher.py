import pytest

from tinykube.host import launcher


def test_parse_options_and_command():
    o = launcher.parse(["--net", "/run/netns/x", "--hostname", "web-0", "--bind", "/a", "/b",
                        "--bind-ro", "/c", "/d", "--scratch", "/s", "--cwd", "/w", "--tty",
                        "--", "sh", "-c", "echo --net"])
    assert (o.net, o.hostname, o.scratch, o.cwd, o.tty) == ("/run/netns/x", "web-0", "/s",
                                                            "/w", True)
    assert o.binds == [("/a", "/b", False), ("/c", "/d", True)]
    assert o.argv == ["sh", "-c", "echo --net"]
    assert launcher.parse(["--join", "42", "--", "ls"]).join == 42


def test_parse_refuses_unknown_options_and_no_command():
    with pytest.raises(ValueError):
        launcher.parse(["--frobnicate", "--", "ls"])
    with pytest.raises(ValueError):
        launcher.parse(["--cwd", "/"])


def test_main_reports_setup_failures_and_missing_commands(capsys):
    assert launcher.main(["--cwd", "/no/such/dir", "--", "true"]) == launcher.SETUP_FAILED
    assert "cannot start the container" in capsys.readouterr().err


def test_overlay_bookkeeping():
    assert launcher._under("/run/secrets", {"/run"})
    assert not launcher._under("/runner", {"/run"})
