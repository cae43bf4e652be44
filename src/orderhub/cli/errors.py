"""Turn any exception into one line a merchant can act on.

The line is printed as text (`output.shown`): a message may quote a store's data, so it keeps
no line break and no control character, and is never read as Rich markup.

Pydantic and the domain bounds are imported by `explain` itself: it
only runs when a command failed, and every command starts faster without them.
"""

from __future__ import annotations

from orderhub.cli.output import visible
from orderhub.errors import HubError

__all__ = ["explain"]

_HINT = " (set ORDERHUB_DEBUG=1 to see the traceback)"


def explain(error: BaseException) -> str:
    """One line: the hub's own message as is, a model's first refusal naming its field, else
    the exception's class and first line with a hint for the traceback."""
    from pydantic import ValidationError

    from orderhub.domain.bounds import describe_problem

    if isinstance(error, HubError):  # the connectors' errors too (`ConnectorError`)
        return _one_line(str(error))
    if isinstance(error, ValidationError) and error.errors():
        problem = error.errors()[0]
        place = ".".join(str(part) for part in problem.get("loc", ()))
        reason = describe_problem(problem)
        return _one_line(f"{place}: {reason}" if place else reason)
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    name = type(error).__name__
    return _one_line(f"{name}: {first}{_HINT}" if first else f"{name}{_HINT}")


def _one_line(text: str) -> str:
    # A line break between sentences becomes a space; any other control character is shown.
    return visible(" ".join(part.strip() for part in text.strip().split("\n")))
