"""Errors the web layer raises, each with the HTTP status a client should see.

The data adapter turns the engine's ``KeyError`` / ``ValueError`` (which already name the
culprit and suggest near misses) into these, so no user mistake ever becomes a 500.
"""

from __future__ import annotations

__all__ = ["BadRequest", "Conflict", "Forbidden", "LoginRequired", "NotFound", "Unavailable",
           "WebError"]


class WebError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WebError):
    status = 400


class LoginRequired(WebError):
    status = 401


class Forbidden(WebError):
    status = 403


class NotFound(WebError):
    status = 404


class Conflict(WebError):
    """The request was valid but the state has moved on (an objection already reviewed)."""

    status = 409


class Unavailable(WebError):
    """The warehouse is missing or has no computed results yet."""

    status = 503
