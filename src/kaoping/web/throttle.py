"""Login throttling: back-off and temporary lockout per account and per client address.

Every wrong password costs the server an Argon2 hash (tens of milliseconds and 64 MiB), so
unthrottled guessing is both a password attack and a way to exhaust the server. After a
few free failures an account (or an address) is locked for a while, doubling with each
further failure up to a ceiling; while locked, logins are answered 429 with
``Retry-After`` *before* any hash is computed. The state is a table of the application
database, not process memory, so every worker process of ``kaoping serve --workers N``
(and every server sharing a PostgreSQL database) sees the same counters; increments are
single ``UPDATE ... SET failures = failures + 1`` statements, so concurrent failures are
all counted.

Unknown user names are throttled like real ones, so a lockout reveals nothing about which
accounts exist. A successful login clears the account's counter, never the address's (a
guesser who also knows one password must not reset his address by using it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Engine, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kaoping.appdb import Base, session_scope

__all__ = ["DEFAULT_POLICY", "LoginThrottle", "ThrottlePolicy", "check", "failed", "succeeded"]


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, and how long a lockout lasts after that."""

    #: failures of one account before it is locked
    account_free: int = 5
    #: failures from one address (over all accounts) before it is locked
    address_free: int = 20
    #: the first lockout, doubled with each further failure
    base_seconds: int = 30
    #: the longest lockout
    max_seconds: int = 900
    #: failures older than this are forgotten
    forget_after: int = 3600


DEFAULT_POLICY = ThrottlePolicy()


class LoginThrottle(Base):
    """One row per account name (``user:NAME``) or client address (``addr:IP``)."""

    __tablename__ = "web_login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)


def _keys(username: str, address: str) -> list[str]:
    return [f"user:{username.lower()[:64]}", f"addr:{address[:120]}"]


def _aware(x: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns: they are UTC."""
    return x if x.tzinfo is not None else x.replace(tzinfo=UTC)


def check(engine: Engine, username: str, address: str, *, now: datetime | None = None) -> int:
    """Seconds until ``username`` may try again from ``address`` (0: he may try now)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        rows = session.scalars(
            select(LoginThrottle).where(LoginThrottle.key.in_(_keys(username, address)))
        ).all()
        waits = [(_aware(r.locked_until) - now).total_seconds() for r in rows
                 if r.locked_until is not None]
    wait = max(waits, default=0.0)
    return math.ceil(wait) if wait > 0 else 0


def _lock_seconds(failures: int, free: int, policy: ThrottlePolicy) -> int:
    if failures < free:
        return 0
    return int(min(policy.base_seconds * 2 ** min(failures - free, 20), policy.max_seconds))


def failed(
    engine: Engine, username: str, address: str, *, policy: ThrottlePolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> int:
    """Count a failed login; returns the lockout it caused in seconds (0: none yet)."""
    now = now or datetime.now(UTC)
    forget = now - timedelta(seconds=policy.forget_after)
    longest = 0
    user_key, addr_key = _keys(username, address)
    for key, free in ((user_key, policy.account_free), (addr_key, policy.address_free)):
        with session_scope(engine) as session:
            # forget an old streak, then count this failure in one atomic statement
            session.execute(delete(LoginThrottle).where(
                LoginThrottle.key == key, LoginThrottle.last_failure < forget))
            done = session.execute(
                update(LoginThrottle).where(LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1, last_failure=now)
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                try:
                    with session.begin_nested():
                        session.add(LoginThrottle(key=key, failures=1, last_failure=now))
                except IntegrityError:  # another worker inserted it meanwhile
                    session.execute(
                        update(LoginThrottle).where(LoginThrottle.key == key)
                        .values(failures=LoginThrottle.failures + 1, last_failure=now))
            failures = session.scalar(
                select(LoginThrottle.failures).where(LoginThrottle.key == key)) or 0
            seconds = _lock_seconds(failures, free, policy)
            if seconds:
                session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                                .values(locked_until=now + timedelta(seconds=seconds)))
            longest = max(longest, seconds)
    return longest


def succeeded(engine: Engine, username: str) -> None:
    """A correct password: the account's failures are forgiven (the address's are not)."""
    with session_scope(engine) as session:
        session.execute(delete(LoginThrottle).where(
            LoginThrottle.key == _keys(username, "")[0]))
