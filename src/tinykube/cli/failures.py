"""Errors in words people already know: the lines kubectl prints, and how to go on.

API errors read like kubectl's (``cmdutil.CheckErr``): ``Error from server (NotFound):
services "x" not found``; a 422 is ``The Service "x" is invalid: `` followed by its causes,
one inline or several as ``* field: message`` lines; an error about an object from a file
says which file (``error when creating "svc.yaml": ...``). A cluster that does not answer
says how to start one, and everything else is ``error: ...``. Pure: exceptions in, text out.
"""

from __future__ import annotations

from tinykube.errors import (
    ApiError,
    ClusterNotRunning,
    Invalid,
    TinykubeError,
    Unauthorized,
)

START_HINT = "start one with `tinykube up -d`"


def describe(err: BaseException) -> str:
    """The message for ``err`` (no trailing newline; may span lines)."""
    if isinstance(err, Invalid):
        return invalid(err)
    if isinstance(err, Unauthorized):
        return f"error: You must be logged in to the server ({err.message})"
    if isinstance(err, ApiError):
        reason = err.reason or ""
        return f"Error from server ({reason}): {err.message}" if reason else \
            f"Error from server: {err.message}"
    if isinstance(err, ClusterNotRunning):
        return f"error: {err}"
    if isinstance(err, TinykubeError):
        text = str(err)
        return text if text.startswith("error: ") else f"error: {text}"
    return f"error: {err}"


def invalid(err: Invalid) -> str:
    """``The Service "x" is invalid: `` plus the causes, as kubectl words a 422."""
    if err.kind or err.name:
        head = f'The {err.kind} "{err.name}" is invalid'
    else:
        head = "The request is invalid"
        if not err.causes and err.message:
            head += ": " + err.message
    causes = [f"{c.field}: {c.message}" if c.field else c.message for c in err.causes]
    if not causes:
        return head
    if len(causes) == 1:
        return f"{head}: {causes[0]}"
    return f"{head}: \n" + "\n".join(f"* {c}" for c in causes)


def with_source(err: BaseException, verb: str, source: str) -> BaseException:
    """``err`` about an object read from ``source``: ``error when creating "svc.yaml": ...``."""
    if not source:
        return err
    if isinstance(err, ApiError) and not isinstance(err, Invalid):
        err.message = f'error when {verb} "{source}": {err.message}'
        return err
    if isinstance(err, ApiError):
        return err
    return TinykubeError(f'error when {verb} "{source}": {err}')


def not_running(server: str, detail: str = "") -> ClusterNotRunning:
    """The cluster named by the kubeconfig does not answer."""
    why = f" ({detail})" if detail else ""
    return ClusterNotRunning(
        f"the tinykube cluster at {server} is not running{why}: {START_HINT}")
