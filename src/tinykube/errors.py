"""The one error tree of tinykube.

Every failure that crosses a module boundary is one of these. Shells that talk to a
library (sqlite3, aiohttp, pyroute2, nft) catch the library's exception and raise ours
``from`` it, so nothing above a shell imports a library just to catch its errors.

    TinykubeError
    ├── ApiError                      a Kubernetes ``Status``: code, reason, message, details
    │   ├── BadRequest                400  BadRequest
    │   ├── Unauthorized              401  Unauthorized
    │   ├── Forbidden                 403  Forbidden
    │   ├── NotFound                  404  NotFound
    │   ├── MethodNotAllowed          405  MethodNotAllowed
    │   ├── AlreadyExists             409  AlreadyExists
    │   ├── Conflict                  409  Conflict
    │   ├── Expired                   410  Expired   (watch from a compacted revision)
    │   ├── RequestEntityTooLarge     413  RequestEntityTooLarge
    │   ├── UnsupportedMediaType      415  UnsupportedMediaType
    │   ├── Invalid                   422  Invalid   (details.causes name every bad field)
    │   ├── InternalError             500  InternalError
    │   └── ServiceUnavailable        503  ServiceUnavailable
    ├── StoreError                    the storage layer, before the API gives it a resource name
    │   ├── KeyExists
    │   ├── KeyNotFound
    │   ├── RevisionConflict
    │   ├── Compacted
    │   └── StoreUnavailable
    ├── ReconcileError                what a reconcile raises to say when to run again
    │   ├── Retry                     run again after ``delay`` seconds
    │   └── Permanent                 do not retry; ``reason`` says why
    ├── ConfigError                   bad flags, kubeconfig, data dir, manifests (file and line)
    ├── SystemError_                  a host facility failed: netns, nft, processes
    └── ClusterNotRunning             the CLI found no running cluster
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class TinykubeError(Exception):
    """Root of every tinykube error."""


# --------------------------------------------------------------------------- API


@dataclass(frozen=True)
class Cause:
    """One entry of ``details.causes``: a bad field and what is wrong with it.

    ``type`` is the Kubernetes cause reason (``FieldValueRequired``, ``FieldValueInvalid``,
    ``FieldValueNotSupported``, ``FieldValueDuplicate``, ``FieldValueForbidden``,
    ``FieldValueTooLong``, ``FieldManagerConflict``...). ``message`` is the full text after
    the field, e.g. ``Invalid value: 0: must be between 1 and 65535, inclusive``.
    """

    type: str
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.message, "field": self.field}


class ApiError(TinykubeError):
    """A failure the API reports as a Kubernetes ``Status`` body."""

    code: int = 500
    reason: str = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        causes: list[Cause] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes: list[Cause] = list(causes or [])
        self.retry_after = retry_after

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.group:
            out["group"] = self.group
        if self.kind:
            out["kind"] = self.kind
        if self.causes:
            out["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after is not None:
            out["retryAfterSeconds"] = self.retry_after
        return out

    def __str__(self) -> str:
        return self.message


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Unauthorized(ApiError):
    code, reason = 401, "Unauthorized"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class Expired(ApiError):
    code, reason = 410, "Expired"


class RequestEntityTooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(ApiError):
    code, reason = 422, "Invalid"


class InternalError(ApiError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(ApiError):
    code, reason = 503, "ServiceUnavailable"


_BY_REASON: dict[str, type[ApiError]] = {
    cls.reason: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        AlreadyExists,
        Conflict,
        Expired,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        Invalid,
        InternalError,
        ServiceUnavailable,
    )
}
_BY_CODE: dict[int, type[ApiError]] = {}
for _cls in _BY_REASON.values():
    _BY_CODE.setdefault(_cls.code, _cls)


def invalid(kind: str, name: str, causes: list[Cause], group: str = "") -> Invalid:
    """The 422 the API returns for a failed validation, worded as Kubernetes words it."""
    parts = [f"{c.field}: {c.message}" for c in causes]
    body = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return Invalid(
        f'{kind} "{name}" is invalid: {body}', name=name, group=group, kind=kind, causes=causes
    )


def from_status(status: dict[str, Any], http_code: int | None = None) -> ApiError:
    """Rebuild an ``ApiError`` from a ``Status`` body (the client side of the mapping)."""
    reason = str(status.get("reason") or "")
    code = int(status.get("code") or http_code or 500)
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or ApiError
    details = status.get("details") or {}
    causes = [
        Cause(str(c.get("reason", "")), str(c.get("field", "")), str(c.get("message", "")))
        for c in details.get("causes") or []
    ]
    err = cls(
        str(status.get("message") or f"HTTP {code}"),
        name=str(details.get("name") or ""),
        group=str(details.get("group") or ""),
        kind=str(details.get("kind") or ""),
        causes=causes,
    )
    if cls is ApiError:
        err.code, err.reason = code, reason or "Unknown"
    return err


# --------------------------------------------------------------------------- storage


class StoreError(TinykubeError):
    """Storage failures, keyed by storage key; the API turns them into ``ApiError``."""

    def __init__(self, message: str, *, key: str = "", revision: int = 0) -> None:
        super().__init__(message)
        self.key = key
        self.revision = revision


class KeyExists(StoreError):
    """Create of a key that already exists."""


class KeyNotFound(StoreError):
    """Read, update or delete of a key that does not exist."""


class RevisionConflict(StoreError):
    """A write's expected revision is not the key's current one."""


class Compacted(StoreError):
    """A watch asked for a revision older than the retained history."""

    def __init__(self, message: str, *, key: str = "", revision: int = 0, oldest: int = 0) -> None:
        super().__init__(message, key=key, revision=revision)
        self.oldest = oldest


class StoreUnavailable(StoreError):
    """The backend cannot be reached or is closed."""


# --------------------------------------------------------------------------- control loops


class ReconcileError(TinykubeError):
    """Raised by a reconcile to tell the framework what to do next."""


@dataclass
class Retry(ReconcileError):
    """Run the reconcile for this key again after ``delay`` seconds."""

    delay: float = 1.0
    why: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.why or f"retry in {self.delay}s")


@dataclass
class Permanent(ReconcileError):
    """Do not retry this key until it changes again."""

    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reason)


# --------------------------------------------------------------------------- everything else


class ConfigError(TinykubeError):
    """Bad configuration or input from a user: flags, kubeconfig, data dir, manifests.

    ``where`` names the place (``svc.yaml:12``) when there is one.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class SystemError_(TinykubeError):
    """A host facility failed: network namespaces, nftables, processes, files."""


class ClusterNotRunning(TinykubeError):
    """No cluster answers at the configured address."""
