"""Fixtures for the DNS tests (helpers live in ``tinykube.testing.dns``)."""

from __future__ import annotations

from typing import Any

import dns.message
import pytest

from tinykube.dns.config import Config
from tinykube.dns.zone import Zone
from tinykube.testing.dns import Ask, ask_zone, populate


@pytest.fixture
def zone() -> Zone:
    return populate(Zone(Config.build(ns_addresses=("172.18.0.2",))))


@pytest.fixture
def ask(zone: Zone) -> Ask:
    def _ask(name: str, rdtype: str = "A", **kw: Any) -> dns.message.Message:
        return ask_zone(zone, name, rdtype, **kw)
    return _ask
