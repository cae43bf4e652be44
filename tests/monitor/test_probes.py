"""`/healthz`, `/readyz` and who may read `/metrics`, through the web app in process."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from orderhub.hub import Hub, build_hub, default_registry
from orderhub.monitor.app import create_monitor_app
from orderhub.secrets import SecretBox
from orderhub.settings import Settings
from orderhub.store.database import HEAD_REVISION, Database, make_engine
from orderhub.web import create_web_app


@pytest.fixture
def hub(tmp_path: Path, sqlite_template: Path) -> Hub:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    made = build_hub(Settings.from_env({"ORDERHUB_HOME": str(home)}), migrate=False)
    yield made  # type: ignore[misc]
    made.close()


REMOTE = ("203.0.113.5", 40000)


def get(
    app: object,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    peer: tuple[str, int] = ("127.0.0.1", 40000),
) -> httpx.Response:
    """One request in process, from `peer` (loopback unless told)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=peer)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def test_healthz_and_readyz_answer_without_signing_in(hub: Hub) -> None:
    app = create_web_app(hub)
    healthy = get(app, "/healthz", peer=REMOTE)
    assert healthy.json() == {"success": True, "code": 200, "status": "ok"}
    ready = get(app, "/readyz", peer=REMOTE)
    assert ready.status_code == 200
    assert ready.json() == {
        "success": True,
        "code": 200,
        "status": "ready",
        "checks": {"database": "ok"},
    }


def test_healthz_needs_no_database_and_readyz_says_it_is_gone(tmp_path: Path) -> None:
    # Nothing listens on port 9: every connection is refused at once.
    database = Database(make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none"))
    settings = Settings(home=tmp_path, database_url="postgresql://x", secret_key="k")
    hub = Hub(settings=settings, db=database, box=SecretBox("k"), registry=default_registry())
    try:
        app = create_monitor_app(hub)
        assert get(app, "/healthz").status_code == 200
        answer = get(app, "/readyz")
        assert answer.status_code == 503
        assert answer.json()["checks"]["database"] == "database unreachable (OperationalError)"
    finally:
        database.dispose()


def test_readyz_refuses_a_schema_behind_this_release(hub: Hub) -> None:
    with hub.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    answer = get(create_web_app(hub), "/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] == (
        f"schema at revision 0009, this release needs {HEAD_REVISION}: run `orderhub db upgrade`"
    )


def test_readyz_of_a_worker_checks_the_queue(hub: Hub) -> None:
    app = create_monitor_app(hub, queue_conninfo="postgresql://postgres@127.0.0.1:9/none")
    answer = get(app, "/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {
        "database": "ok",
        "queue": "queue unreachable (OperationalError)",
    }


def test_metrics_are_served_to_this_machine_only_without_a_token(hub: Hub) -> None:
    app = create_web_app(hub)
    local = get(app, "/metrics")
    assert local.status_code == 200
    assert local.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE orderhub_open_exceptions gauge" in local.text
    assert "# TYPE orderhub_runs_total counter" in local.text
    # Another machine, and a proxy on this one forwarding a stranger's request.
    remote = get(app, "/metrics", peer=REMOTE)
    assert remote.status_code == 403
    assert "ORDERHUB_METRICS_TOKEN" in remote.text
    proxied = get(app, "/metrics", {"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


def test_metrics_token_lets_a_remote_scraper_in(hub: Hub) -> None:
    hub.settings = hub.settings.replace(metrics_token="s3cret-scrape-token")
    app = create_web_app(hub)
    assert get(app, "/metrics", peer=REMOTE).status_code == 401
    wrong = get(app, "/metrics", {"Authorization": "Bearer nope"}, peer=REMOTE)
    assert wrong.status_code == 401
    right = get(app, "/metrics", {"Authorization": "Bearer s3cret-scrape-token"}, peer=REMOTE)
    assert right.status_code == 200
    assert "orderhub_sync_lag_seconds" in right.text


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_workers_readyz_waits_for_the_queue_schema(database_url: str, tmp_path: Path) -> None:
    from orderhub.engine.distributed import ensure_procrastinate_schema, libpq_conninfo

    settings = Settings(home=tmp_path, database_url=database_url, secret_key="k")
    database = Database.from_url(database_url, migrate=False)
    hub = Hub(settings=settings, db=database, box=SecretBox("k"), registry=default_registry())
    conninfo = libpq_conninfo(database_url)
    try:
        app = create_monitor_app(hub, queue_conninfo=conninfo)
        before = get(app, "/readyz")
        assert before.status_code == 503
        assert before.json()["checks"] == {
            "database": "ok",
            "queue": "queue schema missing (a worker applies it on start)",
        }
        assert ensure_procrastinate_schema(conninfo)
        after = get(app, "/readyz")
        assert after.status_code == 200
        assert after.json()["checks"] == {"database": "ok", "queue": "ok"}
    finally:
        database.dispose()
