"""Before anything loads: which files, which table each holds, in which order.

Every file is classified up front, so an unreadable file or an unknown table stops the
import before a single row is written, and tables load in the order references need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kaoping.ingest.errors import file_error
from kaoping.ingest.headers import (
    HeaderMap,
    map_headers,
    resolve_table,
    table_from_headers,
    table_from_name,
)
from kaoping.ingest.read import EXPECTED, FORMATS, SourceFile, inspect, read_headers
from kaoping.model.schema import LOAD_ORDER


@dataclass(frozen=True)
class PlannedFile:
    source: SourceFile
    mapping: HeaderMap

    @property
    def table(self) -> str:
        return self.mapping.table.name


def expand(paths: Sequence[Path | str]) -> list[Path]:
    """Files as named, directories as every supported file inside them, each file once."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in FORMATS
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                raise file_error(path, f"directory holds no files to import; {EXPECTED}")
        elif not path.exists():
            raise file_error(path, "no such file or directory")
        else:
            found = [path]
        for p in found:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append(p)
    return out


def plan_files(paths: Sequence[Path | str], table: str | None = None) -> list[PlannedFile]:
    explicit = resolve_table(table) if table is not None else None
    planned: list[PlannedFile] = []
    for path in expand(paths):
        source = inspect(path)
        headers = read_headers(source)
        tbl = explicit or table_from_name(path) or table_from_headers(path, headers)
        planned.append(PlannedFile(source, map_headers(path, tbl, headers)))
    # A stable sort: files of one table keep the order they were named in.
    return sorted(planned, key=lambda p: LOAD_ORDER.index(p.table))
