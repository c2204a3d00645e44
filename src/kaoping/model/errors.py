"""Problems found in a model file, and the exception that carries them.

As with the catalogue (:mod:`kaoping.catalogue.errors`), a model author fixes mistakes in
batches: every problem is collected, each naming the file (and line), the table, the
column and the key, and all are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    table: str | None = None
    column: str | None = None
    field: str | None = None
    line: int | None = None

    @property
    def location(self) -> str:
        """``file:line: table `t`: column `c`: field `f``` -- as much as is known."""
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.table:
            parts.append(f"table `{self.table}`")
        if self.column:
            parts.append(f"column `{self.column}`")
        if self.field:
            parts.append(f"field `{self.field}`")
        return ": ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ModelError(Exception):
    """The model file did not load; ``problems`` holds every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        n = len(problems)
        head = f"{n} error{'s' if n != 1 else ''} in the data model"
        super().__init__("\n".join([head + ":", *(str(p) for p in problems)]))
