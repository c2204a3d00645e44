"""Problems found in a catalogue, and the exception that carries them.

A catalogue author fixes mistakes in batches, so nothing stops at the first one: every
problem of every file is collected, each naming the file (and line), the indicator and the
field, and all are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    indicator: str | None = None
    field: str | None = None
    line: int | None = None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        """``file:line: indicator `x`: field `y``` -- as much as is known."""
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.indicator:
            parts.append(f"indicator `{self.indicator}`")
        if self.field:
            parts.append(f"field `{self.field}`")
        return ": ".join(parts)

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {tag}{self.message}"


class CatalogueError(Exception):
    """The catalogue did not load; ``problems`` holds every error (and warning) found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        head = f"{len(errors)} error{'s' if len(errors) != 1 else ''} in the indicator catalogue"
        super().__init__("\n".join([head + ":", *(str(p) for p in problems)]))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
