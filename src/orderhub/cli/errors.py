"""Turn any exception into one line a merchant can act on."""

from __future__ import annotations

from orderhub.connectors.cartcom.errors import CartcomError
from orderhub.errors import HubError

__all__ = ["explain"]


def explain(error: BaseException) -> str:
    if isinstance(error, HubError | CartcomError):
        return str(error)
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    name = type(error).__name__
    hint = " (set ORDERHUB_DEBUG=1 to see the traceback)"
    return f"{name}: {first}{hint}" if first else f"{name}{hint}"
