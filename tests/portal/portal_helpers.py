"""Helpers for the portal tests: an HTTP client that signs in and posts forms with their token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event

from orderhub.hub import Hub
from orderhub.services.users import create_admin

EMAIL = "merchant@example.com"
PASSWORD = "a long enough password"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Portal:
    hub: Hub
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A fresh browser-like client (own cookies); closed when the test ends."""
        # A new connection per request: on a kept-alive connection each answer waits ~40 ms
        # for a delayed ACK on loopback (the server sends headers and body in two writes).
        client = httpx.Client(
            base_url=self.url,
            follow_redirects=False,
            timeout=30.0,
            headers={"Connection": "close"},
        )
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def signed_in(self, email: str = EMAIL, password: str = PASSWORD) -> httpx.Client:
        """A client with a session of a (new) admin."""
        create_admin(self.hub, email=email, password=password)
        client = self.client()
        answer = post_form(
            client, "/signin", {"email": email, "password": password, "next": "/"}, page="/signin"
        )
        assert answer.status_code == 303, answer.text
        return client


def post_form(
    client: httpx.Client, path: str, data: dict[str, Any], *, page: str | None = None
) -> httpx.Response:
    """POST `data` to `path` with the CSRF token read from `page` (default: `path`)."""
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token})


@contextmanager
def selects(hub: Hub) -> Iterator[list[str]]:
    """The SELECT statements the hub's database runs inside the block (a page's queries)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            seen.append(str(args[2]))

    event.listen(hub.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", count)
