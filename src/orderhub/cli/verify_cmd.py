"""`orderhub integrations verify ID`: prove the pull flows hold what the store holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from orderhub.cli.app import integrations_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, err_console, print_json, shown

if TYPE_CHECKING:
    from orderhub.domain import Verification

__all__ = ["verify"]


@integrations_app.command("verify")
def verify(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of lines.")] = False,
    no_refetch: Annotated[
        bool,
        typer.Option("--no-refetch", help="Only report the gaps; do not fetch them again."),
    ] = False,
) -> None:
    """Compare what the store holds since the integration was enabled with what the hub holds.

    One line per pull flow that is on: "0 missing, 0 stale since …", or the gaps by order
    number or SKU, re-fetched through the flow's retry. Exits 1 when gaps remain after the
    re-fetch (or a check failed), 0 when nothing is missing.
    """
    from orderhub.services.verification import Verifier

    with open_hub() as hub:
        verifier = Verifier.for_hub(hub)
        with err_console.status("Verifying…") as status:

            def progress(update: dict[str, Any]) -> None:
                status.update(f"{update.get('flow', '')}: {update.get('step', '')}…")

            found = verifier.verify(
                integration_id, trigger="manual", repair=not no_refetch, progress=progress
            )
    if as_json:
        print_json([verification.to_wire() for verification in found])
    elif not found:
        console.print(shown(f"No pull flow of {integration_id} is on: nothing to verify."))
    else:
        for verification in found:
            _print(verification)
    if any(not verification.complete for verification in found):
        raise typer.Exit(1)


def _print(verification: Verification) -> None:
    from orderhub.domain import VerificationStatus

    # Order numbers, SKUs and errors come from the store: printed as text (`shown`), never
    # read as Rich markup, control characters escaped.
    console.print(shown(verification.summary), soft_wrap=True)
    for line in verification.gap_lines():
        console.print(shown("  ", line), soft_wrap=True)
    if verification.error and verification.status is not VerificationStatus.FAILED:
        console.print(shown("  ", verification.error), soft_wrap=True)
