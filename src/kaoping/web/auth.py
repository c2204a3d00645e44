"""Who is asking: a bearer token (API) or a signed session cookie (pages).

This module only *identifies* the user; what he may see is decided in
:mod:`kaoping.web.scope`. Both credentials are tokens of :mod:`kaoping.web.tokens`, of
different kinds, so an API token cannot be replayed as a cookie or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from kaoping.appdb import session_scope
from kaoping.web import tokens
from kaoping.web.context import AppContext
from kaoping.web.errors import LoginRequired
from kaoping.web.users import Role, User, authenticate, get_user

__all__ = [
    "SESSION_COOKIE",
    "Principal",
    "clear_session",
    "csrf_token",
    "identify",
    "issue_api_token",
    "login",
    "start_session",
]

SESSION_COOKIE = "kaoping_session"


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


def _principal(user: User, credential: str, via: str) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, role=user.role_enum,
        organ_code=user.organ_code, prosecutor_id=user.prosecutor_id,
        credential=credential, via=via,
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
        return _principal(user, token, via)


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


def login(ctx: AppContext, username: str, password: str) -> User | None:
    with session_scope(ctx.engine) as session:
        return authenticate(session, username, password)


def issue_api_token(ctx: AppContext, user: User) -> str:
    return tokens.issue(
        ctx.config.secret, user_id=user.id, epoch=user.token_epoch, kind="api",
        ttl=ctx.config.token_ttl,
    )


def start_session(ctx: AppContext, response: Response, user: User) -> None:
    token = tokens.issue(
        ctx.config.secret, user_id=user.id, epoch=user.token_epoch, kind="session",
        ttl=ctx.config.token_ttl,
    )
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ctx.config.token_ttl, httponly=True,
        samesite="lax", secure=ctx.config.secure_cookies, path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(ctx: AppContext, principal: Principal) -> str:
    """A form token bound to this session; page forms that change state carry it."""
    return tokens.sign(ctx.config.secret, "csrf:" + principal.credential)
