"""The API checks the key before it reads a body, and reads no body past the cap.

Called in-process with the body delivered in chunks (`support.asgi.call`), so each test can
say how much of the body the app pulled before it answered.
"""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

from orderhub.api import create_app
from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.services.apikeys import create_api_key
from orderhub.settings import Settings
from support.asgi import call

from .conftest import API

MIB = 1024 * 1024
CAP = MIB  # the default


def big_json(size: int) -> bytes:
    """A valid JSON write of about `size` bytes (a long product name)."""
    return json.dumps({"sku": "BIG-1", "name": "x" * size}).encode()


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    return create_app(hub)


@pytest.fixture
def key(hub: Hub) -> dict[str, str]:
    _, plaintext = create_api_key(hub, name="writer", scope="readwrite")
    return {"Authorization": f"Bearer {plaintext}", "Content-Type": "application/json"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_large_body_without_a_key_is_401_and_never_read(app: FastAPI, chunked: bool) -> None:
    answer = call(app, "POST", f"{API}/products", body=big_json(2 * MIB), chunked=chunked)
    assert answer.status == 401
    assert answer.json()["code"] == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.read == 0


def test_a_wrong_key_is_refused_before_the_body_too(app: FastAPI) -> None:
    headers = {"Authorization": "Bearer ohk_not-a-real-key"}
    answer = call(app, "POST", f"{API}/products", headers=headers, body=big_json(2 * MIB))
    assert answer.status == 401
    assert answer.read == 0


def test_a_declared_length_over_the_cap_is_413_before_any_byte_is_read(
    app: FastAPI, key: dict[str, str]
) -> None:
    answer = call(app, "POST", f"{API}/products", headers=key, body=big_json(2 * MIB))
    assert answer.status == 413
    assert answer.json() == {
        "success": False,
        "code": 413,
        "message": "The request body is larger than the 1 MiB this hub accepts",
    }
    assert answer.read == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_cap(
    app: FastAPI, key: dict[str, str]
) -> None:
    chunk = 64 * 1024
    answer = call(
        app,
        "POST",
        f"{API}/products",
        headers=key,
        body=big_json(4 * MIB),
        chunk=chunk,
        chunked=True,
    )
    assert answer.status == 413
    assert answer.json()["success"] is False
    assert answer.json()["code"] == 413
    assert CAP < answer.read <= CAP + chunk  # stopped at the chunk that crossed the cap


def test_a_body_within_the_cap_is_served(app: FastAPI, key: dict[str, str]) -> None:
    body = json.dumps({"sku": "CAP-1", "quantity": 3}).encode()
    for chunked in (False, True):
        answer = call(app, "POST", f"{API}/inventory", headers=key, body=body, chunked=chunked)
        assert answer.status == 201, answer.body


def test_the_cap_is_a_setting(hub: Hub, key: dict[str, str]) -> None:
    small = Hub(
        settings=hub.settings.replace(max_body_bytes=100),
        db=hub.db,
        box=hub.box,
        registry=hub.registry,
    )
    body = json.dumps({"sku": "CAP-1", "quantity": 3, "note": "x" * 200}).encode()
    answer = call(create_app(small), "POST", f"{API}/inventory", headers=key, body=body)
    assert answer.status == 413
    assert (
        answer.json()["message"] == "The request body is larger than the 100 bytes this hub accepts"
    )


def test_the_setting_is_read_from_the_environment(hub: Hub) -> None:
    home = {"ORDERHUB_HOME": str(hub.settings.home)}
    assert Settings.from_env(home).max_body_bytes == MIB
    assert Settings.from_env({**home, "ORDERHUB_MAX_BODY_BYTES": "4096"}).max_body_bytes == 4096
    for bad in ("0", "-1", "1MB"):
        with pytest.raises(UsageError, match="ORDERHUB_MAX_BODY_BYTES"):
            Settings.from_env({**home, "ORDERHUB_MAX_BODY_BYTES": bad})
