"""Signed, expiring tokens: the bearer tokens of the API and the page session cookie.

A token is ``base64url(json payload) "." base64url(HMAC-SHA256(secret, payload))``. It is
stateless, so the server needs no session table; it carries the user's id and the user's
``token_epoch``, so bumping the epoch (a password change, a disabled account) revokes every
token issued before. Written with the standard library because ``itsdangerous`` is not a
declared dependency of kaoping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

__all__ = ["TokenError", "TokenPayload", "issue", "sign", "verify", "verify_signed"]


class TokenError(ValueError):
    """A token that is malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class TokenPayload:
    user_id: int
    epoch: int
    kind: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, message: str) -> str:
    """The HMAC of ``message``, url-safe; also used for CSRF form tokens."""
    return _b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())


def verify_signed(secret: bytes, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature)


def issue(secret: bytes, *, user_id: int, epoch: int, kind: str, ttl: int) -> str:
    """A token for ``user_id`` of ``kind`` ("api" or "session") valid for ``ttl`` seconds."""
    body = {"u": user_id, "e": epoch, "k": kind, "x": int(time.time()) + ttl}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{sign(secret, payload)}"


def verify(secret: bytes, token: str, *, kind: str) -> TokenPayload:
    """The payload of a genuine, unexpired token of ``kind``; TokenError otherwise."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not verify_signed(secret, payload, signature):
        raise TokenError("invalid token")
    try:
        body = json.loads(_unb64(payload))
        out = TokenPayload(int(body["u"]), int(body["e"]), str(body["k"]), int(body["x"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise TokenError("invalid token") from exc
    if out.kind != kind:
        raise TokenError(f"a {out.kind} token cannot be used here")
    if out.expires < time.time():
        raise TokenError("token expired: log in again")
    return out
