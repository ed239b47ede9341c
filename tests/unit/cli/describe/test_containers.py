from __future__ import annotations

import pytest

from tinykube.cli.describe import containers
from tinykube.cli.describe.writer import PrefixWriter

ATTRS = "delay=1s timeout=2s period=3s #success=1 #failure=4"
TIMING = {"initialDelaySeconds": 1, "timeoutSeconds": 2, "periodSeconds": 3,
          "successThreshold": 1, "failureThreshold": 4}


@pytest.mark.parametrize(("probe", "text"), [
    ({"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}},
     f"http-get http://:8080/healthz {ATTRS}"),
    ({"httpGet": {"path": "/", "port": "web", "host": "fd00::1", "scheme": "HTTPS"}},
     f"http-get https://[fd00::1]:web/ {ATTRS}"),
    ({"tcpSocket": {"port": 80}}, f"tcp-socket :80 {ATTRS}"),
    ({"exec": {"command": ["cat", "/tmp/ok"]}}, f"exec [cat /tmp/ok] {ATTRS}"),
    ({}, f"unknown {ATTRS}"),
])
def test_probe_text(probe: dict[str, object], text: str) -> None:
    assert containers.probe_text({**probe, **TIMING}) == text


def test_pod_template_lists_containers_volumes_and_selectors() -> None:
    template = {"metadata": {"labels": {"app": "x"}, "annotations": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "busybox",
                                         "env": [{"name": "E", "value": "1\n2"}]}],
                         "volumes": [{"name": "v", "configMap": {"name": "cm"}},
                                     {"name": "w", "nfs": {}}],
                         "nodeSelector": {"disk": "ssd"}}}
    w = PrefixWriter()
    containers.pod_template(w, template)
    text = w.text()
    assert text.startswith("Pod Template:\n  Labels:       app=x\n  Annotations:  a: b\n")
    assert "    Environment:\n      E:     1\n             2\n    Mounts:  <none>\n" in text
    assert "   v:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n" in text
    assert "   w:\n  <unknown>\n" in text
    assert "  Node-Selectors:  disk=ssd\n" in text


def test_field_refs_resolve_from_the_pod() -> None:
    pod = {"metadata": {"name": "p", "labels": {"app": "x"}}, "status": {"podIP": "10.0.0.9"}}
    resolve = containers.pod_resolver(pod)
    assert resolve({"fieldPath": "status.podIP"}) == "10.0.0.9"
    assert resolve({"fieldPath": "metadata.labels['app']"}) == "x"
    assert resolve({"fieldPath": "spec.unknown"}) == ""
