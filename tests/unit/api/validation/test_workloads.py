"""Deployment, ReplicaSet and StatefulSet validation."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy
from typing import Any

import pytest

from tinykube.api import defaults
from tinykube.api.validation.workloads import STATEFULSET_UPDATE_FORBIDDEN

from .helpers import problems, workload

KINDS = ["Deployment", "ReplicaSet", "StatefulSet"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_defaulted_workload_is_valid(kind: str) -> None:
    assert problems(workload(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_selector_is_required(kind: str) -> None:
    w = workload(kind)
    del w["spec"]["selector"]
    # A nil selector selects nothing, so (as in Kubernetes) the template mismatches too.
    assert problems(w) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]


@pytest.mark.parametrize(
    ("kind", "owner"),
    [("Deployment", "deployment"), ("ReplicaSet", "deployment"), ("StatefulSet", "statefulset")],
)
def test_empty_selector_is_invalid(kind: str, owner: str) -> None:
    w = workload(kind, {"selector": {}})
    assert problems(w) == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        f"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: empty selector is invalid for {owner}"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_selector_must_match_template_labels(kind: str) -> None:
    w = workload(kind, {"selector": {"matchLabels": {"app": "other"}}})
    assert problems(w) == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'
    ]


def test_selector_expressions_are_validated_and_matched() -> None:
    w = workload(
        "Deployment",
        {
            "selector": {
                "matchExpressions": [
                    {"key": "app", "operator": "In", "values": ["web", "api"]},
                    {"key": "tier", "operator": "Near"},
                ]
            }
        },
    )
    assert problems(w) == [
        'spec.selector.matchExpressions[1].operator: Invalid value: "Near": not a valid selector operator',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{"web", "api"}}, v1.LabelSelectorRequirement{Key:"tier", Operator:"Near", Values:[]string(nil)}}}: invalid label selector',
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_replicas_not_negative(kind: str) -> None:
    assert problems(workload(kind, {"replicas": -1})) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_template_is_validated_as_a_pod_spec(kind: str) -> None:
    w = workload(kind)
    w["spec"]["template"]["spec"]["containers"][0]["name"] = "Web"
    w["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    out = problems(w)
    assert out[0].startswith('spec.template.spec.containers[0].name: Invalid value: "Web"')
    assert (
        out[1]
        == 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    )
    assert len(out) == 2


def test_template_labels_report_under_template_labels() -> None:
    w = workload("Deployment", {"selector": {"matchLabels": {"app": "-x"}}})
    w["spec"]["template"]["metadata"]["labels"] = {"app": "-x"}
    out = problems(w)
    assert out[0].startswith('spec.selector.matchLabels: Invalid value: "-x"')
    assert out[1].startswith("spec.selector: Invalid value: v1.LabelSelector{")
    assert out[1].endswith(": invalid label selector")
    assert out[2].startswith('spec.template.labels: Invalid value: "-x"')
    assert len(out) == 3


def test_deployment_strategy_rules() -> None:
    recreate = workload(
        "Deployment", {"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}
    )
    assert problems(recreate) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
    ]
    zero = workload(
        "Deployment", {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}
    )
    assert problems(zero) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"
    ]
    bad = workload(
        "Deployment", {"strategy": {"rollingUpdate": {"maxSurge": "x%", "maxUnavailable": "150%"}}}
    )
    assert problems(bad) == [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: x%: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
    ]
    unknown = workload("Deployment", {"strategy": {"type": "BlueGreen"}})
    assert problems(unknown) == [
        'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'
    ]


def test_deployment_progress_deadline() -> None:
    w = workload("Deployment", {"minReadySeconds": 700})
    assert problems(w) == [
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"
    ]


def test_statefulset_fields() -> None:
    w = workload(
        "StatefulSet",
        {
            "podManagementPolicy": "Random",
            "updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep", "whenScaled": "Retain"},
        },
    )
    assert problems(w) == [
        "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
        "spec.updateStrategy.rollingUpdate: Invalid value: &apps.RollingUpdateStatefulSetStrategy{...}: only allowed for updateStrategy 'RollingUpdate'",
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Delete", "Retain"',
    ]
    partition = workload(
        "StatefulSet",
        {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}},
    )
    assert problems(partition) == [
        "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"
    ]


def test_statefulset_claim_templates_count_as_volumes() -> None:
    spec: dict[str, Any] = {"volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {}}]}
    w = workload("StatefulSet", spec)
    w["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "www", "mountPath": "/usr/share/nginx/html"}
    ]
    assert problems(w) == []
    w["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] = "data"
    assert problems(w) == [
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'
    ]


# --------------------------------------------------------------------------- update


def _update(old: dict[str, Any], **spec: Any) -> list[str]:
    new = copy.deepcopy(old)
    new["spec"].update(copy.deepcopy(spec))
    defaults.apply(new)
    return problems(new, old)


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet"])
def test_selector_is_immutable(kind: str) -> None:
    old = workload(kind)
    template = copy.deepcopy(old["spec"]["template"])
    template["metadata"]["labels"]["tier"] = "fe"
    out = _update(old, selector={"matchLabels": {"app": "web", "tier": "fe"}}, template=template)
    assert out == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    ]
    assert _update(old, replicas=5) == []


def test_statefulset_updates_are_limited() -> None:
    old = workload("StatefulSet")
    assert _update(old, replicas=3, minReadySeconds=5, updateStrategy={"type": "OnDelete"}) == []
    assert _update(old, serviceName="other") == [f"spec: Forbidden: {STATEFULSET_UPDATE_FORBIDDEN}"]
    assert STATEFULSET_UPDATE_FORBIDDEN == (
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    )
    template = copy.deepcopy(old["spec"]["template"])
    template["metadata"]["labels"]["x"] = "y"
    assert _update(old, selector={"matchLabels": {"app": "web", "x": "y"}}, template=template) == [
        f"spec: Forbidden: {STATEFULSET_UPDATE_FORBIDDEN}"
    ]


def test_statefulset_service_name_is_a_dns_label() -> None:
    assert problems(workload("StatefulSet", {"serviceName": "nginx"})) == []
    out = problems(workload("StatefulSet", {"serviceName": "nginx.svc"}))
    assert out == ['spec.serviceName: Invalid value: "nginx.svc": must not contain dots']
