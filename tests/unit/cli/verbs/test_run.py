from __future__ import annotations

from typing import Any

from tinykube.api import kinds


async def test_run_creates_the_pod_kubectl_would(tk: Any) -> None:
    r = await tk("run", "test", "--image=busybox", "--restart=Never", "--", "sleep", "3600")
    assert (r.code, r.out) == (0, "pod/test created\n"), r.err
    pod = await tk.api.client().get(kinds.POD, "test", "default")
    assert pod["metadata"]["labels"] == {"run": "test"}
    assert pod["spec"]["restartPolicy"] == "Never"
    c = pod["spec"]["containers"][0]
    assert (c["name"], c["image"], c["args"]) == ("test", "busybox", ["sleep", "3600"])


async def test_run_dry_runs_store_nothing(tk: Any) -> None:
    for mode, note in (("client", "dry run"), ("server", "server dry run")):
        r = await tk("run", "test", "--image=busybox", f"--dry-run={mode}")
        assert (r.code, r.out) == (0, f"pod/test created ({note})\n"), r.err
    pods, _ = await tk.api.client().list(kinds.POD, "default")
    assert pods == []


async def test_run_with_command_and_env(tk: Any) -> None:
    r = await tk("run", "dns", "--image=tutum/dnsutils", "--env=A=1", "--command", "--",
                 "sleep", "infinity")
    assert r.code == 0, r.err
    c = (await tk.api.client().get(kinds.POD, "dns", "default"))["spec"]["containers"][0]
    assert c["command"] == ["sleep", "infinity"]
    assert c["env"] == [{"name": "A", "value": "1"}]


async def test_interactive_run_without_a_node_agent_says_so_and_cleans_up(tk: Any) -> None:
    r = await tk("run", "-it", "test", "--image=busybox", "--restart=Never", "--rm", "--",
                 "/bin/sh")
    assert r.code == 1
    assert "no node agent to run it yet" in r.err
    assert r.out == 'pod "test" deleted\n'


async def test_rm_needs_an_attached_pod(tk: Any) -> None:
    r = await tk("run", "x", "--image=busybox", "--rm")
    assert (r.code, r.err) == (1, "error: --rm should only be used for attached containers\n")


def test_exit_code_after_an_attached_run() -> None:
    from tinykube.cli.verbs.run import exit_code

    class Quiet:
        warned: list[str] = []

        def warn(self, text: str) -> None:
            self.warned.append(text)

    s: Any = Quiet()
    ok = {"status": {"phase": "Succeeded"}}
    assert exit_code(ok, s) == 0
    failed = {"metadata": {"name": "t", "namespace": "d"},
              "status": {"phase": "Failed", "containerStatuses": [
                  {"state": {"terminated": {"exitCode": 4, "reason": "Error"}}}]}}
    assert exit_code(failed, s) == 4
    assert s.warned == ["pod d/t terminated (Error)"]
