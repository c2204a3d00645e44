"""The one error the importer raises for a file it cannot take at all."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file (or an import request) that cannot be imported at all.

    Bad *rows* never raise: they go to the quarantine. This is for what makes the whole
    import meaningless -- an unsupported file type, an unknown table, a missing required
    column -- and its message is the single line the CLI prints.
    """


def file_error(path: Path | str, problem: str) -> IngestError:
    """An error whose message starts with the file the user named, as every file error does."""
    return IngestError(f"{path}: {problem}")
