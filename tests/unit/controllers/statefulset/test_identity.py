"""A StatefulSet pod's identity: name, hostname, subdomain, labels, claim volumes."""

from tinykube.controllers.statefulset import identity
from tinykube.testing.workloads import pod, statefulset

APP = {"app": "nginx"}


def sts(replicas: int, **spec) -> dict:
    return statefulset("web", APP, replicas, service_name="nginx", **spec)


def test_identity_of_a_new_pod():
    s = sts(1, volumeClaimTemplates=[{"metadata": {"name": "www"}}])
    s["metadata"]["uid"] = "sts-uid"
    p = identity.new_pod(s, 0, s["spec"]["template"], "web-abc")
    assert p["metadata"]["name"] == "web-0"
    assert p["metadata"]["labels"] == {**APP, "statefulset.kubernetes.io/pod-name": "web-0",
                                       "apps.kubernetes.io/pod-index": "0",
                                       "controller-revision-hash": "web-abc"}
    assert (p["spec"]["hostname"], p["spec"]["subdomain"]) == ("web-0", "nginx")
    assert p["spec"]["volumes"] == [{"name": "www",
                                     "persistentVolumeClaim": {"claimName": "www-web-0"}}]
    assert p["metadata"]["ownerReferences"][0]["uid"] == "sts-uid"
    back = identity.template_from_pod(s, p)
    assert back["metadata"]["labels"] == APP and "hostname" not in back["spec"]
    assert identity.ordinal_of(s, p) == 0 and identity.ordinal_of(s, pod("web-x")) is None


def test_revision_names_and_ordinals():
    s = sts(1)
    rev = identity.revision_name(s)
    assert rev.startswith("web-") and rev == identity.revision_name(sts(1))
    other = sts(1, template={"metadata": {"labels": APP}, "spec": {"containers": []}})
    assert identity.revision_name(other) != rev
    s["status"] = {"collisionCount": 1}
    assert identity.revision_name(s) != rev
    assert identity.start(sts(1, ordinals={"start": 3})) == 3
    assert identity.ordinal_of(sts(1), pod("web-12")) == 12
    assert identity.ordinal_of(sts(1), pod("webby-1")) is None
