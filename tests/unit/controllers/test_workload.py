"""What the workload controllers share: writing a claim."""

from tinykube.api import kinds, meta
from tinykube.controllers import claims
from tinykube.controllers.workload import WorkloadController, utcnow
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.workloads import deployment, pod


class Workload(WorkloadController):
    async def reconcile(self, key: str) -> None:
        raise AssertionError("not run here")


def controller(api: FakeApi) -> Workload:
    return Workload(api, informers=None, recorder=None, workers=1, clock=None, now=utcnow)


async def test_settle_writes_adoptions_and_releases(api: FakeApi) -> None:
    owner = await api.create(kinds.DEPLOYMENT, deployment("web", {"app": "web"}))
    kept = await api.create(kinds.POD, claims.adopted(pod("kept", {"app": "web"}), owner))
    orphan = await api.create(kinds.POD, pod("orphan", {"app": "web"}))
    strayed = await api.create(kinds.POD, claims.adopted(pod("strayed", {"app": "x"}), owner))
    gone = claims.adopted(pod("gone", {"app": "x"}), owner)  # released, but deleted already
    found = claims.Claim(owned=[kept], adopt=[orphan], release=[strayed, gone])

    owned = await controller(api)._settle(kinds.POD, owner, found)

    assert [meta.name(p) for p in owned] == ["kept", "orphan"]
    assert meta.controller_of(owned[1])["uid"] == meta.uid(owner)  # as written
    assert meta.controller_of(api.find(kinds.POD, "orphan", "default"))["uid"] == meta.uid(owner)
    assert meta.controller_of(api.find(kinds.POD, "strayed", "default")) is None

