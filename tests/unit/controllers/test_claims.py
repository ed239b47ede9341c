"""Claims: adopt matching orphans, release owned objects that stopped matching."""

from tinykube.api import labels, meta
from tinykube.controllers.claims import adopted, claim, released
from tinykube.testing.workloads import pod

OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "rs", "namespace": "default", "uid": "rs-uid"}}
SEL = labels.from_set({"app": "web"})


def owned(name: str, lbls: dict, uid: str = "rs-uid") -> dict:
    p = pod(name, lbls)
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                         "name": "x", "uid": uid, "controller": True}]
    return p


def test_claim_sorts_objects():
    mine = owned("mine", {"app": "web"})
    strayed = owned("strayed", {"app": "other"})
    others = owned("others", {"app": "web"}, uid="someone-else")
    orphan = pod("orphan", {"app": "web"})
    unrelated = pod("unrelated", {"app": "db"})
    dying = pod("dying", {"app": "web"})
    dying["metadata"]["deletionTimestamp"] = "x"
    got = claim(OWNER, SEL, [mine, strayed, others, orphan, unrelated, dying])
    assert [meta.name(p) for p in got.owned] == ["mine"]
    assert [meta.name(p) for p in got.release] == ["strayed"]
    assert [meta.name(p) for p in got.adopt] == ["orphan"]


def test_a_deleting_owner_adopts_and_releases_nothing():
    going = {**OWNER, "metadata": {**OWNER["metadata"], "deletionTimestamp": "x"}}
    got = claim(going, SEL, [pod("orphan", {"app": "web"}), owned("s", {"app": "no"})])
    assert not got.adopt and not got.release


def test_adopted_and_released_copies():
    p = pod("orphan", {"app": "web"})
    a = adopted(p, OWNER)
    assert meta.controller_of(a)["uid"] == "rs-uid" and "ownerReferences" not in p["metadata"]
    assert "ownerReferences" not in released(a, OWNER)["metadata"]
