"""The FastAPI application: API under ``/api``, pages at ``/``, static files at ``/static``.

:func:`create_app` builds an independent application from a :class:`WebConfig`, so the CLI
(``kaoping serve``), the demo and the tests each get their own. Errors are rendered here in
one place: JSON ``{"detail": ...}`` for the API, a page for a browser; a missing login
sends a browser to ``/login`` and an API client a 401 with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kaoping import __version__
from kaoping.appdb import make_engine
from kaoping.web import audit as _audit  # noqa: F401  (declares its table)
from kaoping.web import users as _users  # noqa: F401  (declares its table)
from kaoping.web.config import WebConfig
from kaoping.web.context import AppContext
from kaoping.web.data import WebData
from kaoping.web.errors import LoginRequired, WebError

__all__ = ["STATIC_DIR", "create_app"]

log = logging.getLogger("kaoping.web")
STATIC_DIR = Path(__file__).parent / "static"

DESCRIPTION = """\
The HTTP API of kaoping (考评): organs, indicator definitions, figures with their history,
rankings, warnings, the records behind a figure, appraisal runs and objections.

Log in with `POST /api/token` (`{"username": ..., "password": ...}`) and send the token as
`Authorization: Bearer <token>`. Every answer is limited to the caller's scope: his organ
and the organs below it (a prosecutor: his own figures and his organ's aggregates).
"""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        where = f"{loc[0]} parameter {'.'.join(loc[1:])!r}" if len(loc) > 1 else ".".join(loc)
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


#: sent with every answer: no framing, no MIME sniffing, scripts from this server only
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'self'"
    ),
}


def _install_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        try:
            response = await call_next(request)
        except Exception as exc:  # the one place every failure ends up
            # Starlette's own 500 handler sits outside every middleware and re-raises,
            # which drops the keep-alive connection and these headers: answer here instead
            response = await _unexpected(request, exc)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/api", "/organs", "/prosecutors", "/appraisal",
                                        "/audit", "/data", "/jobs", "/admin", "/search")):
            response.headers.setdefault("Cache-Control", "no-store")  # personal figures
        return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug: logged with its traceback, answered 500 without details (never re-raised)."""
    from kaoping.web.pages import render_error

    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    message = "internal error: the server log has the details"
    if _is_api(request):
        return JSONResponse({"detail": message}, 500)
    try:
        return render_error(request, 500, message)
    except Exception:  # the error page itself failed: plain text then
        return PlainTextResponse(message, 500)


def _allowed_methods(app: Any, scope: dict[str, Any]) -> list[str]:
    """Every method some route serves at this path: Starlette's 405 names only those of
    the first route that matched the path (GET /login and POST /login are two routes)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in _flat_routes(app.routes):
        match, _ = route.matches({**scope, "method": "GET"})
        route_methods = getattr(route, "methods", None)
        if match is not Match.NONE and route_methods:
            methods |= set(route_methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _flat_routes(routes: list[Any]) -> list[Any]:
    try:  # FastAPI >= 0.16x keeps included routers nested
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return routes
    return [c.route for c in iter_route_contexts(routes)]


def _period_message(exc: RequestValidationError) -> str | None:
    """The period parser's own message when a period broke the schema's pattern and
    nothing else was wrong: a malformed period is a 400 naming it (docs/web.md), as it was
    before the schema stated the grammar."""
    from kaoping.engine.periods import PeriodError, parse_period

    errors = exc.errors()
    if not errors or not all(
        e.get("type") == "string_pattern_mismatch" and tuple(e.get("loc", ()))[-1:] == ("period",)
        for e in errors
    ):
        return None
    text = str(errors[0].get("input", ""))
    try:
        parse_period(text)
    except PeriodError as err:
        return str(err)
    return (f"period {text!r}: write it 2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09, "
            "without spaces")


def _install_handlers(app: FastAPI) -> None:
    from kaoping.web.pages import render_error

    async def web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        retry_after = getattr(exc, "retry_after", None)
        if _is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, LoginRequired) else {}
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            return JSONResponse({"detail": exc.message}, exc.status, headers=headers or None)
        if isinstance(exc, LoginRequired):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return render_error(request, exc.status, exc.message)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message = _validation_message(exc)
        period = _period_message(exc)
        if period is not None and _is_api(request):
            return JSONResponse({"detail": period}, 400)
        if _is_api(request):
            errors: list[dict[str, Any]] = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": message, "errors": errors}, 422)
        return render_error(request, 400, message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such page or endpoint: {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = _allowed_methods(request.app, dict(request.scope))
            if allowed:
                headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here: use {headers.get('Allow', '')}"
        if _is_api(request) or request.url.path.startswith("/static"):
            return JSONResponse({"detail": detail}, exc.status_code, headers=headers or None)
        response = render_error(request, exc.status_code, detail)
        response.headers.update(headers)
        return response

    app.add_exception_handler(WebError, web_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, _unexpected)


def _warm_up() -> None:
    """Import the Ibis engine while the server waits for its first requests: pages read
    stored figures without it, but an indicator page's breakdown (kaoping.engine.breakdown)
    queries the records through it, and importing it costs the first such page about a
    second."""
    import ibis.backends.duckdb  # noqa: F401

    import kaoping.engine.breakdown  # noqa: F401


def create_app(
    config: WebConfig | None = None,
    *,
    db: Path | str | None = None,
    app_db: str | None = None,
    secret: bytes | str | None = None,
) -> FastAPI:
    """A new application over the warehouse ``db`` and the application database ``app_db``.

    Without a ``config`` the settings come from the environment (``KAOPING_DB``,
    ``KAOPING_APP_DB``, ``KAOPING_SECRET_KEY``), overridden by the keyword arguments.
    """
    from kaoping.web import appraisal_data
    from kaoping.web.admin_pages import router as admin_router
    from kaoping.web.api_routes import router as api_router
    from kaoping.web.appraisal_pages import router as appraisal_pages_router
    from kaoping.web.appraisal_routes import router as appraisal_router
    from kaoping.web.compare_pages import router as compare_router
    from kaoping.web.data_pages import api_router as jobs_api_router
    from kaoping.web.data_pages import router as data_router
    from kaoping.web.detect_routes import page_router as gaming_page_router
    from kaoping.web.detect_routes import router as detect_router
    from kaoping.web.jobs import JobRunner
    from kaoping.web.pages import router as pages_router
    from kaoping.web.publication_routes import pages_router as published_pages_router
    from kaoping.web.publication_routes import router as publication_router
    from kaoping.web.search_routes import router as search_router

    if appraisal_data.available():
        import kaoping.appraisal  # noqa: F401  (declares its tables before make_engine)

    from kaoping.engine.periods import fiscal_year_start

    fiscal_year_start()  # a bad KAOPING_FISCAL_YEAR_START stops the start, not each page
    config = config or WebConfig.from_settings(db=db, app_db=app_db, secret=secret)
    ctx = AppContext(config=config, data=WebData(config.db), engine=make_engine(config.app_db))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=_warm_up, name="kaoping-warm-up", daemon=True).start()
        yield
        _app.state.jobs.shutdown()
        ctx.data.close()
        ctx.engine.dispose()

    app = FastAPI(
        title="kaoping",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load from a CDN; the schema is enough
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.kp = ctx
    app.state.jobs = JobRunner(ctx.engine)  # imports, computations, runs from the browser
    app.include_router(api_router)
    app.include_router(appraisal_router)
    app.include_router(search_router)
    app.include_router(pages_router)
    app.include_router(appraisal_pages_router)
    app.include_router(jobs_api_router)
    app.include_router(data_router)
    app.include_router(admin_router)
    app.include_router(compare_router)  # what-if of two schemes (page and API)
    app.include_router(detect_router)
    app.include_router(gaming_page_router)  # the organ page's gaming section, loaded late
    app.include_router(publication_router)  # figures as published, suppressed
    app.include_router(published_pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_handlers(app)
    _install_headers(app)
    from kaoping.web.versioning import VersionPinning

    app.add_middleware(VersionPinning, data=ctx.data)
    return app


def app_from_env() -> FastAPI:
    """The application as ``kaoping serve --workers N`` starts it in each worker process
    (uvicorn imports it by name): settings from ``KAOPING_*``, which ``serve`` sets."""
    return create_app()
