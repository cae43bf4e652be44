"""API keys: stored hashed, sent as a bearer token (or X-Pipe17-Key), scoped read/readwrite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event, select
from typer.testing import CliRunner

from orderhub.cli.main import app as cli_app
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.services.apikeys import (
    ApiKeyScope,
    create_api_key,
    hash_api_key,
    list_api_keys,
    revoke_api_key,
    verify_api_key,
)
from orderhub.store.tables import ApiKeyRow

from .conftest import API, Api

WRITES = [
    ("POST", "fulfillments", {"orderId": "x", "lineItems": [{"sku": "A", "quantity": 1}]}),
    ("POST", "inventory", {"sku": "A", "quantity": 1}),
    ("POST", "products", {"sku": "A", "name": "A"}),
    ("POST", "integrations", {"apiUrl": "http://127.0.0.1:9", "apiKey": "k"}),
    ("PUT", "integrations/abc", {"flows": {}}),
    ("POST", "integrations/abc/sync", None),
    ("POST", "exceptions/retry", None),
    ("POST", "exceptions/abc/retry", None),
    ("POST", "exceptions/abc/resolve", None),
]
READS = [
    "orders",
    "products",
    "inventory",
    "locations",
    "fulfillments",
    "integrations",
    "exceptions",
    "runs",
    "orders/ext:1",
]


def test_the_key_is_stored_only_as_a_hash_with_a_recognisable_prefix(hub: Hub) -> None:
    key_id, plaintext = create_api_key(hub, name="warehouse", scope="read")
    assert plaintext.startswith("ohk_")
    assert len(plaintext) >= 40
    with hub.db.read_session() as session:
        row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).one()
        stored = (row.key_hash, row.prefix, row.name)
    assert stored[0] == hash_api_key(plaintext)
    assert plaintext not in stored
    assert plaintext.startswith(stored[1])
    assert len(stored[1]) < len(plaintext) // 2
    [listed] = list_api_keys(hub)
    assert listed.scope is ApiKeyScope.READ
    assert plaintext not in json.dumps(listed.to_wire())


def test_verify_accepts_the_key_refuses_others_and_notes_the_last_use(hub: Hub) -> None:
    key_id, plaintext = create_api_key(hub, name="erp")
    found = verify_api_key(hub, plaintext)
    assert found is not None
    assert found.key_id == key_id
    assert found.scope is ApiKeyScope.READWRITE
    assert list_api_keys(hub)[0].last_used_at is not None
    assert verify_api_key(hub, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert verify_api_key(hub, "") is None
    revoke_api_key(hub, key_id)
    assert verify_api_key(hub, plaintext) is None


def test_a_key_verified_a_moment_ago_is_checked_without_reading_the_database(hub: Hub) -> None:
    key_id, plaintext = create_api_key(hub, name="erp")
    assert verify_api_key(hub, plaintext) is not None
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        again = verify_api_key(hub, plaintext)
        wrong = verify_api_key(hub, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"))
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)
    assert again is not None
    assert again.key_id == key_id
    assert wrong is None
    # Only the wrong key was looked up.
    assert [s for s in statements if s.startswith("SELECT")] == [statements[-1]]
    assert "api_keys" in statements[-1]
    revoke_api_key(hub, key_id)
    assert verify_api_key(hub, plaintext) is None  # this process forgets it at once


def test_bad_key_requests_are_refused_in_words(hub: Hub) -> None:
    with pytest.raises(UsageError, match="read or readwrite"):
        create_api_key(hub, name="x", scope="admin")
    with pytest.raises(UsageError, match="name"):
        create_api_key(hub, name="  ")
    with pytest.raises(NotFoundError, match="apikeys list"):
        revoke_api_key(hub, "nope")


@pytest.mark.parametrize("path", READS)
def test_every_read_without_a_key_is_401(api: Api, path: str) -> None:
    response = api.anon.get(f"{API}/{path}")
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["code"] == 401
    assert "Bearer" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_needs_a_key_and_a_readwrite_one(
    api: Api, method: str, path: str, body: object
) -> None:
    anon = api.anon.request(method, f"{API}/{path}", json=body)
    assert anon.status_code == 401
    read_only = api.reader.request(method, f"{API}/{path}", json=body)
    assert read_only.status_code == 403
    assert read_only.json() == {
        "success": False,
        "code": 403,
        "message": read_only.json()["message"],
    }
    assert "read-only" in read_only.json()["message"]
    assert api.keys["read"] not in read_only.text


def test_wrong_revoked_and_malformed_keys_are_401(api: Api) -> None:
    for headers in (
        {"Authorization": "Bearer ohk_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"X-Pipe17-Key": "wrong"},
    ):
        response = api.anon.get(f"{API}/orders", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["success"] is False
    key_id, plaintext = create_api_key(api.hub, name="temp")
    assert api.anon.get(
        f"{API}/orders", headers={"Authorization": f"Bearer {plaintext}"}
    ).is_success
    revoke_api_key(api.hub, key_id)
    revoked = api.anon.get(f"{API}/orders", headers={"Authorization": f"Bearer {plaintext}"})
    assert revoked.status_code == 401
    assert revoked.json()["message"] == "Invalid or revoked API key"


def test_pipe17_header_is_an_alias_for_the_bearer_token(api: Api) -> None:
    read = api.anon.get(f"{API}/orders", headers={"X-Pipe17-Key": api.keys["read"]})
    assert read.status_code == 200
    write = api.anon.post(
        f"{API}/exceptions/retry", headers={"X-Pipe17-Key": api.keys["readwrite"]}
    )
    assert write.status_code == 202


def test_the_openapi_document_is_public(api: Api) -> None:
    response = api.anon.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "OrderHub API"


@pytest.fixture
def cli_env(tmp_path: Path, sqlite_template: Path) -> dict[str, str]:
    home = tmp_path / "cli-home"
    home.mkdir()
    (home / "orderhub.db").write_bytes(sqlite_template.read_bytes())
    return {"ORDERHUB_HOME": str(home), "COLUMNS": "200"}


def test_cli_creates_lists_and_revokes_keys(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["apikeys", "create", "--name", "3pl", "--scope", "read", "--json"], env=cli_env
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    assert created["scope"] == "read"
    assert created["key"].startswith("ohk_")

    listed = runner.invoke(cli_app, ["apikeys", "list", "--json"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert row["keyId"] == created["keyId"]
    assert row["name"] == "3pl"
    assert created["key"] not in listed.stdout
    assert created["key"].startswith(row["prefix"])

    table = runner.invoke(cli_app, ["apikeys", "list"], env=cli_env)
    assert "3pl" in table.stdout
    assert created["key"] not in table.stdout

    revoked = runner.invoke(cli_app, ["apikeys", "revoke", created["keyId"]], env=cli_env)
    assert revoked.exit_code == 0, revoked.output
    after = json.loads(runner.invoke(cli_app, ["apikeys", "list", "--json"], env=cli_env).stdout)
    assert after[0]["revokedAt"]

    text = runner.invoke(cli_app, ["apikeys", "create", "--name", "erp"], env=cli_env)
    assert text.exit_code == 0
    assert "Shown only now" in text.stdout
    assert "ohk_" in text.stdout
