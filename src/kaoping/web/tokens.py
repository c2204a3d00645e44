"""Signed, expiring tokens: the bearer tokens of the API and the page session cookie.

A token is ``base64url(json payload) "." base64url(HMAC-SHA256(secret, payload))``. The
signature proves the server issued it; whether it still holds is looked up on every request
(:mod:`kaoping.web.auth`): it carries the user's id, the user's ``token_epoch`` (bumping the
epoch -- a password change, ``kaoping users revoke``, a disabled account -- revokes every
token issued before) and the id of a server-side session row, revoked by logging out.
Written with the standard library because ``itsdangerous`` is not a declared dependency of
kaoping.
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
    #: the server-side session (``web_sessions``) the token belongs to
    sid: str = ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, message: str) -> str:
    """The HMAC of ``message``, url-safe; also used for CSRF form tokens."""
    return _b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())


def verify_signed(secret: bytes, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature)


def issue(
    secret: bytes, *, user_id: int, epoch: int, kind: str, ttl: int, sid: str = ""
) -> str:
    """A token for ``user_id`` of ``kind`` ("api" or "session") valid for ``ttl`` seconds,
    bound to the server-side session ``sid``."""
    body = {"u": user_id, "e": epoch, "k": kind, "x": int(time.time()) + ttl, "s": sid}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{sign(secret, payload)}"


def verify(secret: bytes, token: str, *, kind: str) -> TokenPayload:
    """The payload of a genuine, unexpired token of ``kind``; TokenError otherwise."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not verify_signed(secret, payload, signature):
        raise TokenError("invalid token")
    try:
        body = json.loads(_unb64(payload))
        out = TokenPayload(int(body["u"]), int(body["e"]), str(body["k"]), int(body["x"]),
                           str(body.get("s", "")))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise TokenError("invalid token") from exc
    if out.kind != kind:
        raise TokenError(f"a {out.kind} token cannot be used here")
    if out.expires < time.time():
        raise TokenError("token expired: log in again")
    return out
