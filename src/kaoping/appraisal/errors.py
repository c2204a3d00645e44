"""Problems found in an appraisal scheme, and the errors the appraisal raises.

Like the catalogue's, a scheme's problems are collected, not raised one by one: each
names the file and line, the place in the scheme (dimension, indicator, grade ...) and the
field, so an author fixes them all in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AppraisalError", "SchemeError", "SchemeProblem", "ScopeTooLarge"]


@dataclass(frozen=True)
class SchemeProblem:
    file: str
    message: str
    #: where in the scheme, e.g. "dimension `quality` › indicator `acquittal_rate`"
    where: str | None = None
    #: the field, dotted, e.g. "zero_at_distance"
    field: str | None = None
    line: int | None = None

    @property
    def location(self) -> str:
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field `{self.field}`")
        return ": ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SchemeError(Exception):
    """The scheme did not load; ``problems`` holds every problem found."""

    def __init__(self, problems: list[SchemeProblem]) -> None:
        self.problems = problems
        n = len(problems)
        head = f"{n} error{'s' if n != 1 else ''} in the appraisal scheme"
        super().__init__("\n".join([head + ":", *(str(p) for p in problems)]))


class AppraisalError(Exception):
    """Something a user asked of the appraisal cannot be done; the message says why and how.

    E.g. an unknown run or subject, publishing a superseded run, indicator values that
    are older than the data they come from.
    """


class ScopeTooLarge(AppraisalError):
    """A caller that only previews grades (a briefing with no stored run to quote) asked
    for a run over more subjects than it will wait for; ``subjects`` says how many."""

    def __init__(self, subjects: int, limit: int) -> None:
        self.subjects, self.limit = subjects, limit
        super().__init__(f"{subjects:,} subjects to appraise, more than the {limit:,} "
                         "a preview scores: make a run (`kaoping appraise`) instead")
