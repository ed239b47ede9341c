"""Metadata rules shared by every kind: labels, annotations, owners, finalizers."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy

from .helpers import pod, problems


def test_label_keys_and_values() -> None:
    p = pod(labels={"app": "web", "example.com/tier": "fe", "Bad Key": "x", "v": "-bad"})
    out = problems(p)
    assert out == [
        'metadata.labels: Invalid value: "Bad Key": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'metadata.labels: Invalid value: "-bad": a valid label must be an empty string or '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]


def test_label_key_prefixes() -> None:
    out = problems(pod(labels={"/x": "1", "Example.com/x": "1", "a/b/c": "1"}))
    assert out[0] == 'metadata.labels: Invalid value: "/x": prefix part must be non-empty'
    assert out[1].startswith(
        'metadata.labels: Invalid value: "Example.com/x": prefix part a lowercase RFC 1123 subdomain'
    )
    assert out[2].startswith('metadata.labels: Invalid value: "a/b/c": a qualified name must')
    assert len(out) == 3


def test_annotation_keys_are_case_insensitive_qualified_names() -> None:
    assert problems(pod(annotations={"Example.com/Note": "anything at all"})) == []
    assert problems(pod(annotations={"bad key": "x"}))[0].startswith(
        'metadata.annotations: Invalid value: "bad key": name part must consist'
    )


def test_annotations_total_size() -> None:
    assert problems(pod(annotations={"a": "x" * (256 * 1024 - 1)})) == []
    assert problems(pod(annotations={"a": "x" * (256 * 1024)})) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]


def test_owner_references() -> None:
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web-1",
        "uid": "u",
        "controller": True,
    }
    assert problems(pod(ownerReferences=[owner])) == []
    out = problems(pod(ownerReferences=[owner, {**owner, "name": "web-2"}, {"apiVersion": "v1"}]))
    assert out == [
        "metadata.ownerReferences: Invalid value: []v1.OwnerReference{...}: Only one reference "
        'can have Controller set to true. Found "true" in references for ReplicaSet/web-1 and '
        "ReplicaSet/web-2",
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]


def test_finalizers() -> None:
    assert problems(pod(finalizers=["example.com/x", "foregroundDeletion"])) == []
    assert problems(pod(finalizers=["orphan", "foregroundDeletion"])) == [
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer '
        "orphan and foregroundDeletion cannot be both set"
    ]


def test_no_new_finalizers_while_deleting() -> None:
    old = pod(finalizers=["a.io/x"], deletionTimestamp="2024-01-01T00:00:00Z")
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["a.io/x", "b.io/y"]
    assert problems(new, old) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being "
        'deleted, found new finalizers []string{"b.io/y"}'
    ]
    new["metadata"]["finalizers"] = []
    assert problems(new, old) == []


def test_empty_uid_on_update_is_filled_by_the_server() -> None:
    old = pod(uid="u-1")
    new = copy.deepcopy(old)
    del new["metadata"]["uid"]
    assert problems(new, old) == []
