"""Errors as the API answers them: JSON `{"error": {...}}` with the HTTP status.

The body of a `.scene` error is the preview's (`preview.server.error_payload`):
the CLI's text (`file:line:col: error: …`, the line, a caret, a hint) and its
parts, so a client can show it as `render check` would."""
from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["ApiError", "error_response", "too_large_response"]


class ApiError(Exception):
    """A request the API refuses: `status`, a message, and optional details
    (`hint`, `field`, `problems`, a located `.scene` error's parts)."""

    def __init__(self, status: int, message: str, *, hint: str | None = None, headers: dict[str, str] | None = None,
                 **details: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, "hint": self.hint, **self.details}}


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


def too_large_response(limit: int) -> JSONResponse:
    err = ApiError(413, f"the request is larger than this server takes ({limit:,} bytes)",
                   hint="upload smaller assets, or ask the operator for a larger --max-request-size")
    return JSONResponse(err.body(), status_code=413, headers={"Connection": "close"})
