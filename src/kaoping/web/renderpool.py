"""Reports, briefings and detections are made in a process of their own, at a lower
priority.

A render is seconds of pure Python (fonts subset, charts drawn, the briefing written):
made in a request's thread it holds the serving process's GIL, and every light request
of that process -- a figure, a page -- waits behind it. Made in a child process, niced,
the operating system gives the light requests the CPU first and the GIL stays free; the
read cache (:mod:`kaoping.web.readcache`) keeps what the child made for every worker.

The child opens the warehouse itself, so it returns the version it read: an answer of a
version other than the request's is handed to that request (it is what the library
makes now) but not kept under the request's version.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "RENDER_PROCESSES", "briefing_source", "briefing_text", "detections", "report", "run",
]

#: child processes per worker: one keeps a core for the light requests on two cores
RENDER_PROCESSES = 1
#: how much less CPU priority a render gets than the requests it would delay
NICENESS = 10

_T = TypeVar("_T")

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


#: how often a render process checks that its server still runs, seconds
WATCH_SECONDS = 2.0


def _start_worker() -> None:
    """Lower the render's priority, and end it with its server.

    A pool's worker holds an end of its own call queue, so it never sees the queue close
    when the server dies: the workers of a killed server lived on, orphaned, taking CPU.
    On Linux an orphan's parent becomes another process, which is what the watch sees.
    """
    os.nice(NICENESS)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="kaoping-render-watch", daemon=True).start()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the server's threads and DuckDB connections must not be copied
            _pool = ProcessPoolExecutor(RENDER_PROCESSES, initializer=_start_worker,
                                        mp_context=multiprocessing.get_context("spawn"))
        return _pool


def run(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in the render process (``fn`` a function of this module); a render
    process that died (killed, out of memory) is replaced, once, rather than every later
    render failing.

    The serving process's ``KAOPING_*`` settings go with each render: the child started
    with the settings of its first render, and a font or catalogue named since (a setting
    is read when it is used) must be the one this render uses."""
    global _pool
    settings = {k: v for k, v in os.environ.items() if k.startswith("KAOPING_")}
    pool = _executor()
    try:
        return pool.submit(_with_settings, settings, fn, *args).result()
    except BrokenProcessPool:
        with _pool_lock:
            if _pool is pool:
                _pool = None
        return _executor().submit(_with_settings, settings, fn, *args).result()


def _with_settings(settings: dict[str, str], fn: Any, *args: Any) -> Any:
    """In the child: the request's ``KAOPING_*`` settings, exactly, then ``fn(*args)``."""
    for key in [k for k in os.environ if k.startswith("KAOPING_") and k not in settings]:
        del os.environ[key]
    os.environ.update(settings)
    return fn(*args)


def _version(db: str) -> str:
    from kaoping.versions import version_label, version_token

    return version_label(version_token(db))


def _read(db: str, make: Callable[[], _T]) -> tuple[str, _T]:
    """(the version ``make()`` read, what it made): the version published before and
    after it, when they are one -- every warehouse it opened in between was that one;
    else a label no version has, so that what it made is not kept for either."""
    before = _version(db)
    made = make()
    return (before if _version(db) == before else "changed while read"), made


@functools.lru_cache(maxsize=4)
def _engine(app_db: str | None) -> Any:
    """The render process's engine on ``app_db``, kept: it serves every render."""
    if app_db is None:
        return None
    from kaoping.appdb import make_engine

    return make_engine(app_db)


def report(db: str, app_db: str | None, organ: str, period: str, kind: str,
           lang: str) -> tuple[str, bytes]:
    """(version read, the report's bytes); ``ReportDataError`` when it has no figures."""
    from kaoping.api import Warehouse
    from kaoping.reports import render
    from kaoping.reports.data import gather_from
    from kaoping.reports.fonts import font_cache_beside, keep_outlines_in

    keep_outlines_in(font_cache_beside(Path(db)))
    def gather() -> tuple[Any, Any]:
        with Warehouse(Path(db)) as wh:
            return gather_from(wh, organ, period, breakdowns=kind == "xlsx"), wh.catalogue

    version, (gathered, catalogue) = _read(db, gather)
    return version, render(gathered, kind, lang, catalogue=catalogue,  # type: ignore[arg-type]
                           app_engine=_engine(app_db))


def briefing_text(db: str, app_db: str | None, organ: str, period: str, lang: str,
                  annex: Sequence[Any] | None) -> tuple[str, str]:
    """(version read, the briefing's Markdown)."""
    from kaoping.narrative.briefing import write_briefing

    return _read(db, lambda: write_briefing(
        db, period, organ=organ, lang=lang,  # type: ignore[arg-type]
        app_engine=_engine(app_db), annex=annex))


def briefing_source(db: str, app_db: str | None, organ: str, period: str,
                    lang: str) -> tuple[str, bytes]:
    """(version read, the briefing page's source as JSON)."""
    from kaoping.reports.narrative import load_briefing

    return _read(db, lambda: load_briefing(
        Path(db), organ, period, lang,  # type: ignore[arg-type]
        app_engine=_engine(app_db)).to_json())


def detections(db: str, period: str) -> tuple[str, bytes]:
    """(version read, every organ's detections in ``period`` as the JSON of a
    ``list[Detection]``, which kaoping.web.detect_routes reads back): the detectors take
    seconds of pandas, which in the serving process held the GIL from every light
    request; ``KeyError``/``ValueError`` for a period they cannot test."""
    from kaoping.api import Warehouse
    from kaoping.detect import detect
    from kaoping.detect.models import DETECTIONS_JSON

    def run() -> bytes:
        with Warehouse(Path(db)) as wh:
            return DETECTIONS_JSON.dump_json(detect(wh.backend, period))

    return _read(db, run)
