"""`orderhub apikeys create|list|revoke`: keys for the REST API under /api/v3.

The key is printed once, when it is made; the hub keeps only its hash and its prefix.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from orderhub.cli.app import app, command_group
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table, shown

__all__ = ["Scope", "apikeys_app", "create", "list_keys", "revoke"]

Scope = Literal["read", "readwrite"]
"""`services.apikeys.ApiKeyScope`'s values, spelled here so the CLI starts without the service
(a test keeps the two the same)."""

apikeys_app = command_group("API keys for the REST API (Authorization: Bearer <key>).")
app.add_typer(apikeys_app, name="apikeys")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@apikeys_app.command("create")
def create(
    name: Annotated[
        str | None,
        typer.Option("--name", help="Who or what uses the key; its name in `apikeys list`."),
    ] = None,
    scope: Annotated[
        Scope,
        typer.Option("--scope", help="read: GET only; readwrite: also writes and control."),
    ] = "readwrite",
    as_json: JsonOption = False,
) -> None:
    """Make an API key and print it once; store it now, the hub cannot show it again."""
    from orderhub.services.apikeys import DEFAULT_KEY_NAME, create_api_key

    named = DEFAULT_KEY_NAME if name is None else name
    with open_hub() as hub:
        key_id, plaintext = create_api_key(hub, name=named, scope=scope)
    if as_json:
        print_json({"keyId": key_id, "name": named, "scope": scope, "key": plaintext})
        return
    # "… for erp:" when the key was named; a key left unnamed is not "for API key".
    console.print(shown(f"API key {key_id} ({scope})", "" if name is None else f" for {name}", ":"))
    console.print(plaintext, markup=False, soft_wrap=True)
    console.print("Shown only now. Send it as `Authorization: Bearer <key>`.", markup=False)


@apikeys_app.command("list")
def list_keys(as_json: JsonOption = False) -> None:
    """API keys with their prefix, scope and last use (never the keys themselves)."""
    from orderhub.services.apikeys import list_api_keys

    with open_hub() as hub:
        keys = list_api_keys(hub)
    if as_json:
        print_json([key.to_wire() for key in keys])
        return
    print_table(
        "API keys",
        ["id", "name", "prefix", "scope", "created", "last used", "state"],
        (
            [
                key.key_id,
                key.name,
                f"{key.prefix}…",
                key.scope.value,
                key.created_at,
                key.last_used_at,
                "active" if key.active else "revoked",
            ]
            for key in keys
        ),
    )


@apikeys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="Key id (see `apikeys list`).")]) -> None:
    """Revoke a key at once: requests with it are refused from now on."""
    from orderhub.services.apikeys import revoke_api_key

    with open_hub() as hub:
        key = revoke_api_key(hub, key_id)
    console.print(shown(f"Revoked API key {key.key_id} ({key.name})."))
