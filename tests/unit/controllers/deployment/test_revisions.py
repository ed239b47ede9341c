"""Which ReplicaSet is new, and what a new one looks like."""

from tinykube.api import meta
from tinykube.controllers.deployment import revisions
from tinykube.testing.workloads import deployment, template

APP = {"run": "my-nginx"}


def dep() -> dict:
    d = deployment("my-nginx", APP, 2, minReadySeconds=5)
    d["metadata"].update(uid="d-uid", annotations={
        "team": "a", "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "deployment.kubernetes.io/revision": "3"})
    return d


def rs(name: str, created: str, image: str = "nginx", rev: str = "1") -> dict:
    t = template({**APP, "pod-template-hash": name.rsplit("-", 1)[1]}, image)
    return {"metadata": {"name": name, "creationTimestamp": created,
                         "annotations": {"deployment.kubernetes.io/revision": rev}},
            "spec": {"replicas": 1, "template": t}}


def test_the_new_set_is_the_oldest_with_the_same_template_ignoring_the_hash():
    sets = [rs("my-nginx-bbb", "2024-02-01T00:00:00Z"), rs("my-nginx-aaa", "2024-01-01T00:00:00Z"),
            rs("my-nginx-ccc", "2023-01-01T00:00:00Z", image="httpd")]
    assert meta.name(revisions.find_new(dep(), sets)) == "my-nginx-aaa"
    assert revisions.find_new(dep(), sets[2:]) is None
    assert revisions.max_revision([rs("x-a", "t", rev="2"), rs("x-b", "t", rev="7")]) == 7


def test_a_new_replica_set():
    notes = {"deployment.kubernetes.io/desired-replicas": "2"}
    new = revisions.build_new(dep(), "6f6bcdf657", 2, 4, notes)
    md = new["metadata"]
    assert md["name"] == "my-nginx-6f6bcdf657"
    assert md["labels"] == {**APP, "pod-template-hash": "6f6bcdf657"}
    assert md["annotations"] == {"team": "a", "deployment.kubernetes.io/revision": "4",
                                 "deployment.kubernetes.io/desired-replicas": "2"}
    assert md["ownerReferences"][0]["uid"] == "d-uid"
    assert new["spec"]["selector"] == {"matchLabels": {**APP, "pod-template-hash": "6f6bcdf657"}}
    assert new["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == "6f6bcdf657"
    assert new["spec"]["minReadySeconds"] == 5 and new["spec"]["replicas"] == 2


def test_an_existing_new_set_gets_a_newer_revision_and_history():
    old = rs("my-nginx-aaa", "t", rev="1")
    updated = revisions.updated_new(dep(), old, 5)
    notes = updated["metadata"]["annotations"]
    assert notes["deployment.kubernetes.io/revision"] == "5"
    assert notes["deployment.kubernetes.io/revision-history"] == "1"
    assert updated["spec"]["minReadySeconds"] == 5
    assert revisions.updated_new(dep(), updated, 5) is None


def test_templates_equal_semantically():
    a = template(APP)
    b = template({**APP, "pod-template-hash": "x"})
    b["metadata"]["creationTimestamp"] = None  # what kubectl rollout undo sends
    b["spec"]["containers"][0]["resources"] = {}
    assert revisions.equal_ignore_hash(a, b)
    b["spec"]["containers"][0]["image"] = "httpd"
    assert not revisions.equal_ignore_hash(a, b)
