"""The worker's database checks, without a server: PostgreSQL only, one clear line otherwise."""

from __future__ import annotations

import pytest

from orderhub.engine.distributed import DistributedOptions, libpq_conninfo
from orderhub.errors import UsageError


def test_sqlite_is_refused_with_one_clear_line() -> None:
    with pytest.raises(UsageError, match="orderhub worker needs PostgreSQL") as caught:
        libpq_conninfo("sqlite:////tmp/orderhub.db")
    assert "\n" not in str(caught.value)


def test_a_sqlalchemy_postgresql_url_becomes_a_libpq_url_with_its_password() -> None:
    url = "postgresql+psycopg://hub:s3cret@db.internal:5433/orderhub?sslmode=require"
    assert (
        libpq_conninfo(url) == "postgresql://hub:s3cret@db.internal:5433/orderhub?sslmode=require"
    )


def test_a_heartbeat_slower_than_the_stall_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="stalled_after_seconds"):
        DistributedOptions(heartbeat_seconds=10, stalled_after_seconds=5)
