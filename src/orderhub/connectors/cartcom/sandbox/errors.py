"""The Cart.com error envelope: `{"status_code": 400, "message": "Bad Request", "details": "…"}`."""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "ApiError", "envelope"]

MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """Raised anywhere in request handling; the app turns it into the error envelope."""

    def __init__(self, status: int, details: str, headers: dict[str, str] | None = None):
        super().__init__(details)
        self.status = status
        self.details = details
        self.headers = headers or {}


def envelope(status: int, details: str) -> dict[str, Any]:
    return {"status_code": status, "message": MESSAGES.get(status, "Error"), "details": details}
