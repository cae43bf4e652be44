"""Portal fixtures: a hub in a temporary home, its web app served on loopback, sandbox stores,
and (for the browser tests) the system Chromium driven by Playwright.

The browser is Debian's `chromium` (never `playwright install`, which cannot download here);
without it, or without the `playwright` package, the browser tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import Portal

from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub, build_hub
from orderhub.proxies import TrustedProxies
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.web import create_web_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def hub(tmp_path: Path, sqlite_template: Path) -> Iterator[Hub]:
    """A hub in a temporary home, on a copy of the suite's migrated SQLite template."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    hub = build_hub(Settings.from_env({"ORDERHUB_HOME": str(home)}), migrate=False)
    yield hub
    hub.close()


@pytest.fixture
def portal(hub: Hub) -> Iterator[Portal]:
    """The web app (portal + API) served on loopback; long work on background threads."""
    with serve_in_thread(create_web_app(hub)) as web:
        served = Portal(hub=hub, url=web.url)
        yield served
        served.close()


@pytest.fixture
def proxied_portal(hub: Hub) -> Iterator[Portal]:
    """The web app as served behind a proxy on loopback (`ORDERHUB_TRUSTED_PROXIES=127.0.0.1`):
    the test's requests stand for the proxy's, forwarding headers and all."""
    behind = hub.settings.replace(trusted_proxies=TrustedProxies.parse("127.0.0.1, ::1"))
    proxied = Hub(settings=behind, db=hub.db, box=hub.box, registry=hub.registry, clock=hub.clock)
    with serve_in_thread(create_web_app(proxied)) as web:
        served = Portal(hub=proxied, url=web.url)
        yield served
        served.close()


@pytest.fixture
def scheduled_portal(hub: Hub) -> Iterator[tuple[Portal, EmbeddedScheduler]]:
    """The web app with an embedded scheduler that is NOT started: tests step it by hand."""
    scheduler = EmbeddedScheduler(hub.runner(), hub.db, tick_seconds=0.05)
    with serve_in_thread(create_web_app(hub, scheduler=scheduler)) as web:
        served = Portal(hub=hub, url=web.url)
        yield served, scheduler
        served.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main
    # thread while it is open, and every later test calling `asyncio.run` would fail.
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` to run browser tests")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the `playwright` package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
