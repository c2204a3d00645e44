"""Every login is defended (issue 17): throttling, revocation, password policy, CSRF.

Each test builds its own application database (:func:`fresh`), because lockouts and
revocations are state: they must not leak into the shared app of the other web tests.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from kaoping.appdb import make_engine, session_scope
from kaoping.web import create_app, throttle
from kaoping.web.audit import AuthLog
from kaoping.web.users import UserError, check_password, create_user

from .conftest import PASSWORD, SECRET, Subjects

WRONG = "not-the-password-at-all"


@pytest.fixture
def fresh(tmp_path: Path, warehouse: Path, subjects: Subjects) -> Iterator[FastAPI]:
    """An app over the shared warehouse with a new app DB: admin, officer_a, prosecutor."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as s:
        create_user(s, "admin", PASSWORD, "admin")
        create_user(s, "officer_a", PASSWORD, "officer", organ_code=subjects.province_a)
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=subjects.grassroots_g,
                    prosecutor_id=subjects.prosecutor_p)
    engine.dispose()
    app = create_app(db=warehouse, app_db=url, secret=SECRET)
    yield app
    app.state.kp.data.close()
    app.state.kp.engine.dispose()


def _token(c: TestClient, user: str, password: str = PASSWORD) -> int:
    code: int = c.post("/api/token", json={"username": user, "password": password}).status_code
    return code


def _events(app: FastAPI, username: str) -> list[str]:
    with session_scope(app.state.kp.engine) as s:
        return [r.event for r in s.scalars(
            select(AuthLog).where(AuthLog.username == username).order_by(AuthLog.id))]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


# --- throttling --------------------------------------------------------------------------


def test_an_account_is_locked_after_five_wrong_passwords(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    assert [_token(c, "officer_a", WRONG) for _ in range(5)] == [401] * 5
    started = time.monotonic()
    r = c.post("/api/token", json={"username": "officer_a", "password": PASSWORD})
    assert r.status_code == 429, r.text  # even the right password, while locked
    assert int(r.headers["retry-after"]) > 0 and "try again in" in r.json()["detail"]
    assert time.monotonic() - started < 0.5  # refused before any Argon2 hash
    page = c.post("/login", data={"username": "officer_a", "password": PASSWORD},
                  follow_redirects=False)
    assert page.status_code == 429 and "set-cookie" not in page.headers
    assert 'id="login-locked"' in page.text and "秒后" in page.text
    assert int(page.headers["retry-after"]) > 0
    en = c.post("/login?lang=en", data={"username": "officer_a", "password": PASSWORD})
    assert "try again in" in en.text
    assert _token(c, "admin") == 200  # another account is not affected
    assert _events(fresh, "officer_a")[:5] == ["login_failed"] * 5
    assert "login_locked" in _events(fresh, "officer_a")


def test_unknown_names_are_throttled_like_real_ones(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    assert [_token(c, "nobody", WRONG) for _ in range(6)] == [401] * 5 + [429]


def test_an_address_is_locked_after_twenty_failures_over_any_accounts(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    codes = [_token(c, f"guess{i}", WRONG) for i in range(20)]
    assert codes == [401] * 20
    assert _token(c, "admin") == 429  # this address, any account


def test_lockouts_double_and_expire(fresh: FastAPI) -> None:
    """The policy over time, with explicit clocks (no sleeping)."""
    engine = fresh.state.kp.engine
    policy = throttle.ThrottlePolicy(account_free=2, address_free=100, base_seconds=10,
                                     max_seconds=40)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert throttle.failed(engine, "u", "a1", policy=policy, now=t0) == 0
    assert throttle.failed(engine, "u", "a1", policy=policy, now=t0) == 10
    assert throttle.check(engine, "u", "a2", now=t0 + timedelta(seconds=5)) == 5
    assert throttle.check(engine, "u", "a2", now=t0 + timedelta(seconds=11)) == 0
    assert throttle.failed(engine, "u", "a1", policy=policy, now=t0) == 20
    assert throttle.failed(engine, "u", "a1", policy=policy, now=t0) == 40
    assert throttle.failed(engine, "u", "a1", policy=policy, now=t0) == 40  # the ceiling
    later = t0 + timedelta(seconds=policy.forget_after + 1)
    assert throttle.failed(engine, "u", "a1", policy=policy, now=later) == 0  # forgotten
    throttle.succeeded(engine, "u")
    assert throttle.check(engine, "u", "a1", now=t0) == 0


def test_the_throttle_is_shared_by_every_worker(fresh: FastAPI, warehouse: Path) -> None:
    """Two applications over one app DB stand for two worker processes."""
    other = create_app(db=warehouse, app_db=str(fresh.state.kp.engine.url), secret=SECRET)
    try:
        a = TestClient(fresh, raise_server_exceptions=False)
        b = TestClient(other, raise_server_exceptions=False)
        for c in (a, b, a, b, a):
            assert _token(c, "officer_a", WRONG) == 401
        assert _token(b, "officer_a") == 429
    finally:
        other.state.kp.data.close()
        other.state.kp.engine.dispose()


# --- revocation ----------------------------------------------------------------------------


def _page_login(app: FastAPI, user: str = "officer_a", password: str = PASSWORD) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/login", data={"username": user, "password": password},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def test_logout_revokes_the_session_cookie(fresh: FastAPI) -> None:
    c = _page_login(fresh)
    stolen = c.cookies.get("kaoping_session")
    assert stolen and c.get("/api/me").status_code == 200
    csrf = _csrf(c.get("/appraisal").text)
    r = c.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    thief = TestClient(fresh, raise_server_exceptions=False)
    thief.cookies.set("kaoping_session", stolen)
    r = thief.get("/api/me")
    assert r.status_code == 401 and "logged out" in r.json()["detail"]
    assert thief.get("/appraisal", follow_redirects=False).status_code == 303  # to /login
    assert "logout" in _events(fresh, "officer_a")


def test_api_logout_revokes_the_bearer_token(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    t = c.post("/api/token", json={"username": "admin", "password": PASSWORD}).json()
    h = {"Authorization": f"Bearer {t['access_token']}"}
    other = c.post("/api/token", json={"username": "admin", "password": PASSWORD}).json()
    h2 = {"Authorization": f"Bearer {other['access_token']}"}
    assert c.post("/api/logout", headers=h).status_code == 204
    assert c.get("/api/me", headers=h).status_code == 401
    assert c.get("/api/me", headers=h2).status_code == 200  # only that token


def _cli(args: list[str], url: str, stdin: str = "") -> tuple[int, str]:
    from kaoping.cli import app as cli

    r = CliRunner().invoke(cli, ["users", *args, "--app-db", url], input=stdin)
    return r.exit_code, r.output


def test_cli_revokes_disables_enables_removes_and_sets_passwords(fresh: FastAPI) -> None:
    url = str(fresh.state.kp.engine.url)
    c = TestClient(fresh, raise_server_exceptions=False)

    def bearer() -> dict[str, str]:
        r = c.post("/api/token", json={"username": "officer_a", "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    h = bearer()
    assert _cli(["revoke", "officer_a"], url)[0] == 0
    assert c.get("/api/me", headers=h).status_code == 401
    h = bearer()
    assert _cli(["disable", "officer_a"], url)[0] == 0
    assert c.get("/api/me", headers=h).status_code == 401
    assert _token(c, "officer_a") == 401  # a disabled account cannot log in
    assert _cli(["enable", "officer_a"], url)[0] == 0
    h = bearer()
    code, out = _cli(["passwd", "officer_a"], url, "password1234\n")
    assert code == 1 and "commonest" in out
    assert c.get("/api/me", headers=h).status_code == 200  # nothing changed
    assert _cli(["passwd", "officer_a"], url, "a fresh long phrase\n")[0] == 0
    assert c.get("/api/me", headers=h).status_code == 401
    assert _token(c, "officer_a", "a fresh long phrase") == 200
    assert _cli(["remove", "officer_a"], url)[0] == 0
    assert _token(c, "officer_a", "a fresh long phrase") == 401
    code, out = _cli(["remove", "officer_a"], url)
    assert code == 1 and "no user" in out
    events = _events(fresh, "officer_a")
    for e in ("tokens_revoked", "disabled", "enabled", "password_changed", "removed"):
        assert e in events, events


def test_the_password_change_page(fresh: FastAPI) -> None:
    c = _page_login(fresh, "prosecutor")
    api = TestClient(fresh, raise_server_exceptions=False)
    t = api.post("/api/token", json={"username": "prosecutor", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {t.json()['access_token']}"}
    home = c.get("/account/password?lang=en")
    assert home.status_code == 200 and 'href="/account/password"' in home.text
    csrf = _csrf(home.text)
    new = "my own long passphrase"

    def post(**form: str) -> tuple[int, str]:
        r = c.post("/account/password", data={"csrf": csrf, **form}, follow_redirects=False)
        return r.status_code, r.text

    assert post(current=PASSWORD, new=new, confirm=new, csrf="forged")[0] == 403
    code, text = post(current=WRONG, new=new, confirm=new)
    assert code == 400 and "current password is wrong" in text
    code, text = post(current=PASSWORD, new="password1234", confirm="password1234")
    assert code == 400 and "commonest" in text
    code, text = post(current=PASSWORD, new="  short  ", confirm="  short  ")
    assert code == 400 and "12 characters" in text
    assert post(current=PASSWORD, new=new, confirm=new + "x")[0] == 400
    code, _ = post(current=PASSWORD, new=new, confirm=new)
    assert code == 303
    done = c.get("/account/password?done=true")  # on the new session cookie
    assert done.status_code == 200 and 'id="password-changed"' in done.text
    assert api.get("/api/me", headers=bearer).status_code == 401  # old tokens revoked
    assert _token(api, "prosecutor", new) == 200 and _token(api, "prosecutor") == 401


def test_a_stolen_cookie_cannot_guess_the_password_unthrottled(fresh: FastAPI) -> None:
    """Wrong current passwords on the password page count as failed logins."""
    c = _page_login(fresh, "officer_a")
    csrf = _csrf(c.get("/account/password").text)
    form = {"csrf": csrf, "new": "another long phrase", "confirm": "another long phrase"}
    codes = [c.post("/account/password?lang=en", data={**form, "current": WRONG}).status_code
             for _ in range(5)]
    assert codes == [400] * 5
    r = c.post("/account/password?lang=en", data={**form, "current": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert re.search(r"try again in \d+ seconds \(\d\d:\d\d:\d\d UTC\)", r.text), r.text


def test_password_policy() -> None:
    """ASVS 2.1.1 (12 characters after trimming) and 2.1.7 (no common password)."""
    for weak in ("12345678", "password", " " * 12, "   kaoping   ", "password1234",
                 "Password1234!", "qwertyuiop12", "aaaaaaaaaaaaaa", "123456789012345"):
        with pytest.raises(UserError):
            check_password(weak)
    with pytest.raises(UserError, match="user name"):
        check_password("officer_a_2020", "officer_a_2020")
    for good in ("kaoping-demo", PASSWORD, "correct horse battery staple"):
        check_password(good)


# --- CSRF --------------------------------------------------------------------------------


def test_a_cross_site_login_sets_no_cookie(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    form = {"username": "admin", "password": PASSWORD}
    for header in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                   {"Referer": "https://evil.example/login"}):
        r = c.post("/login", data=form, headers=header, follow_redirects=False)
        assert r.status_code == 403 and "set-cookie" not in r.headers, header
    r = c.post("/login", data=form, headers={"Origin": "http://testserver"},
               follow_redirects=False)
    assert r.status_code == 303 and "kaoping_session" in r.headers["set-cookie"]


def test_cookie_api_posts_need_the_csrf_header(fresh: FastAPI, subjects: Subjects) -> None:
    c = _page_login(fresh, "admin")
    body = {"subject_type": "organ", "subject": subjects.grassroots_g, "period": "2020",
            "category": "model_case", "points": 1, "reason": "r", "evidence": "e"}
    r = c.post("/api/appraisal/items", json=body)
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = c.post("/api/appraisal/items", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    csrf = _csrf(c.get("/appraisal").text)
    r = c.post("/api/appraisal/items", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    assert c.get("/api/me").status_code == 200  # reading needs no token
    t = TestClient(fresh).post("/api/token", json={"username": "admin", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {t.json()['access_token']}"}
    r = TestClient(fresh).post("/api/appraisal/items", json=body, headers=bearer)
    assert r.status_code == 201, r.text  # bearer tokens are not sent by browsers


def test_admins_read_the_login_log(fresh: FastAPI) -> None:
    c = TestClient(fresh, raise_server_exceptions=False)
    _token(c, "officer_a", WRONG)
    admin = c.post("/api/token", json={"username": "admin", "password": PASSWORD}).json()
    officer = c.post("/api/token", json={"username": "officer_a", "password": PASSWORD}).json()
    rows = c.get("/api/audit/logins",
                 headers={"Authorization": f"Bearer {admin['access_token']}"}).json()
    assert {"event": "login_failed", "username": "officer_a"}.items() <= rows[-1].items()
    assert all(WRONG not in str(r) and PASSWORD not in str(r) for r in rows)
    r = c.get("/api/audit/logins",
              headers={"Authorization": f"Bearer {officer['access_token']}"})
    assert r.status_code == 403
