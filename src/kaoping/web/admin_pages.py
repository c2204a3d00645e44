"""The administrator's logins page: add, disable, re-enable, reset, revoke, remove users.

The same operations as ``kaoping users add/passwd/disable/enable/remove/revoke``, through
:mod:`kaoping.web.users`, and recorded in the login audit trail as the CLI records them
(channel ``page``). Administrators only; every form carries the session's CSRF token. An
administrator cannot disable or remove himself (he would lock the door behind him).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaoping.appdb import session_scope
from kaoping.web import auth
from kaoping.web.audit import log_auth, recent_auth
from kaoping.web.errors import BadRequest, Forbidden, WebError
from kaoping.web.i18n import pick_lang, translate
from kaoping.web.pages import check_csrf, render
from kaoping.web.scope import Scope, ScopeDep
from kaoping.web.users import (
    Role,
    UserError,
    change_account,
    create_user,
    list_users,
    password_problem,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: action -> the audit event the CLI records for it
ACTIONS = {"disable": "disabled", "enable": "enabled", "passwd": "password_changed",
           "revoke": "tokens_revoked", "remove": "removed"}
USERNAME = Path(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")


def admin_scope(scope: ScopeDep) -> Scope:
    if scope.role is not Role.ADMIN:
        raise Forbidden("only administrators manage logins")
    return scope


AdminScope = Annotated[Scope, Depends(admin_scope)]


def _users(scope: Scope) -> list[dict[str, Any]]:
    data = scope.ctx.data
    out = []
    with session_scope(scope.ctx.engine) as s:
        for u in list_users(s):
            organ = None
            if u.organ_code and data.has_organ(u.organ_code):
                organ = data.organ(u.organ_code)
            out.append({"username": u.username, "role": u.role, "organ_code": u.organ_code,
                        "organ": organ, "prosecutor_id": u.prosecutor_id,
                        "active": bool(u.active), "created_at": u.created_at})
    return out


#: the details the login events record (kaoping.web.auth, .pages, this module), in Chinese
_DETAILS_ZH = (
    (re.compile(r"^retry after (\d+) s$"), r"\1 秒后可重试"),
    (re.compile(r"^locked for (\d+) s$"), r"锁定 \1 秒"),
    (re.compile(r"^by (\S+) on the logins page$"), r"由 \1 在用户管理页操作"),
    (re.compile(r"^wrong current password on password change$"), "修改密码时当前密码错误"),
)


def _detail(text: str, lang: str) -> str:
    """A login event's detail in ``lang`` (recorded in English; unknown ones as recorded)."""
    if lang == "zh":
        for pattern, zh in _DETAILS_ZH:
            if pattern.match(text):
                return pattern.sub(zh, text)
    return text


def _page(request: Request, scope: Scope, status: int = 200, error: str = "",
          done: str = "", form: dict[str, str] | None = None) -> Response:
    lang = pick_lang(request)
    return render(request, "admin_users.html", scope, status_code=status, users=_users(scope),
                  roles=[r.value for r in Role], error=error, done=done, form=form or {},
                  me=scope.principal.username, events=recent_auth(scope.ctx.engine, limit=30),
                  detail=lambda text: _detail(text, lang))


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, scope: AdminScope,
    done: Annotated[str, Query(max_length=80, pattern=r"^([a-z]+:[A-Za-z0-9_.@-]+)?$",
                               description="the change just made (action:user)")] = "",
) -> Response:
    """Every login with its role and scope, and the forms to change them."""
    return _page(request, scope, done=done)


#: what kaoping.web.users says (English, for the CLI) -> what the page says in Chinese
_USER_ERRORS_ZH = [
    (re.compile(r"^no organ '(.*)' in the warehouse$"), "数据中没有院代码为 {0} 的检察院"),
    (re.compile(r"^no prosecutor '(.*)' in the warehouse$"), "数据中没有编号为 {0} 的检察官"),
    (re.compile(r"^prosecutor '(.*)' belongs to organ '(.*)', not '(.*)'$"),
     "检察官 {0} 属于 {1}，不属于 {2}"),
    (re.compile(r"^user '(.*)' exists already$"), "用户 {0} 已存在"),
    (re.compile(r"^no user '(.*)'"), "没有用户 {0}"),
    (re.compile(r"^invalid user name '(.*)'"),
     "用户名 {0} 无效：应为 2-64 个字母、数字或 _ . @ -"),
    (re.compile(r"^a (officer|leader) belongs to an organ"), "案管人员和院领导须填写院代码"),
    (re.compile(r"^a prosecutor user is a prosecutor"), "检察官用户须填写检察官编号"),
    (re.compile(r"^--prosecutor is only for"), "只有检察官用户才填写检察官编号"),
    (re.compile(r"^unknown role '(.*)'"), "未知角色 {0}"),
]


def _user_error(exc: UserError, lang: str) -> str:
    """A refused account change in the page's language."""
    message = str(exc)
    if lang == "en":
        return message
    for pattern, zh in _USER_ERRORS_ZH:
        m = pattern.match(message)
        if m is not None:
            return zh.format(*m.groups())
    return message


def _password_error(lang: str, password: str, username: str) -> str | None:
    problem = password_problem(password, username)
    return None if problem is None else translate(f"pw_{problem}", "en" if lang == "en"
                                                  else "zh")


def _subjects(scope: Scope, role: str, organ: str, prosecutor: str) -> str | None:
    """The organ to store: checked against the warehouse as ``kaoping users add`` does."""
    data = scope.ctx.data
    if prosecutor:
        try:
            row = data.prosecutor(prosecutor)
        except WebError:
            raise UserError(f"no prosecutor {prosecutor!r} in the warehouse") from None
        if organ and organ != row["organ_code"]:
            raise UserError(f"prosecutor {prosecutor!r} belongs to organ "
                            f"{row['organ_code']!r}, not {organ!r}")
        return str(row["organ_code"])
    if organ and not data.has_organ(organ):
        raise UserError(f"no organ {organ!r} in the warehouse")
    return organ or None


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request, scope: AdminScope,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
    organ: Annotated[str, Form(max_length=32)] = "",
    prosecutor: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create a login; a mistake comes back on the page with what was typed (but the
    password)."""
    check_csrf(scope, csrf)
    lang = pick_lang(request)
    form = {"username": username, "role": role, "organ": organ, "prosecutor": prosecutor}
    if (why := _password_error(lang, password, username)) is not None:
        return _page(request, scope, 400, error=why, form=form)
    try:
        organ_code = _subjects(scope, role, organ.strip(), prosecutor.strip())
        with session_scope(scope.ctx.engine) as s:
            create_user(s, username.strip(), password, role, organ_code=organ_code,
                        prosecutor_id=prosecutor.strip() or None)
    except UserError as exc:
        return _page(request, scope, 400, error=_user_error(exc, lang), form=form)
    return RedirectResponse(f"/admin/users?done=add:{username.strip()}", status_code=303)


@router.post("/admin/users/{username}/{action}", response_class=HTMLResponse)
def change_user(
    request: Request, scope: AdminScope,
    username: Annotated[str, USERNAME],
    action: Annotated[str, Path(pattern="^(disable|enable|passwd|revoke|remove)$")],
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """One account change, recorded in the login audit trail as the CLI records it."""
    check_csrf(scope, csrf)
    if username == scope.principal.username and action in ("disable", "remove"):
        raise BadRequest("you cannot disable or remove your own login: ask another "
                         "administrator")
    if action == "passwd" and (why := _password_error(pick_lang(request), password,
                                                      username)) is not None:
        return _page(request, scope, 400, error=f"{username}: {why}")
    try:
        with session_scope(scope.ctx.engine) as s:
            change_account(s, username, action, password)
    except UserError as exc:
        return _page(request, scope, 400, error=_user_error(exc, pick_lang(request)))
    log_auth(scope.ctx.engine, ACTIONS[action], username,
             address=auth.client_address(request), channel="page",
             detail=f"by {scope.principal.username} on the logins page")
    return RedirectResponse(f"/admin/users?done={action}:{username}", status_code=303)
