import asyncio
import os
import signal

from tinykube.host import process


def test_launcher_argv():
    s = process.Spawn(argv=("sleep", "1"), netns="/run/netns/tinykube-x", hostname="h",
                      binds=(process.Bind("/a", "/etc/hosts"), process.Bind("/s", "/sa", True)),
                      scratch="/scratch", cwd="/w", stdio="pty")
    argv = process.launcher_argv(s, python="py")
    assert argv[:4] == ["py", "-I", "-S", process.LAUNCHER]
    assert argv[4:] == ["--net", "/run/netns/tinykube-x", "--hostname", "h", "--bind", "/a",
                        "/etc/hosts", "--bind-ro", "/s", "/sa", "--scratch", "/scratch",
                        "--cwd", "/w", "--tty", "--", "sleep", "1"]
    joined = process.launcher_argv(process.Spawn(argv=("ls",), join_pid=7, netns="/x"), "py")
    assert joined[4:] == ["--join", "7", "--", "ls"]


async def test_output_to_a_file_and_exit_codes(tmp_path):
    log = tmp_path / "c.log"
    p = process.start(process.Spawn(argv=("sh", "-c", "echo out; echo err >&2; exit 3"),
                                    env={"PATH": os.environ["PATH"]}, output=str(log)))
    assert await p.wait() == 3
    assert log.read_text() == "out\nerr\n"
    assert not p.running


async def test_pipes_and_stdin(tmp_path):
    p = process.start(process.Spawn(argv=("cat",), env={"PATH": os.environ["PATH"]},
                                    stdio="pipes", stdin=True))
    assert p.stdin_fd is not None and p.stdout_fd is not None
    os.write(p.stdin_fd, b"hello")
    os.close(p.stdin_fd)
    p.stdin_fd = None
    assert await p.wait() == 0
    assert os.read(p.stdout_fd, 100) == b"hello"
    p.close()


async def test_signals_reach_the_group_and_deaths_by_signal_are_128_plus_n(tmp_path):
    pidfile = tmp_path / "child"
    p = process.start(process.Spawn(
        argv=("sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"),
        env={"PATH": os.environ["PATH"]}, stdio="null"))
    for _ in range(200):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        await asyncio.sleep(0.01)
    child = int(pidfile.read_text())
    p.signal(signal.SIGTERM)
    assert await p.wait() == 128 + signal.SIGTERM
    await asyncio.sleep(0.05)
    assert _gone(child)
    p.signal(signal.SIGKILL)   # after the exit: a no-op, never another process


async def test_the_group_dies_with_its_main_process(tmp_path):
    pidfile = tmp_path / "child"
    p = process.start(process.Spawn(
        argv=("sh", "-c", f"sleep 60 & echo $! > {pidfile}; exit 0"),
        env={"PATH": os.environ["PATH"]}, stdio="null"))
    assert await p.wait() == 0
    await asyncio.sleep(0.05)
    assert _gone(int(pidfile.read_text()))


async def test_a_missing_command_exits_127_with_a_message(tmp_path):
    log = tmp_path / "c.log"
    p = process.start(process.Spawn(argv=("no-such-command-xyz",), env={"PATH": "/usr/bin"},
                                    output=str(log)))
    assert await p.wait() == 127
    assert 'exec: "no-such-command-xyz": executable file not found' in log.read_text()


def test_nothing_lives_in_a_namespace_that_does_not_exist():
    assert process.pids_in_netns("/run/netns/tinykube-does-not-exist") == []
    assert process.kill_in_netns("/run/netns/tinykube-does-not-exist") == []


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True
