"""Selectors written the way the printers write them.

``labels.FormatLabels`` for plain maps (a Service's selector, ``run=my-nginx``) and
``metav1.LabelSelectorAsSelector(...).String()`` for workload selectors with
``matchLabels`` and ``matchExpressions``. Only the text matters here; matching lives in
``api.labels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NONE = "<none>"


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: ``k=v`` sorted by key and comma-joined; ``<none>`` if empty."""
    if not labels:
        return NONE
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _requirement(expr: Mapping[str, Any]) -> tuple[str, str]:
    key = str(expr.get("key", ""))
    op = str(expr.get("operator", ""))
    values = sorted(str(v) for v in expr.get("values") or [])
    if op == "In":
        return key, f"{key} in ({','.join(values)})"
    if op == "NotIn":
        return key, f"{key} notin ({','.join(values)})"
    if op == "Exists":
        return key, key
    if op == "DoesNotExist":
        return key, f"!{key}"
    raise ValueError(f"{op!r} is not a valid label selector operator")


def label_selector_string(selector: Mapping[str, Any] | None) -> str:
    """``LabelSelectorAsSelector(sel).String()``: requirements sorted by key; ``""`` if empty.

    Raises ``ValueError`` for an operator Kubernetes would reject.
    """
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = [
        (str(k), f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()
    ]
    reqs.extend(_requirement(e) for e in selector.get("matchExpressions") or [])
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """``metav1.FormatLabelSelector``: like the above, ``<none>`` when empty, ``<error>`` if bad."""
    try:
        text = label_selector_string(selector)
    except ValueError:
        return "<error>"
    return text or NONE
