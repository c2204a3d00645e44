"""Definitions kept compiled on disk: the default data model and a validated catalogue.

Reading the data model's YAML and the catalogue's, and checking every indicator, is the
same work in every process that starts -- a `kaoping show` spent about 0.1 s of a core's
0.5 s on it (issue 12). So the checked objects are kept as pickles in a cache directory,
each under a key made of everything it was made from: the bytes of the files read, the
kaoping, Python and pydantic versions, and the size and modification time of every file
of ``kaoping.model`` and ``kaoping.catalogue`` (their code, and the default model and
catalogue). A changed file gives another key, so an entry is never stale; a missing,
unreadable or corrupt entry is made again; a directory that cannot be written is no
error (the object is then made every time, as before).

The directory is ``$KAOPING_CACHE_DIR``, else ``$XDG_CACHE_HOME/kaoping``, else
``~/.cache/kaoping``; ``KAOPING_CACHE_DIR=off`` turns the cache off. The entries are
pickles, which run code when read: the directory is made readable and writable by its
owner alone, and must not be one that others can write.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

ENV = "KAOPING_CACHE_DIR"
OFF = "off"

_PACKAGE = Path(__file__).resolve().parent
#: what a model or catalogue is made by: their code and their default files
_SOURCES = (_PACKAGE / "model", _PACKAGE / "catalogue", _PACKAGE / "yamltext.py")


def cache_dir() -> Path | None:
    """Where the compiled definitions are kept (None: not kept)."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        return None if raw == OFF else Path(raw)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kaoping"


@cache
def code_stamp() -> str:
    """A digest of the code and package data that make models and catalogues: any edit or
    upgrade changes it. Read once per process."""
    from pydantic.version import VERSION as PYDANTIC

    from kaoping import __version__

    h = hashlib.sha256(f"{__version__} {sys.version} {PYDANTIC}".encode())
    for source in _SOURCES:
        files = sorted(source.rglob("*")) if source.is_dir() else [source]
        for f in files:
            if "__pycache__" in f.parts or not f.is_file():
                continue
            st = f.stat()
            h.update(f"{f.relative_to(_PACKAGE)} {st.st_mtime_ns} {st.st_size}\n".encode())
    return h.hexdigest()


def file_digest(paths: Iterable[Path]) -> bytes:
    """What identifies the files read: each one's path and content (raises OSError for a
    file that cannot be read, as reading it for real would)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(f"{p}\0".encode())
        h.update(hashlib.sha256(Path(p).read_bytes()).digest())
    return h.digest()


def compiled(kind: str, inputs: bytes, make: Callable[[], T]) -> T:
    """The object ``make()`` returns for ``inputs``, from the cache when it was kept there
    by this code; made (and kept) otherwise. ``make`` raising is not kept."""
    where = cache_dir()
    if where is None:
        return make()
    key = hashlib.sha256(f"{kind}\0{code_stamp()}\0".encode() + inputs).hexdigest()
    path = where / f"{kind}-{key[:40]}.pickle"
    try:
        with path.open("rb") as f:
            kept: T = pickle.load(f)
        return kept
    except Exception:  # missing, truncated, or written by other code: made again
        pass
    made = make()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)  # pickles: the user's alone
        with tmp.open("wb") as f:
            pickle.dump(made, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the whole entry or none
    except (OSError, pickle.PicklingError):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return made
