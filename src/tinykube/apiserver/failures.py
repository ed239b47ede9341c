"""API errors about one resource, worded exactly as the kube-apiserver words them.

kubectl prints these messages verbatim (``services "x" not found``, ``Operation cannot
be fulfilled on ...``) and clients match on ``details.kind`` (the plural resource for
these, the Kind for 422s), so the wording lives in one place.
"""

from __future__ import annotations

from tinykube.api.kinds import Kind
from tinykube.errors import AlreadyExists, Conflict, Forbidden, NotFound

MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def not_found(kind: Kind, name: str) -> NotFound:
    return NotFound(
        f'{kind.group_resource} "{name}" not found',
        name=name, group=kind.group, kind=kind.plural,
    )


def already_exists(kind: Kind, name: str) -> AlreadyExists:
    return AlreadyExists(
        f'{kind.group_resource} "{name}" already exists',
        name=name, group=kind.group, kind=kind.plural,
    )


def conflict(kind: Kind, name: str, why: str = MODIFIED) -> Conflict:
    return Conflict(
        f'Operation cannot be fulfilled on {kind.group_resource} "{name}": {why}',
        name=name, group=kind.group, kind=kind.plural,
    )


def forbidden(kind: Kind, name: str, why: str) -> Forbidden:
    return Forbidden(
        f'{kind.group_resource} "{name}" is forbidden: {why}',
        name=name, group=kind.group, kind=kind.plural,
    )
