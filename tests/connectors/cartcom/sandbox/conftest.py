"""Fixtures for the Cart.com sandbox tests: small seeded stores on a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.connectors.cartcom.sandbox import Sandbox


@pytest.fixture(scope="module")
def shared() -> Sandbox:
    """A read-only store shared by a module's tests (do not write to it)."""
    return make_sandbox()


@pytest.fixture(scope="module")
def api(shared: Sandbox) -> Iterator[httpx.Client]:
    with client_for(shared) as client:
        yield client


@pytest.fixture
def sb() -> Sandbox:
    """A fresh store for tests that write."""
    return make_sandbox()


@pytest.fixture
def client(sb: Sandbox) -> Iterator[httpx.Client]:
    with client_for(sb) as c:
        yield c
