"""The application database: users, appraisal runs' bookkeeping, manual items, objections, audit.

Case data and indicator values live in the DuckDB warehouse; what people *do* (log in, add a
deduction, lodge an objection, review it) lives here, in a transactional SQL database:
SQLite by default, PostgreSQL by URL (``KAOPING_APP_DB=postgresql+psycopg://...``).
Every module that keeps application state declares its tables on :class:`Base`, so one
``create_all`` brings a fresh database up to date.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session

from kaoping.settings import get_settings


class Base(DeclarativeBase):
    """Declarative base for every application-state table."""


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _create_private(database: str | None) -> None:
    """Create a new SQLite file with mode 0600 before SQLAlchemy opens it.

    The application database holds password hashes, sessions and the audit trail; SQLite
    would create it with the umask's mode (usually 0644, world-readable). Its ``-wal`` and
    ``-shm`` files take the database file's mode. An existing file is left as it is.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return
    os.close(fd)
    os.chmod(path, 0o600)  # in case the umask took bits away that 0600 does not have


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: the ``KAOPING_APP_DB`` setting).

    Every table declared on :class:`Base` so far is created if missing. Modules declare
    their tables when imported, so a caller imports its models before calling this (the
    appraisal and web layers do so at their top); the core never imports the web layer
    just to learn its tables.
    """
    url = url or get_settings().app_db
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _create_private(engine.url.database)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises.

    A ``Session`` made directly, not through a ``sessionmaker`` per call: each
    ``sessionmaker`` makes a new ``Session`` subclass, whose event dispatch SQLAlchemy
    then sets up and registers -- 8% of the serving process's GIL under load, for a
    factory used once."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
