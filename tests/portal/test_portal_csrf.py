"""Every form POST of the portal is refused (403) without the session's CSRF token."""

from __future__ import annotations

import re

import pytest
from portal_helpers import Portal, csrf_of
from starlette.routing import Route

from orderhub.portal import create_portal_app


def post_paths(portal: Portal) -> list[str]:
    app = create_portal_app(portal.hub)
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            paths.append(re.sub(r"\{[^}]+\}", "x1", route.path))
    return paths


def test_the_portal_has_the_expected_forms(portal: Portal) -> None:
    paths = post_paths(portal)
    assert len(paths) >= 15
    for expected in ("/signin", "/setup", "/signout", "/inventory", "/exceptions/retry-all"):
        assert expected in paths


@pytest.mark.parametrize("with_token", ["missing", "wrong"])
def test_every_post_without_the_token_is_refused(portal: Portal, with_token: str) -> None:
    client = portal.signed_in()
    csrf_of(client.get("/").text)  # the session has a token; the posts below do not send it
    data = {} if with_token == "missing" else {"csrf_token": "not-the-session-token"}
    for path in post_paths(portal):
        answer = client.post(path, data=data)
        assert answer.status_code == 403, path
        assert "security token" in answer.text


def test_a_token_from_another_session_is_refused(portal: Portal) -> None:
    mine = portal.signed_in()
    theirs = portal.client()
    stolen = csrf_of(theirs.get("/signin").text)
    answer = mine.post("/exceptions/retry-all", data={"csrf_token": stolen})
    assert answer.status_code == 403
