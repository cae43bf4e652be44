"""Fixtures for the store suite: a secret box and a ready-made integration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store.integrations import create_integration

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox("test-secret-key-for-the-store-suite")


@pytest.fixture
def integration_id(database: Database, box: SecretBox) -> str:
    with database.session() as session:
        integration = create_integration(
            session,
            connector="cartcom",
            name="Test store",
            api_url="https://store.example.com/api/v1",
            api_token="tok_0123456789abcdef",
            box=box,
            now=T0,
        )
    return integration.integration_id
