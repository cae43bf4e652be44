"""Portal form posts are capped like API bodies (`ORDERHUB_MAX_BODY_BYTES`, 1 MiB)."""

from __future__ import annotations

import pytest

from orderhub.hub import Hub
from orderhub.portal import create_portal_app
from support.asgi import call

MIB = 1024 * 1024
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_of(size: int) -> bytes:
    return b"email=a%40example.com&password=" + b"x" * size


def test_a_form_declared_over_the_cap_is_413_before_it_is_read(hub: Hub) -> None:
    answer = call(create_portal_app(hub), "POST", "/signin", headers=FORM, body=form_of(2 * MIB))
    assert answer.status == 413
    assert answer.body == b"The request body is larger than the 1 MiB this hub accepts"
    assert answer.read == 0


@pytest.mark.parametrize("path", ["/signin", "/setup", "/apikeys"])
def test_a_chunked_form_is_cut_off_once_it_passes_the_cap(hub: Hub, path: str) -> None:
    chunk = 64 * 1024
    answer = call(
        create_portal_app(hub),
        "POST",
        path,
        headers=FORM,
        body=form_of(3 * MIB),
        chunk=chunk,
        chunked=True,
    )
    assert answer.status == 413
    assert MIB < answer.read <= MIB + chunk


def test_a_form_within_the_cap_reaches_the_page(hub: Hub) -> None:
    answer = call(create_portal_app(hub), "POST", "/signin", headers=FORM, body=form_of(10))
    assert answer.status == 403  # refused for its missing CSRF token, as any form without it
    assert b"Form expired" in answer.body
