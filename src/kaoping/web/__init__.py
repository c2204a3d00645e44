"""The web dashboard and HTTP API: FastAPI, Jinja2 pages, logins and organ-scoped access.

Start it with ``kaoping serve`` (docs/web.md), or from Python::

    from kaoping.web import create_app
    app = create_app(db="kaoping.duckdb", app_db="sqlite:///kaoping-app.db")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kaoping.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # lazy, so that `import kaoping.web.users` (the CLI) does not import FastAPI's app
    if name == "create_app":
        from kaoping.web.app import create_app

        return create_app
    raise AttributeError(f"module 'kaoping.web' has no attribute {name!r}")
