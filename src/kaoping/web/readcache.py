"""What a slow read made, kept on disk for every worker: reports, briefings, detections.

A report takes seconds to render (fonts subset, charts drawn) and the gaming detectors
read every organ's records; both answer the same until a new data version is published
or the appraisals change. They are kept as files under ``.<warehouse>.readcache/`` beside
the warehouse, one directory per data version, so that every worker process of the
server -- and a restarted one -- reuses what any of them made, instead of each making
its own in memory.

Correctness rests on the key: the data version (:meth:`kaoping.web.data.WebData.version`,
a new file for every import or compute) names the directory, and a caller whose answer
depends on the appraisals puts :func:`kaoping.appraisal.runs.state_token` in its key. A
directory of an older version is removed when a newer one is first written. Files are
written to a temporary name and renamed, so a reader never sees half a file. A cache
that cannot be written (a read-only directory) is skipped: the answer is made each time.
Within a process one request makes a given answer and the others asking for it wait.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ReadCache"]

log = logging.getLogger("kaoping.web")

_MAKING: dict[tuple[str, ...], threading.Lock] = {}
_MAKING_GUARD = threading.Lock()


@contextmanager
def _making(key: tuple[str, ...]) -> Iterator[None]:
    """One maker per key and process: twenty clients asking for the same new report wait
    for one render rather than start twenty."""
    with _MAKING_GUARD:
        lock = _MAKING.setdefault(key, threading.Lock())
    with lock:
        yield
    with _MAKING_GUARD:
        if not lock.locked():
            _MAKING.pop(key, None)


class ReadCache:
    """Files per (data version, key) beside the warehouse ``db``."""

    def __init__(self, db: Path) -> None:
        self.root = db.parent / f".{db.name}.readcache"
        self._pruned: set[str] = set()

    def _path(self, version: str, key: Sequence[str]) -> Path:
        digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:32]
        return self.root / version / digest

    def get(self, version: str, key: Sequence[str]) -> bytes | None:
        try:
            return self._path(version, key).read_bytes()
        except OSError:
            return None

    def put(self, version: str, key: Sequence[str], body: bytes) -> None:
        path = self._path(version, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("read cache %s not written: %s", path, exc)
            return
        self._prune(version)

    def _prune(self, version: str) -> None:
        """Drop the directories of other versions (once per version and process)."""
        if version in self._pruned:
            return
        self._pruned.add(version)
        for old in self.root.iterdir():
            if old.name != version and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

    def kept(self, version: str, key: Sequence[str],
             make: Callable[[], tuple[str, bytes]]) -> bytes:
        """The bytes kept under ``key`` for ``version``; else ``make()`` -- (the version
        it read, the bytes) -- kept only if it read ``version`` (a maker that opens the
        warehouse itself may have found a newer one)."""
        body = self.get(version, key)
        if body is not None:
            return body
        with _making((version, *key)):
            body = self.get(version, key)  # made by another request while this one waited
            if body is not None:
                return body
            made, body = make()
            if made == version:
                self.put(version, key, body)
        return body
