"""Label selectors (STUB: filled in by the api owner)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Selector:
    """A parsed label selector: equality- and set-based requirements, all ANDed."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        return True

    def empty(self) -> bool:
        return True

    def __str__(self) -> str:
        return ""


def parse(text: str) -> Selector:
    """Parse ``a=b,c!=d,e in (f,g),!h,i`` (kubectl's syntax). Raises ``BadRequest``."""
    return Selector()


def from_label_selector(sel: Mapping[str, Any] | None) -> Selector:
    """A ``metav1.LabelSelector`` (``matchLabels`` + ``matchExpressions``).

    None matches nothing (Kubernetes' rule for a nil selector); ``{}`` matches everything.
    """
    return Selector()


def from_set(labels: Mapping[str, str]) -> Selector:
    """The equality selector a Service's ``spec.selector`` map means."""
    return Selector()
