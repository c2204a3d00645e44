"""Where the web application finds its warehouse, its application database and its secret.

The secret signs session cookies and API tokens. It comes from ``KAOPING_SECRET_KEY`` or,
failing that, from a file generated beside the application database on first use (mode
0600), so a fresh install works without configuration and no secret ever sits in the
repository.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from kaoping.settings import get_settings

__all__ = ["SECRET_ENV", "WebConfig", "resolve_secret", "secret_file_for"]

SECRET_ENV = "KAOPING_SECRET_KEY"
SECRET_FILE_NAME = "kaoping-secret.key"

#: Indicators the overview shows first, in this order (those missing from the catalogue are
#: skipped). The SPP's headline figures: 少捕慎诉慎押, 案件比, plea leniency, minors.
HEADLINE_INDICATORS: tuple[str, ...] = (
    "non_arrest_rate",
    "non_prosecution_rate",
    "pretrial_detention_rate",
    "case_proceeding_ratio",
    "plea_leniency_rate",
    "sentencing_recommendation_adoption_rate",
    "minor_conditional_non_prosecution_rate",
    "persons_prosecuted",
)


def secret_file_for(app_db: str) -> Path:
    """The secret file beside a SQLite application database, else in the working directory."""
    prefix = "sqlite:///"
    if app_db.startswith(prefix) and app_db[len(prefix):] not in ("", ":memory:"):
        return Path(app_db[len(prefix):]).resolve().parent / SECRET_FILE_NAME
    return Path.cwd() / SECRET_FILE_NAME


def resolve_secret(app_db: str) -> bytes:
    """The signing secret: from the environment, else read (or created) beside the app DB."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    path = secret_file_for(app_db)
    if path.exists():
        return path.read_text().strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class WebConfig:
    """Everything :func:`kaoping.web.create_app` needs; defaults come from ``KAOPING_*``."""

    db: Path
    app_db: str
    secret: bytes = field(repr=False)
    #: lifetime of a bearer token and of a page session, seconds
    token_ttl: int = 12 * 3600
    #: send the session cookie only over HTTPS (set behind a TLS proxy)
    secure_cookies: bool = False
    headline: tuple[str, ...] = HEADLINE_INDICATORS

    @classmethod
    def from_settings(
        cls,
        *,
        db: Path | str | None = None,
        app_db: str | None = None,
        secret: bytes | str | None = None,
        secure_cookies: bool | None = None,
    ) -> WebConfig:
        s = get_settings()
        app_db = app_db or s.app_db
        raw = secret if secret is not None else resolve_secret(app_db)
        secure = (
            secure_cookies
            if secure_cookies is not None
            else os.environ.get("KAOPING_SECURE_COOKIES", "") in ("1", "true", "yes")
        )
        return cls(
            db=Path(db) if db is not None else s.db,
            app_db=app_db,
            secret=raw.encode() if isinstance(raw, str) else raw,
            secure_cookies=secure,
        )
