import pytest

from tinykube.agent import logs
from tinykube.errors import BadRequest

POD = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}],
                                           "initContainers": [{"name": "init"}]}}


def test_options_from_kubectls_query():
    o = logs.options({"container": "a", "follow": "true", "tailLines": "10", "limitBytes": "5"})
    assert o == logs.LogOptions("a", True, False, 10, 5)
    assert logs.options({}) == logs.LogOptions()
    with pytest.raises(BadRequest):
        logs.options({"tailLines": "x"})
    with pytest.raises(BadRequest):
        logs.options({"limitBytes": "0"})


def test_pick_container_words_errors_like_the_api():
    assert logs.pick_container(POD, "b") == "b"
    assert logs.pick_container(POD, "init") == "init"
    assert logs.pick_container({"spec": {"containers": [{"name": "only"}]}}, None) == "only"
    with pytest.raises(BadRequest, match="container zz is not valid for pod p"):
        logs.pick_container(POD, "zz")
    with pytest.raises(BadRequest, match=r"choose one of: \[a b\] or one of the init "
                                         r"containers: \[init\]"):
        logs.pick_container(POD, None)


def test_tail():
    assert logs.tail(b"1\n2\n3\n", 2) == b"2\n3\n"
    assert logs.tail(b"1\n2\n3", 2) == b"2\n3"
    assert logs.tail(b"1\n2\n", 5) == b"1\n2\n"
    assert logs.tail(b"1\n2\n", 0) == b""


async def collect(path, opts, running=lambda: False) -> bytes:
    out: list[bytes] = []

    async def emit(data: bytes) -> None:
        out.append(data)
    await logs.stream(path, opts, running, emit)
    return b"".join(out)


async def test_stream_tail_and_limit_on_a_big_file(tmp_path):
    path = tmp_path / "0.log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(20000)))
    assert await collect(path, logs.LogOptions(tail_lines=2)) == b"line 19998\nline 19999\n"
    assert await collect(path, logs.LogOptions(limit_bytes=7)) == b"line 0\n"
    assert await collect(tmp_path / "missing.log", logs.LogOptions()) == b""


async def test_follow_reads_what_is_written_until_the_run_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "FOLLOW_POLL", 0.001)
    path = tmp_path / "0.log"
    path.write_bytes(b"a\n")
    polls = {"n": 0}

    def running() -> bool:
        polls["n"] += 1
        if polls["n"] == 2:
            with path.open("ab") as fh:
                fh.write(b"b\n")
        return polls["n"] < 4
    assert await collect(path, logs.LogOptions(follow=True), running) == b"a\nb\n"
