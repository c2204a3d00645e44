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
    "Role",
    "User",
    "UserError",
    "authenticate",
    "create_user",
    "get_user",
    "list_users",
    "set_password",
]

_HASHER = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8


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
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
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
    """Change the password and revoke every token issued before."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    user.password_hash = _HASHER.hash(password)
    user.token_epoch += 1
    session.flush()


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
