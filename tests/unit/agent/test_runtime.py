from pathlib import Path

from tinykube.agent import runtime, sandbox
from tinykube.agent.config import AgentConfig

CFG = AgentConfig(state_dir=Path("/data"), node_name="tinykube-n1")
POD = {"metadata": {"name": "p", "namespace": "default", "uid": "abc-def"}, "spec": {}}


def test_spawn_for_puts_the_container_in_the_pods_namespaces():
    lay = sandbox.Layout.of(POD, CFG)
    s = runtime.spawn_for(lay, {"name": "c", "workingDir": "/tmp"}, ["sleep", "1"],
                          {"PATH": "/bin"}, hostname="p", restart=3, service_account=True)
    assert s.argv == ("sleep", "1") and s.netns == lay.netns_path and s.hostname == "p"
    assert s.cwd == "/tmp" and s.stdio == "file" and s.output == str(lay.log_path("c", 3))
    assert s.scratch == str(lay.scratch("c", 3)) and len(s.binds) == 4
    tty = runtime.spawn_for(lay, {"name": "c", "tty": True, "stdin": True}, ["sh"], {},
                            hostname="p", restart=0, service_account=False)
    assert tty.stdio == "pty" and tty.stdin and tty.cwd == "/"


def test_exec_spawn_joins_a_running_container():
    s = runtime.exec_spawn(42, ["ls"], {"A": "1"}, tty=False)
    assert s.join_pid == 42 and s.stdio == "pipes" and not s.kill_group_on_exit


def test_missing_executables_are_reported_like_containerd():
    assert runtime.missing_executable(["sh"], {"PATH": "/usr/bin:/bin"}) is None
    assert runtime.missing_executable(["/bin/sh"], {}) is None
    msg = runtime.missing_executable(["no-such-tool-xyz"], {"PATH": "/usr/bin"})
    assert msg is not None and 'exec: "no-such-tool-xyz": executable file not found' in msg
    assert "no such file" in (runtime.missing_executable(["/no/such"], {}) or "")
    assert runtime.missing_executable([], {}) == "no command specified"
    assert runtime.container_id(7) == "tinykube://7"
