"""The one error the importer raises for a file it cannot take at all."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaoping.settings import ImportLimits


class IngestError(Exception):
    """A file (or an import request) that cannot be imported at all.

    Bad *rows* never raise: they go to the quarantine. This is for what makes the whole
    import meaningless -- an unsupported file type, an unknown table, a missing required
    column -- and its message is the single line the CLI prints.
    """


def file_error(path: Path | str, problem: str) -> IngestError:
    """An error whose message starts with the file the user named, as every file error does."""
    return IngestError(f"{path}: {problem}")


def import_limits() -> ImportLimits:
    """The limits of :class:`kaoping.settings.ImportLimits`; a value that is no valid
    setting is an :class:`IngestError` naming the environment variable and the problem."""
    from pydantic import ValidationError

    from kaoping.settings import get_import_limits

    try:
        return get_import_limits()
    except ValidationError as exc:
        said = "; ".join(
            f"KAOPING_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise IngestError(f"invalid import setting: {said}") from None
