"""Who is asking: a bearer token (API) or a signed session cookie (pages).

This module only *identifies* the user; what he may see is decided in
:mod:`kaoping.web.scope`. Both credentials are tokens of :mod:`kaoping.web.tokens`, of
different kinds, so an API token cannot be replayed as a cookie or the other way round.

A signature alone would keep a token valid until it expires, whatever happens to it, so
every token names a row of ``web_sessions`` and the user's ``token_epoch``: logging out
revokes the row, a password change or ``kaoping users revoke``/``disable`` bumps the epoch,
and :func:`identify` checks both on every request (one primary-key read each, in the
application database, so every worker process agrees at once). Logins go through the
throttle of :mod:`kaoping.web.throttle` and leave a row in the audit trail
(:mod:`kaoping.web.audit`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import DateTime, Integer, String, delete, update
from sqlalchemy.orm import Mapped, mapped_column

from kaoping.appdb import Base, session_scope
from kaoping.web import throttle, tokens
from kaoping.web.audit import log_auth
from kaoping.web.context import AppContext
from kaoping.web.errors import LoginRequired, WebError
from kaoping.web.users import Role, User, authenticate, get_user

__all__ = [
    "SESSION_COOKIE",
    "LoginThrottled",
    "Principal",
    "WebSession",
    "clear_session",
    "client_address",
    "csrf_token",
    "end_session",
    "identify",
    "issue_api_token",
    "login",
    "start_session",
]

SESSION_COOKIE = "kaoping_session"


class LoginThrottled(WebError):
    """Too many failed logins: try again in ``retry_after`` seconds (429)."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins: try again in {retry_after} seconds")
        self.retry_after = retry_after


class WebSession(Base):
    """A server-side session: one per login (page cookie or API token)."""

    __tablename__ = "web_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "session" or "api"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                        nullable=True)


@dataclass(frozen=True)
class Principal:
    """The logged-in user, detached from the database session."""

    user_id: int
    username: str
    role: Role
    #: the user's organ; None for an administrator (the national organ, resolved by scope)
    organ_code: str | None
    prosecutor_id: str | None
    #: the credential used, so a CSRF token can be bound to the session
    credential: str
    via: str  # "bearer" or "cookie"
    #: the server-side session of the credential (logging out revokes it)
    session_id: str = ""


def _principal(user: User, credential: str, via: str, sid: str) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, role=user.role_enum,
        organ_code=user.organ_code, prosecutor_id=user.prosecutor_id,
        credential=credential, via=via, session_id=sid,
    )


def _check(ctx: AppContext, token: str, kind: str, via: str) -> Principal:
    try:
        payload = tokens.verify(ctx.config.secret, token, kind=kind)
    except tokens.TokenError as exc:
        raise LoginRequired(str(exc)) from None
    with session_scope(ctx.engine) as session:
        user = get_user(session, payload.user_id)
        if user is None or not user.active or user.token_epoch != payload.epoch:
            raise LoginRequired("token revoked: log in again")
        row = session.get(WebSession, payload.sid) if payload.sid else None
        if row is None or row.revoked_at is not None or row.user_id != user.id:
            raise LoginRequired("logged out: log in again")
        return _principal(user, token, via, payload.sid)


def identify(request: Request, ctx: AppContext) -> Principal:
    """The user behind the request; LoginRequired if there is none or it is not valid."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise LoginRequired("use 'Authorization: Bearer <token>' (POST /api/token)")
        return _check(ctx, token.strip(), "api", "bearer")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _check(ctx, cookie, "session", "cookie")
    raise LoginRequired("log in first: POST /api/token, or open /login in a browser")


def client_address(request: Request) -> str:
    """The client's address as the ASGI server reports it (behind a proxy, run uvicorn
    with ``--proxy-headers`` so that this is the real client)."""
    return request.client.host if request.client else "unknown"


def login(
    ctx: AppContext, username: str, password: str, *, address: str = "unknown",
    channel: str = "api",
) -> User | None:
    """The user if the password is right; None if not; LoginThrottled while locked.

    The lockout is checked before the password is hashed, so a locked guesser costs the
    server one indexed read, not an Argon2 hash. Every outcome is logged.
    """
    wait = throttle.check(ctx.engine, username, address)
    if wait:
        log_auth(ctx.engine, "login_locked", username, address=address, channel=channel,
                 detail=f"retry after {wait} s")
        raise LoginThrottled(wait)
    with session_scope(ctx.engine) as session:
        user = authenticate(session, username, password)
    if user is None:
        locked = throttle.failed(ctx.engine, username, address)
        log_auth(ctx.engine, "login_failed", username, address=address, channel=channel,
                 detail=f"locked for {locked} s" if locked else "")
        return None
    throttle.succeeded(ctx.engine, username)
    log_auth(ctx.engine, "login_ok", username, address=address, channel=channel)
    return user


def _new_session(ctx: AppContext, user: User, kind: str) -> str:
    now = datetime.now(UTC)
    sid = secrets.token_urlsafe(24)
    with session_scope(ctx.engine) as session:
        # expired sessions are of no use to anyone: drop them as new ones are made
        session.execute(delete(WebSession).where(WebSession.expires_at < now))
        session.add(WebSession(sid=sid, user_id=user.id, kind=kind, created_at=now,
                               expires_at=now + timedelta(seconds=ctx.config.token_ttl)))
    return tokens.issue(ctx.config.secret, user_id=user.id, epoch=user.token_epoch, kind=kind,
                        ttl=ctx.config.token_ttl, sid=sid)


def issue_api_token(ctx: AppContext, user: User) -> str:
    return _new_session(ctx, user, "api")


def start_session(ctx: AppContext, response: Response, user: User) -> None:
    token = _new_session(ctx, user, "session")
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ctx.config.token_ttl, httponly=True,
        samesite="lax", secure=ctx.config.secure_cookies, path="/",
    )


def end_session(ctx: AppContext, principal: Principal) -> None:
    """Revoke the principal's session: its cookie or token answers 401 from now on."""
    with session_scope(ctx.engine) as session:
        session.execute(update(WebSession).where(WebSession.sid == principal.session_id)
                        .values(revoked_at=datetime.now(UTC)))


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(ctx: AppContext, principal: Principal) -> str:
    """A form token bound to this session; page forms that change state carry it, and
    cookie-authenticated API calls that change state send it as ``X-CSRF-Token``."""
    return tokens.sign(ctx.config.secret, "csrf:" + principal.credential)
