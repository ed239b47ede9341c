"""Pod validation: spec rules on create, immutability on update."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy
from typing import Any

import pytest

from tinykube.api import defaults
from tinykube.api.validation.pod import POD_UPDATE_FORBIDDEN

from .helpers import pod, problems

LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def test_a_defaulted_pod_is_valid() -> None:
    assert problems(pod()) == []


def test_containers_are_required() -> None:
    assert problems(pod({"containers": []})) == ["spec.containers: Required value"]


def test_container_names_are_labels_and_unique_across_init_containers() -> None:
    p = pod(
        {
            "containers": [{"name": "app", "image": "a"}, {"name": "app", "image": "b"}],
            "initContainers": [{"name": "app", "image": "c"}, {"name": "Init", "image": "d"}],
        }
    )
    assert problems(p) == [
        'spec.containers[1].name: Duplicate value: "app"',
        'spec.initContainers[0].name: Duplicate value: "app"',
        f'spec.initContainers[1].name: Invalid value: "Init": {LABEL}',
    ]
    assert problems(pod({"containers": [{"image": "a"}]})) == [
        "spec.containers[0].name: Required value"
    ]


def test_image_is_required() -> None:
    p = pod({"containers": [{"name": "app"}]})
    assert problems(p) == ["spec.containers[0].image: Required value"]


def test_container_ports() -> None:
    p = pod(
        {
            "containers": [
                {
                    "name": "app",
                    "image": "a",
                    "ports": [
                        {"containerPort": 80, "name": "http"},
                        {"containerPort": 81, "name": "http"},
                        {"containerPort": 0},
                        {"containerPort": 70000, "protocol": "HTTP"},
                        {"containerPort": 82, "name": "HTTP_2"},
                    ],
                },
                {"name": "side", "image": "b", "ports": [{"containerPort": 90, "name": "http"}]},
            ]
        }
    )
    assert problems(p) == [
        'spec.containers[0].ports[1].name: Duplicate value: "http"',
        "spec.containers[0].ports[2].containerPort: Required value",
        "spec.containers[0].ports[3].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        'spec.containers[0].ports[3].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'spec.containers[0].ports[4].name: Invalid value: "HTTP_2": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[0].ports[4].name: Invalid value: "HTTP_2": must contain at least one letter (a-z)',
    ]


def test_host_ports_conflict() -> None:
    ports = [{"containerPort": 80, "hostPort": 8080}]
    p = pod(
        {
            "containers": [
                {"name": "a", "image": "x", "ports": ports},
                {"name": "b", "image": "x", "ports": ports},
            ]
        }
    )
    assert problems(p) == ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']


def test_host_network_needs_matching_ports() -> None:
    p = pod(
        {
            "hostNetwork": True,
            "containers": [
                {"name": "a", "image": "x", "ports": [{"containerPort": 80, "hostPort": 81}]}
            ],
        }
    )
    assert problems(p) == [
        "spec.containers[0].ports[0].containerPort: Invalid value: 80: must match `hostPort` when `hostNetwork` is true"
    ]


def test_policies() -> None:
    p = pod({"restartPolicy": "Sometimes", "dnsPolicy": "Google"})
    p["spec"]["containers"][0]["imagePullPolicy"] = "Maybe"
    assert problems(p) == [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]


def test_hostname_and_subdomain_are_labels() -> None:
    p = pod({"hostname": "web-0", "subdomain": "nginx"})
    assert problems(p) == []
    p = pod({"hostname": "Web_0", "subdomain": "a.b"})
    assert problems(p) == [
        f'spec.hostname: Invalid value: "Web_0": {LABEL}',
        'spec.subdomain: Invalid value: "a.b": must not contain dots',
    ]


def test_dns_config() -> None:
    p = pod({"dnsPolicy": "None"})
    assert problems(p) == [
        "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"
    ]
    p = pod(
        {
            "dnsPolicy": "None",
            "dnsConfig": {"nameservers": ["10.96.0.10"], "searches": ["svc.cluster.local."]},
        }
    )
    assert problems(p) == []
    p = pod({"dnsConfig": {"nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9", "x"]}})
    assert problems(p) == [
        'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9", "x"}: must not have more than 3 nameservers',
        'spec.dnsConfig.nameservers[3]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]


def _probe_pod(**probes: Any) -> dict[str, Any]:
    return pod({"containers": [{"name": "app", "image": "a", **probes}]})


def test_probes_need_exactly_one_handler() -> None:
    assert problems(_probe_pod(readinessProbe={"httpGet": {"port": 80}})) == []
    assert problems(_probe_pod(readinessProbe={"periodSeconds": 5})) == [
        "spec.containers[0].readinessProbe: Required value: must specify a handler type"
    ]
    assert problems(
        _probe_pod(livenessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})
    ) == [
        "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"
    ]


def test_probe_details() -> None:
    out = problems(
        _probe_pod(
            livenessProbe={"exec": {"command": []}, "successThreshold": 2, "periodSeconds": -1},
            readinessProbe={"httpGet": {"port": "HTTP", "scheme": "FTP"}, "successThreshold": 3},
            startupProbe={"tcpSocket": {"port": 0}},
        )
    )
    assert out == [
        "spec.containers[0].livenessProbe.exec.command: Required value",
        "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP": must contain at least one letter (a-z)',
        'spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
        "spec.containers[0].startupProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]


def test_init_containers_may_not_probe_unless_sidecars() -> None:
    p = pod(
        {
            "initContainers": [
                {"name": "init", "image": "a", "readinessProbe": {"exec": {"command": ["x"]}}}
            ]
        }
    )
    assert problems(p) == [
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
    ]
    sidecar = pod(
        {
            "initContainers": [
                {
                    "name": "init",
                    "image": "a",
                    "restartPolicy": "Always",
                    "readinessProbe": {"exec": {"command": ["x"]}},
                }
            ]
        }
    )
    assert problems(sidecar) == []


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        ("MY_VAR", []),
        ("my.var-1", []),
        ("1abc", []),
        (
            "",
            [
                "Required value",
                'Invalid value: "": environment variable name must be non-empty',
            ],
        ),
        (
            "A=B",
            [
                "Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
            ],
        ),
    ],
)
def test_env_var_names(name: str, messages: list[str]) -> None:
    p = pod({"containers": [{"name": "app", "image": "a", "env": [{"name": name, "value": "x"}]}]})
    assert problems(p) == [f"spec.containers[0].env[0].name: {m}" for m in messages]


def test_env_value_from() -> None:
    env = [
        {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "spec.hostname"}}},
        {"name": "D", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "E", "valueFrom": {}},
    ]
    out = problems(pod({"containers": [{"name": "app", "image": "a", "env": env}]}))
    assert out == [
        'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.hostname": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
        'spec.containers[0].env[3].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[4].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ]


def test_volumes_and_mounts() -> None:
    p = pod(
        {
            "volumes": [
                {"name": "data"},
                {"name": "data"},
                {"name": "both", "emptyDir": {}, "hostPath": {"path": "/x"}},
                {"name": "cfg", "configMap": {}},
            ],
            "containers": [
                {
                    "name": "app",
                    "image": "a",
                    "volumeMounts": [
                        {"name": "data", "mountPath": "/data"},
                        {"name": "nope", "mountPath": "/data"},
                    ],
                }
            ],
        }
    )
    assert problems(p) == [
        'spec.volumes[1].name: Duplicate value: "data"',
        "spec.volumes[2].emptyDir: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[3].configMap.name: Required value",
        'spec.containers[0].volumeMounts[1].name: Not found: "nope"',
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
    ]


def test_tolerations() -> None:
    p = pod(
        {
            "tolerations": [
                {"key": "k", "operator": "Exists", "effect": "NoSchedule"},
                {"operator": "Equal", "value": "v"},
                {"key": "k", "operator": "Exists", "value": "v"},
                {"key": "k", "operator": "Near"},
                {"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5},
            ]
        }
    )
    assert problems(p) == [
        'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        'spec.tolerations[2].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\'',
        'spec.tolerations[3].operator: Unsupported value: "Near": supported values: "Equal", "Exists"',
        "spec.tolerations[4].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]


def test_names_and_deadlines() -> None:
    p = pod({"nodeName": "Node_1", "serviceAccountName": "default", "activeDeadlineSeconds": 0})
    out = problems(p)
    assert out[0].startswith(
        'spec.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain'
    )
    assert (
        out[1]
        == "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
    )
    assert len(out) == 2
    assert problems(pod(name="My.Pod"))[0].startswith('metadata.name: Invalid value: "My.Pod"')


# --------------------------------------------------------------------------- update


def _updated(old: dict[str, Any], change: Any) -> list[str]:
    new = copy.deepcopy(old)
    change(new["spec"])
    defaults.apply(new)  # the API server defaults every update before validating it
    return problems(new, old)


def test_update_may_change_images_and_lower_the_deadline() -> None:
    old = pod({"activeDeadlineSeconds": 100})

    def change(spec: dict[str, Any]) -> None:
        spec["containers"][0]["image"] = "nginx:1.26"
        spec["activeDeadlineSeconds"] = 50

    assert _updated(old, change) == []


def test_update_may_not_raise_the_deadline() -> None:
    old = pod({"activeDeadlineSeconds": 100})
    assert _updated(old, lambda s: s.update(activeDeadlineSeconds=200)) == [
        "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"
    ]


def test_update_may_not_change_other_fields() -> None:
    old = pod()
    out = _updated(old, lambda s: s.update(restartPolicy="Never"))
    assert len(out) == 1
    assert out[0].startswith(f"spec: Forbidden: {POD_UPDATE_FORBIDDEN}\n")
    assert "spec.restartPolicy" in out[0]
    assert out[0].startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    )


def test_update_may_not_add_containers() -> None:
    old = pod()
    out = _updated(old, lambda s: s["containers"].append({"name": "b", "image": "x"}))
    assert out == ["spec.containers: Forbidden: pod updates may not add or remove containers"]


def test_update_sets_node_name_once() -> None:
    old = pod()
    assert _updated(old, lambda s: s.update(nodeName="tinykube")) == []
    bound = pod({"nodeName": "tinykube"})
    out = _updated(bound, lambda s: s.update(nodeName="other"))
    assert len(out) == 1 and out[0].startswith("spec: Forbidden: pod updates may not change")


def test_update_may_only_add_tolerations() -> None:
    old = pod(
        {
            "tolerations": [
                {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
            ]
        }
    )

    def add(spec: dict[str, Any]) -> None:
        spec["tolerations"][0]["tolerationSeconds"] = 10
        spec["tolerations"].append({"key": "j", "operator": "Exists"})

    assert _updated(old, add) == []
    assert _updated(old, lambda s: s.update(tolerations=[])) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
    ]
