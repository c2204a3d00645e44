"""A reader opens the version published now, even while the replaced one is still read.

DuckDB keeps one database per file name in a process: before readers opened a version by
a name of its own (:func:`kaoping.versions.opening`), a server whose requests overlapped
a publication went on reading the replaced version under the new version's token, and
kept those answers as the new version's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from kaoping.versions import history_dir, version_token, writer
from kaoping.warehouse import connect, connect_version, writing
from kaoping.web.data import WebData


def _publish(path: Path, name: str) -> None:
    """A version whose one national organ is called ``name``."""
    with writing(path, "test") as con:
        con.execute("DELETE FROM organs")
        con.execute(
            "INSERT INTO organs (organ_code, parent_code, level, name_zh, name_en) "
            "VALUES ('000000', NULL, 1, ?, 'SPP')",
            [name],
        )


def _name(con: object) -> str:
    row = con.execute("SELECT name_zh FROM organs").fetchone()  # type: ignore[attr-defined]
    return str(row[0])


def _links(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.read-*"))


def test_a_reader_opened_after_a_publication_reads_it_while_the_old_one_is_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.duckdb"
    _publish(path, "第一版")
    old, old_token = connect_version(path)
    _publish(path, "第二版")
    new, new_token = connect_version(path)
    again = connect(path, read_only=True)
    try:
        assert (_name(old), _name(new), _name(again)) == ("第一版", "第二版", "第二版")
        assert new_token == version_token(path) != old_token
    finally:
        for con in (old, new, again):
            con.close()
    assert _links(path) == []


def test_a_version_keeps_its_token_when_it_is_linked_or_kept(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _publish(path, "第一版")
    token = version_token(path)
    os.link(path, tmp_path / "another-name.duckdb")
    assert version_token(path) == token
    _publish(path, "第二版")
    (kept,) = history_dir(path).glob("*.duckdb")
    assert version_token(kept) == token != version_token(path)


def test_the_next_writer_removes_the_names_of_killed_readers_only(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _publish(path, "第一版")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = path.with_name(f".{path.name}.read-{ended.stdout.strip()}-0")
    alive = path.with_name(f".{path.name}.read-{os.getpid()}-999999")
    for link in (dead, alive):
        os.link(path, link)
    with writer(path, "test"):
        pass
    assert _links(path) == [alive]


def test_a_request_after_a_publication_reads_it_while_an_earlier_one_still_reads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.duckdb"
    _publish(path, "第一版")
    data = WebData(path)
    seen: dict[str, str] = {}

    def later_request() -> None:
        with data.pinned():
            seen["later"] = data.organ("000000")["name_zh"]
            seen["later version"] = data.version()

    try:
        with data.pinned():
            seen["first"] = data.organ("000000")["name_zh"]
            first_version = data.version()
            _publish(path, "第二版")
            thread = threading.Thread(target=later_request)
            thread.start()
            thread.join()
            seen["first again"] = data.organ("000000")["name_zh"]
    finally:
        data.close()
    assert seen == {
        "first": "第一版",
        "later": "第二版",
        "later version": seen["later version"],
        "first again": "第一版",
    }
    assert seen["later version"] != first_version


def test_a_render_that_a_publication_overlapped_is_kept_for_no_version(tmp_path: Path) -> None:
    from kaoping.web.renderpool import _read, _version

    path = tmp_path / "w.duckdb"
    _publish(path, "第一版")
    before = _version(str(path))
    assert _read(str(path), lambda: "quiet") == (before, "quiet")
    label, _ = _read(str(path), lambda: _publish(path, "第二版"))
    assert label not in (before, _version(str(path)))
