"""The routing table of the web application, read at collection time.

Tests parametrised over every route pick up a new endpoint without being edited: the
scope and bad-parameter tests then fail until it is scoped and validated like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from kaoping.web import create_app

#: routes anyone may call: how one logs in
PUBLIC = {("POST", "/api/token"), ("GET", "/login"), ("POST", "/login")}


def _flat(routes: list[Any]) -> list[Any]:
    """Every route the app serves: FastAPI >= 0.16x keeps included routers nested."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:
        return routes
    return [c.route for c in iter_route_contexts(routes)]


def _collect() -> list[tuple[str, str, APIRoute]]:
    app = create_app(db="/nonexistent/for-route-listing.duckdb", app_db="sqlite://",
                     secret="route-listing")
    out = []
    for r in _flat(app.routes):
        if isinstance(r, APIRoute):
            for m in sorted(r.methods):
                out.append((m, r.path, r))
    return out


ROUTES = _collect()
PROTECTED = [(m, p, r) for m, p, r in ROUTES if (m, p) not in PUBLIC]


def route_id(item: tuple[str, str, APIRoute]) -> str:
    return f"{item[0]} {item[1]}"


def path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for d in dependant.dependencies:
        if d.call is not None:
            yield d.call
        yield from dependency_calls(d)


def query_params(route: APIRoute) -> list[str]:
    return [q.name for q in route.dependant.query_params] + [
        q.name for d in route.dependant.dependencies for q in _all_query(d)
    ]


def _all_query(dep: Dependant) -> Iterator[Any]:
    yield from dep.query_params
    for d in dep.dependencies:
        yield from _all_query(d)


def fill(path: str, values: dict[str, str]) -> str:
    """``path`` with each ``{param}`` replaced from ``values``."""
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
