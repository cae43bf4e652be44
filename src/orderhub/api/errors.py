"""Every failure answers `{success: false, code, message}`: one line, no traceback, no secret.

Bad query or path parameters are 400 and bad request bodies 422, each naming the field
(`lineItems.0.quantity: …`). The hub's own errors keep their merchant-facing message
(not found → 404, cannot be done as asked → 422). A value that overflows while being converted
(a date at the edge of the calendar) is a 400. Anything unexpected is a 500 whose body says
only that; the details go to the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from orderhub.api.envelopes import error
from orderhub.errors import HubError, NotFoundError, UsageError

__all__ = ["ApiError", "describe_validation", "install_error_handlers"]

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    404: "No results",
    405: "Method not allowed",
}
_MAX_MESSAGE = 500


class ApiError(Exception):
    """Raised by an endpoint to answer with an error envelope."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(Exception, _unexpected)


def describe_validation(errors: Sequence[Any]) -> tuple[int, str]:
    """(status, one line) for pydantic/FastAPI validation errors: 422 for the body, else 400."""
    if not errors:
        return 400, "Invalid request"
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    in_body = bool(loc) and loc[0] == "body"
    status = 422 if in_body else 400
    kind = first.get("type", "")
    if in_body and kind == "json_invalid":
        return 400, "The request body is not valid JSON"
    field = ".".join(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else ""
    if in_body and not field:
        if kind == "missing":
            return status, "The request body is required"
        return status, _one_line(f"The request body must be a JSON object: {_clean(first)}")
    where = f"{field}: " if field else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return status, _one_line(f"{where}{_clean(first)}{more}")


def _clean(problem: Any) -> str:
    text = str(problem.get("msg", "invalid value"))
    return text.removeprefix("Value error, ")


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, _one_line(exc.message), exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = _STATUS_MESSAGES.get(exc.status_code)
    if message is None:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    headers = dict(exc.headers) if exc.headers else None
    return error(exc.status_code, _one_line(message), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    status, message = describe_validation(exc.errors())
    return error(status, message)


async def _hub_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    if isinstance(exc, NotFoundError):
        return error(404, _one_line(str(exc)))
    if isinstance(exc, UsageError):
        return error(422, _one_line(str(exc)))
    return error(409, _one_line(str(exc)))


async def _overflow(request: Request, exc: Exception) -> Response:
    # A time at the edge of the calendar (year 1 with a positive offset) or a huge number:
    # converting it overflows before any validator can name the field.
    return error(400, "A date or number in the request is out of range")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error(500, "Internal error; the hub's log has the details")
