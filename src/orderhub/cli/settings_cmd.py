"""`orderhub integrations settings ID [KEY=VALUE …]`: see or change an integration's settings."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.app import integrations_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table, shown
from orderhub.errors import UsageError

__all__ = ["settings"]


@integrations_app.command("settings")
def settings(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    changes: Annotated[
        list[str] | None,
        typer.Argument(
            help="KEY=VALUE to change a setting, KEY= to reset it to its default.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show an integration's settings and their history, or change them (KEY=VALUE …).

    Every value is checked before any is stored; each change is kept in the history with who
    made it.
    """
    from orderhub.services.integration_settings import (
        change_settings,
        integration_history,
        integration_settings,
    )

    wanted: dict[str, str | None] = {}
    for item in changes or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"Write each change as KEY=VALUE (or KEY= to reset), not {item!r}")
        wanted[key.strip()] = value.strip() or None
    with open_hub() as hub:
        changed = change_settings(hub, integration_id, wanted, actor="cli") if wanted else []
        values = integration_settings(hub, integration_id)
        past = integration_history(hub, integration_id, limit=10)
    if as_json:
        print_json({v.spec.key: v.effective for v in values})
        return
    for line in changed:
        console.print(shown(f"Changed {line}"))
    if wanted and not changed:
        console.print("Nothing changed: the settings already had those values.")
    print_table(
        "Settings",
        ["setting", "value", "what it does"],
        (
            [
                v.spec.key,
                f"{v.spec.default_shown()} (default)"
                if v.is_default and v.spec.default is not None
                else v.text or v.spec.shown(None),
                v.spec.help,
            ]
            for v in values
        ),
    )
    if past:
        print_table("History", ["when", "by", "change"], ([e.at, e.actor, e.note] for e in past))
