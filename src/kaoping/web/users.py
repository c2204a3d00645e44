"""Users of the web application: who they are, their role, their organ, their password hash.

Stored in the application database (:mod:`kaoping.appdb`), never in the warehouse. Passwords
are hashed with Argon2id (argon2-cffi); a hash made with older parameters is upgraded on
the next successful login. What a user may *see* follows from role and organ, and is
decided in :mod:`kaoping.web.scope` alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kaoping.appdb import Base

__all__ = [
    "MIN_PASSWORD",
    "PASSWORD_PROBLEMS",
    "Role",
    "User",
    "UserError",
    "authenticate",
    "check_password",
    "create_user",
    "find_user",
    "get_user",
    "list_users",
    "password_problem",
    "remove_user",
    "revoke_tokens",
    "set_active",
    "set_password",
    "verify_password",
]

_HASHER = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
#: OWASP ASVS 2.1.1: at least 12 characters (after trimming surrounding blanks)
MIN_PASSWORD = 12
#: characters a weak password pads a common one with ("password1234", "dragon!!2020")
_PADDING = "0123456789!@#$%^&*()-_=+.,;:?~ "


class Role(StrEnum):
    """The four roles of issue 5; the comments say what each sees (see scope.py)."""

    ADMIN = "admin"  # national administrator: every organ
    OFFICER = "officer"  # case-management officer: his organ and below; runs appraisals
    LEADER = "leader"  # leader of an organ: his organ and below
    PROSECUTOR = "prosecutor"  # his own scorecard and his organ's aggregate figures


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why and what to do."""


class User(Base):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    #: the user's organ; None for an administrator, who sees from the national organ down
    organ_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: the prosecutor a prosecutor-user is (pseudonymous id in the warehouse)
    prosecutor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: bumped to revoke every token issued before (password change, account disabled)
    token_epoch: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


#: why a password is refused: key (the pages translate it as ``pw_<key>``) -> message
PASSWORD_PROBLEMS = {
    "short": f"the password must have at least {MIN_PASSWORD} characters, not counting "
             "blanks at either end",
    "repetitive": "the password repeats too few characters: choose a longer phrase",
    "no_words": "the password has only digits and punctuation: add words",
    "common": "the password is one of the commonest passwords: choose another",
    "username": "the password must not be the user name",
}


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused (a key of :data:`PASSWORD_PROBLEMS`), or None.

    ASVS 2.1.1 (length, counted without surrounding blanks: eight spaces are no password)
    and 2.1.7 (not a common password): the trimmed password, lower-cased, and the same with
    leading and trailing digits and punctuation stripped ("Password1234!") must not be in
    the shipped list of common passwords, nor be the user name; a password of digits and
    punctuation only, or of fewer than four distinct characters, is refused too.
    """
    from kaoping.web.common_passwords import COMMON_PASSWORDS

    trimmed = password.strip()
    if len(trimmed) < MIN_PASSWORD:
        return "short"
    lowered = trimmed.lower()
    core = lowered.strip(_PADDING)
    if len(set(lowered)) < 4:
        return "repetitive"
    if not core:
        return "no_words"
    if lowered in COMMON_PASSWORDS or core in COMMON_PASSWORDS:
        return "common"
    if username and username.lower() in (lowered, core):
        return "username"
    return None


def check_password(password: str, username: str = "") -> None:
    """UserError naming the problem if ``password`` does not meet the policy."""
    problem = password_problem(password, username)
    if problem is not None:
        raise UserError(PASSWORD_PROBLEMS[problem])


def _check(role: Role, organ_code: str | None, prosecutor_id: str | None) -> None:
    if role in (Role.OFFICER, Role.LEADER) and not organ_code:
        raise UserError(f"a {role} belongs to an organ: give --organ CODE")
    if role is Role.PROSECUTOR and not prosecutor_id:
        raise UserError("a prosecutor user is a prosecutor: give --prosecutor ID")
    if role is not Role.PROSECUTOR and prosecutor_id:
        raise UserError("--prosecutor is only for users with --role prosecutor")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    *,
    organ_code: str | None = None,
    prosecutor_id: str | None = None,
) -> User:
    """Add a user; UserError if the name is taken or the role lacks its organ/prosecutor.

    The caller checks that the organ and prosecutor exist in the warehouse (the CLI does),
    because the application database does not know the warehouse.
    """
    try:
        role = Role(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}"
        ) from None
    if not USERNAME.match(username):
        raise UserError(
            f"invalid user name {username!r}: 2-64 letters, digits, '_', '.', '@' or '-'"
        )
    check_password(password, username)
    _check(role, organ_code, prosecutor_id)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=_HASHER.hash(password),
        role=role.value,
        organ_code=organ_code,
        prosecutor_id=prosecutor_id,
        token_epoch=0,
        active=1,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and revoke every token and session issued before."""
    check_password(password, user.username)
    user.password_hash = _HASHER.hash(password)
    user.token_epoch += 1
    session.flush()


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (the password-change form asks for it)."""
    try:
        return bool(_HASHER.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def revoke_tokens(session: Session, user: User) -> None:
    """Invalidate every token and session cookie issued to ``user`` so far.

    Tokens carry the epoch they were issued under and every request compares it with the
    stored one (:func:`kaoping.web.auth.identify`), so one increment revokes them all --
    the answer to a stolen token short of rotating the server's secret.
    """
    user.token_epoch += 1
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (revoking every token at once) or enable a login."""
    user.active = 1 if active else 0
    if not active:
        user.token_epoch += 1
    session.flush()


def remove_user(session: Session, user: User) -> None:
    """Delete a login; its tokens die with it (the user id no longer resolves)."""
    session.delete(user)
    session.flush()


#: the account changes of ``kaoping users`` and the logins page
ACCOUNT_ACTIONS = ("passwd", "disable", "enable", "remove", "revoke")


def change_account(session: Session, username: str, action: str, password: str = "") -> None:
    """Apply one of :data:`ACCOUNT_ACTIONS` to the user called ``username`` (UserError if
    there is none, or the new password is refused)."""
    user = find_user(session, username)
    if action == "passwd":
        set_password(session, user, password)
    elif action in ("disable", "enable"):
        set_active(session, user, action == "enable")
    elif action == "remove":
        remove_user(session, user)
    elif action == "revoke":
        revoke_tokens(session, user)
    else:
        raise UserError(f"unknown account change {action!r}: use {', '.join(ACCOUNT_ACTIONS)}")


def find_user(session: Session, username: str) -> User:
    """The user called ``username``; UserError if there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user {username!r} (kaoping users list shows them)")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (never says which was wrong)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        # hash anyway, so that a missing user takes as long as a wrong password
        _HASHER.hash(password)
        return None
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
