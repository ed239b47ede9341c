from __future__ import annotations

from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.cli.verbs.rollout import status_of
from tinykube.errors import ConfigError


def _deploy(generation: int = 1, **status: int) -> dict[str, Any]:
    return {"metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": 2}, "status": {"observedGeneration": 1, **status}}


@pytest.mark.parametrize(("obj", "line", "done"), [
    (_deploy(2), "Waiting for deployment spec update to be observed...\n", False),
    (_deploy(updatedReplicas=1), 'Waiting for deployment "web" rollout to finish: 1 out of 2 '
                                 "new replicas have been updated...\n", False),
    (_deploy(updatedReplicas=2, replicas=3), 'Waiting for deployment "web" rollout to finish: '
                                             "1 old replicas are pending termination...\n", False),
    (_deploy(updatedReplicas=2, replicas=2, availableReplicas=1),
     'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are '
     "available...\n", False),
    (_deploy(updatedReplicas=2, replicas=2, availableReplicas=2),
     'deployment "web" successfully rolled out\n', True),
])
def test_deployment_status_lines(obj: dict[str, Any], line: str, done: bool) -> None:
    assert status_of(kinds.DEPLOYMENT, obj) == (line, done)


def test_deployment_past_its_deadline_fails() -> None:
    obj = _deploy(updatedReplicas=1)
    obj["status"]["conditions"] = [{"type": "Progressing",
                                    "reason": "ProgressDeadlineExceeded"}]
    with pytest.raises(ConfigError, match='deployment "web" exceeded its progress deadline'):
        status_of(kinds.DEPLOYMENT, obj)


def _sts(**status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": 2, "updateStrategy": {"type": "RollingUpdate",
                                                       "rollingUpdate": {"partition": 0}}},
            "status": {"observedGeneration": 1, **status}}


def test_statefulset_status_lines() -> None:
    assert status_of(kinds.STATEFUL_SET, _sts(readyReplicas=1)) == \
        ("Waiting for 1 pods to be ready...\n", False)
    assert status_of(kinds.STATEFUL_SET, _sts(readyReplicas=2, updatedReplicas=2)) == \
        ("partitioned roll out complete: 2 new pods have been updated...\n", True)


DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


async def test_rollout_status_waits_and_times_out_without_a_controller(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("rollout", "status", "deployment/web", "--timeout=0.5")
    assert r.code == 1
    assert r.out.startswith("Waiting for deployment")
    assert r.err == "error: timed out waiting for the condition\n"


async def test_rollout_status_done_when_the_status_says_so(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    status = {"status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                         "availableReplicas": 1, "readyReplicas": 1}}
    await tk.api.client().patch(kinds.DEPLOYMENT, "web", status, "default",
                                subresource="status")
    r = await tk("rollout", "status", "deploy", "web")
    assert (r.code, r.out) == (0, 'deployment "web" successfully rolled out\n'), r.err


async def test_rollout_restart_stamps_the_template(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    assert (await tk("rollout", "restart", "deploy/web")).out == "deployment.apps/web restarted\n"
    d = await tk.api.client().get(kinds.DEPLOYMENT, "web", "default")
    assert "kubectl.kubernetes.io/restartedAt" in d["spec"]["template"]["metadata"]["annotations"]
