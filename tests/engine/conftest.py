"""Fixtures for the engine suite; the `database` fixture (SQLite and PostgreSQL) is the suite's."""

from __future__ import annotations

import pytest

from orderhub.clock import FakeClock
from orderhub.secrets import SecretBox

from .engine_fakes import T0, FakeSource


@pytest.fixture
def box() -> SecretBox:
    return SecretBox("test-secret-key-for-the-engine-suite")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()
