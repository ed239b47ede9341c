"""Kubernetes defaulting for every kind tinykube serves (STUB: filled in by the api owner).

``apply(obj)`` changes ``obj`` in place, the way the kube-apiserver's SetDefaults_* do,
before validation, on create and again after every update and patch.
"""

from __future__ import annotations

from tinykube.api.meta import Obj


def apply(obj: Obj) -> None:
    """Fill in the defaults of ``obj`` (dispatching on its kind)."""
