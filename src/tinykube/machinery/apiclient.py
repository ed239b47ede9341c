"""The verbs a component uses to talk to the API, as a Protocol.

Controllers, the agent, the proxy and DNS are written against ``ApiClient`` rather than the
HTTP client, so their tests run against ``tinykube.testing.fake_api.FakeApi`` and production
passes a ``client.Client``. Signatures match ``client.Client`` exactly; errors are the
``errors.ApiError`` subclasses (``NotFound``, ``Conflict``, ``AlreadyExists``...).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.machinery.listwatch import ListerWatcher

PatchType = Literal["merge", "strategic", "json", "apply"]
Propagation = Literal["Background", "Foreground", "Orphan"]


class ApiClient(ListerWatcher, Protocol):
    async def get(self, kind: Kind, name: str, namespace: str | None = None, *,
                  subresource: str | None = None) -> Obj:
        """One object (or its subresource, e.g. ``scale``). Raises ``NotFound``."""
        ...

    async def create(self, kind: Kind, obj: Obj, namespace: str | None = None, *,
                     dry_run: bool = False, field_manager: str | None = None) -> Obj:
        """Create ``obj`` (namespace from the argument or ``obj.metadata.namespace``)."""
        ...

    async def update(self, kind: Kind, obj: Obj, *, subresource: str | None = None) -> Obj:
        """Replace ``obj`` (PUT; ``metadata.resourceVersion`` makes it conditional).

        ``subresource`` is ``status``, ``scale`` or, for namespaces, ``finalize``.
        """
        ...

    async def patch(self, kind: Kind, name: str, patch: Any, namespace: str | None = None,
                    *, patch_type: PatchType = "merge", subresource: str | None = None,
                    field_manager: str | None = None, force: bool = False) -> Obj:
        """Patch one object; ``apply`` needs ``field_manager`` and may ``force``."""
        ...

    async def delete(self, kind: Kind, name: str, namespace: str | None = None, *,
                     propagation: Propagation | None = None, uid: str | None = None) -> Obj:
        """Delete one object; ``uid`` is a precondition (409 when the live uid differs).

        Returns the object (still there when finalizers hold it) or a success Status.
        """
        ...
