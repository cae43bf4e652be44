"""Help pages that read as a person expects: `--json` without `<bool>`, `sync INTEGRATION_ID`.

Typer's help (0.29) gives every parameter a type column and writes a required argument in
braces: `--help <bool>`, `Usage: orderhub sync [OPTIONS] {integration_id} [flows]...` and
`flows... <list[str]>`. Here a flag shows no type (it takes no value), an argument shows its
name in capitals, bare in the usage line when required and in brackets when not, and no type
(its help says what it is):

    Usage: orderhub sync [OPTIONS] INTEGRATION_ID [FLOWS...]

`readable_help(app)` gives every group and command of the app these classes; a test reads
every help page for the old renderings.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

__all__ = ["HelpCommand", "HelpGroup", "readable_help"]


class _Argument(TyperArgument):
    """An argument named in capitals, with no type column."""

    def display_type_rich(self, ctx: Any) -> str | None:  # Any: Typer's Context is private
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or (self.name or "").upper()
        return [name if self.required else f"[{name}]"]


def _readable(param: object) -> None:
    if isinstance(param, TyperArgument):
        # Same object, same state: only how it shows in help changes (`_Argument` adds none).
        param.__class__ = _Argument
        if param.metavar is None:
            many = "..." if param.nargs != 1 else ""
            param.metavar = f"{(param.name or '').upper()}{many}"
    elif isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
        param.metavar = ""  # a flag takes no value: no `<bool>`


class HelpCommand(TyperCommand):
    """A command whose help page follows the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _readable(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _readable(option)
        return option


class HelpGroup(TyperGroup):
    """A group of commands whose help page follows the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _readable(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _readable(option)
        return option


def readable_help(app: typer.Typer) -> None:
    """Give every command of `app` and of its sub-apps that has Typer's own class
    `HelpCommand` (groups are made with `HelpGroup` where they are declared)."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = HelpCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            readable_help(group.typer_instance)
