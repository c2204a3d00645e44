"""Run the application with uvicorn: in the foreground (``kaoping serve``) or in a thread.

The thread form is what the browser tests and notebooks use: a real HTTP server on a free
port, stopped cleanly when done.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "RunningServer", "free_port", "serve", "serve_workers",
    "start",
]

DEFAULT_HOST = "127.0.0.1"
#: 8457: unassigned by IANA and unlikely to clash with development servers (8000, 8080)
DEFAULT_PORT = 8457


def serve(app: FastAPI, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve ``app`` until interrupted."""
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def serve_workers(workers: int, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve with ``workers`` processes, each building the app from ``KAOPING_*``
    (:func:`kaoping.web.app.app_from_env`); every worker reads the published warehouse
    read-only and picks up new versions by itself."""
    uvicorn.run("kaoping.web.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=False)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class RunningServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(app: FastAPI, host: str = DEFAULT_HOST, port: int | None = None) -> RunningServer:
    """Serve ``app`` in a background thread; returns once it accepts connections."""
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"kaoping-web-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.05)
    return RunningServer(f"http://{host}:{port}", server, thread)
