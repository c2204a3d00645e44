"""Every request reads one published version of the warehouse, and says how fresh it is.

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which runs the endpoint in
another task) pins the version published when the request arrives
(:meth:`kaoping.web.data.WebData.pinned`), so a page or an answer never mixes the figures
of two computations while ``kaoping import`` or ``kaoping compute`` publish new ones. API
answers carry ``X-Kaoping-Data-Version`` and ``X-Kaoping-Stale`` (``true`` when the data
changed after the last computation; the same as the ``freshness`` field).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from kaoping.web.data import WebData

__all__ = ["STALE_HEADER", "VERSION_HEADER", "VersionPinning"]

STALE_HEADER = "X-Kaoping-Stale"
VERSION_HEADER = "X-Kaoping-Data-Version"


class VersionPinning:
    def __init__(self, app: ASGIApp, data: WebData) -> None:
        self.app, self.data = app, data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api")
        with self.data.pinned():
            # in a worker thread: the first read of a version waits for a reader, and the
            # event loop must never wait (it would hold up every other request)
            headers = await run_in_threadpool(self._headers) if api else []

            async def send_with_headers(message: Message) -> None:
                if headers and message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], *headers]
                await send(message)

            await self.app(scope, receive, send_with_headers)

    def _headers(self) -> list[tuple[bytes, bytes]]:
        try:
            fresh: Any = self.data.freshness()
        except Exception:  # no warehouse yet, or unreadable: the endpoint will say so
            return []
        if fresh is None:
            return []
        return [
            (VERSION_HEADER.lower().encode(), str(fresh.data_version).encode()),
            (STALE_HEADER.lower().encode(), b"true" if fresh.stale else b"false"),
        ]
