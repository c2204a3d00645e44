"""The warehouse file's versions: one writer at a time, copy on write, atomic publication.

``kaoping serve`` (any number of worker processes), ``kaoping show`` and notebooks read
the warehouse while ``kaoping import`` and ``kaoping compute`` write it. DuckDB lets a
file be opened by one writing process or by several reading ones, never both, so no
writer ever writes the published file in place:

1. the writer takes the warehouse's writer lock (``<db>.lock``, an ``flock``), waiting
   for the writer before it, if any;
2. it copies the published file to a private one beside it (``.<db>.next-<pid>``) and
   does all its work there, in DuckDB transactions as before;
3. it checkpoints and closes that file, flushes it to disk, keeps a hard link of the
   published version in ``<db>.versions/`` (the previous states, for a roll-back), and
   renames its file over the published one -- a single atomic ``rename(2)``.

Readers that had the old file open go on reading it (its inode lives while it is open);
the next query of a reader that checks :func:`version_token` opens the new one. A writer
killed at any moment before the rename leaves the published file as it was (its private
copy is removed by the next writer); after the rename the work is complete.

Why not a server process that owns the warehouse: the CLI, the Python API and every
server worker would then need it running, and a reader could not be a plain DuckDB
client. Copying costs a file copy per import or computation (seconds for millions of
persons), which is small beside the work itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FILE_MODE",
    "Token",
    "Version",
    "WriterBusy",
    "history_dir",
    "keep_versions",
    "list_versions",
    "lock_path",
    "opening",
    "publish_copy",
    "restore",
    "version_label",
    "version_token",
    "writer",
]

#: the warehouse and its versions are readable by their owner and group only
FILE_MODE = 0o640
#: how many replaced versions are kept for a roll-back (``KAOPING_KEEP_VERSIONS``)
DEFAULT_KEEP = 3


class WriterBusy(RuntimeError):
    """Another import or computation holds the writer lock (raised when not waiting)."""


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def history_dir(path: Path) -> Path:
    return path.with_name(path.name + ".versions")


def _next_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.next-{os.getpid()}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


#: what identifies one published version of the warehouse (:func:`version_token`)
Token = tuple[int, int, int, int]


def version_token(path: Path | str) -> Token | None:
    """What identifies the published version of ``path`` (None when there is none): a new
    version is a new file, so its inode differs -- or, when the inode number of a pruned
    version is reused, its modification time and size do.

    Why not the change time: linking a version (:func:`_archive`, and every reader's
    :func:`kaoping.warehouse.connect_version`) changes it, though not a byte changed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def version_label(token: Token | None) -> str:
    """``token`` as a short text (inode and modification time): what the web server and
    its render process key kept answers by, so both must write it alike."""
    return "none" if token is None else f"{token[1]:x}-{token[2]:x}"


def keep_versions() -> int:
    """How many replaced versions are kept (``KAOPING_KEEP_VERSIONS``): of the warehouse
    file here, of a Parquet results directory's runs in
    :meth:`kaoping.engine.backends.spark.SparkCompute.prune_runs`."""
    raw = os.environ.get("KAOPING_KEEP_VERSIONS", "")
    try:
        return max(0, int(raw)) if raw else DEFAULT_KEEP
    except ValueError:
        return DEFAULT_KEEP


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text() or "{}")
    except (OSError, ValueError):
        return "another kaoping process"
    what, pid, since = info.get("what", "a writer"), info.get("pid", "?"), info.get("since", "?")
    return f"{what} (pid {pid}, since {since})"


@contextmanager
def _locked(
    path: Path, what: str, *, wait: bool, on_wait: Callable[[str], None] | None
) -> Iterator[None]:
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(lock)
            if not wait:
                raise WriterBusy(
                    f"the warehouse {path} is being written by {holder}; try again when it ends"
                ) from None
            if on_wait is not None:
                on_wait(f"waiting for {holder} to finish writing {path} …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        since = dt.datetime.now().isoformat("T", "seconds")
        info = {"pid": os.getpid(), "what": what, "since": since}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_leftovers(path: Path) -> None:
    """Private copies of writers that were killed (their pid no longer holds the lock),
    and the links of readers killed while they opened a version (:func:`opening`)."""
    for p in path.parent.glob(f".{path.name}.next-*"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    for p in path.parent.glob(f".{path.name}.read-*"):
        if not _alive(p.name.rsplit(".read-", 1)[1].split("-", 1)[0]):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


_links = itertools.count()


@contextmanager
def opening(path: Path) -> Iterator[tuple[Path, Token | None]]:
    """(a name of the version published now, its token), for a reader to open by; the
    name is removed when the block ends (the opened file lives on, as any open file).

    Why: DuckDB keeps one database per file name in a process, so while any connection
    to the replaced version is open, opening the published name again gives the replaced
    version back -- a server whose requests overlap would read it for ever, under the
    new version's token. A hard link made for this one opening is a name no connection
    has, and it names exactly the version whose token is returned. Where no link can be
    made (a read-only directory) or should not be (the file has a write-ahead log beside
    it, which DuckDB finds by the name), the published name is used."""
    if _wal(path).exists():  # written in place by something else: read its log too
        yield path, version_token(path)
        return
    link = path.with_name(f".{path.name}.read-{os.getpid()}-{next(_links)}")
    try:
        os.link(path, link)
    except FileNotFoundError:
        yield path, None
        return
    except OSError:
        yield path, version_token(path)
        return
    try:
        yield link, version_token(link)
    finally:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()


def _archive(path: Path) -> None:
    """Keep the published version as a hard link in the history (no copy), then prune."""
    if not path.exists():
        return
    hist = history_dir(path)
    hist.mkdir(mode=0o750, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    with contextlib.suppress(FileExistsError):
        os.link(path, hist / f"{stamp}.duckdb")
    kept = sorted(hist.glob("*.duckdb"))
    for old in kept[: max(0, len(kept) - keep_versions())]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


def _publish(tmp: Path, path: Path) -> None:
    os.chmod(tmp, FILE_MODE)
    _fsync(tmp)
    _archive(path)
    os.replace(tmp, path)
    _fsync(path.parent)


@contextmanager
def writer(
    path: Path | str,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[Path]:
    """Hold the writer lock and yield a private copy of the warehouse to write.

    The caller opens the yielded path read-write, does its work and closes it (DuckDB
    checkpoints on close). When the block ends normally the copy is published atomically;
    if it raises (or the process dies) the published file is untouched. The caller may
    raise :class:`Discard` to end without publishing (a dry run).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, what, wait=wait, on_wait=on_wait):
        _remove_leftovers(path)
        tmp = _next_path(path)
        if path.exists():
            shutil.copyfile(path, tmp)
            if _wal(path).exists():  # written in place by something else: keep its log
                shutil.copyfile(_wal(path), _wal(tmp))
        try:
            yield tmp
        except Discard:
            _drop(tmp)
            return
        except BaseException:
            _drop(tmp)
            raise
        if _wal(tmp).exists():
            _drop(tmp)
            raise RuntimeError(f"{what}: the warehouse copy was not closed before publishing")
        if not tmp.exists():  # nothing was written (e.g. a failed open)
            return
        _publish(tmp, path)
        with contextlib.suppress(FileNotFoundError):
            _wal(path).unlink()  # replayed into the copy, which is now published


class Discard(Exception):
    """Raised inside :func:`writer` to end without publishing the copy."""


def _drop(tmp: Path) -> None:
    for p in (tmp, _wal(tmp)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


@dataclass(frozen=True)
class Version:
    """A kept earlier version of the warehouse."""

    path: Path
    replaced_at: dt.datetime
    size: int


def list_versions(path: Path | str) -> list[Version]:
    """The kept earlier versions, newest first."""
    hist = history_dir(Path(path))
    out = []
    for p in sorted(hist.glob("*.duckdb"), reverse=True):
        try:
            when = dt.datetime.strptime(p.stem, "%Y%m%dT%H%M%S%f")
        except ValueError:
            continue
        out.append(Version(p, when, p.stat().st_size))
    return out


def publish_copy(source: Path | str, path: Path | str, what: str) -> None:
    """Publish a copy of ``source`` (a backup or a kept version) as the warehouse, keeping
    the current one among the versions; readers switch at their next query."""
    source, path = Path(source), Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no such warehouse file: {source}")
    with _locked(path, what, wait=True, on_wait=None):
        _remove_leftovers(path)
        tmp = _next_path(path)
        shutil.copyfile(source, tmp)
        _publish(tmp, path)


def restore(source: Path | str, path: Path | str) -> None:
    """Make ``source`` the published warehouse again (``kaoping restore``/``rollback``)."""
    publish_copy(source, path, f"restore from {Path(source).name}")
