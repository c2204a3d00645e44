"""Gaming detection: patterns in an organ's figures that the appraisal itself may have caused.

Four detectors, each a statistical test of every organ against its own baseline with the
false-discovery rate controlled across organs (docs/detect.md explains them for users):

- ``rush``: conclusions bunched in the last two weeks of a period;
- ``relabel``: non-arrest up while the non-arrested are prosecuted as before;
- ``hold_back``: conclusions held over a period end into the next period;
- ``perfection``: 100% or 0% on a denominator where no organ is perfect.

A detection is a reason to look, with the numbers and the records behind it, never a
verdict. This package reads the warehouse's canonical tables and imports no web or CLI code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from kaoping.detect import holdback, perfection, relabel, rush
from kaoping.detect.annex import AnnexRow, annex
from kaoping.detect.labels import DETECTOR_LABELS
from kaoping.detect.models import Detection
from kaoping.detect.source import Source

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb

    from kaoping.engine.periods import Period

Detector = Callable[[Source, "Period"], list[Detection]]

#: detector name -> function, in the order they are reported
DETECTORS: dict[str, Detector] = {
    rush.NAME: rush.detect,
    relabel.NAME: relabel.detect,
    holdback.NAME: holdback.detect,
    perfection.NAME: perfection.detect,
}


#: the columns of ``persons`` the detectors read (kaoping.detect.source and the detectors)
_READS = ("person_id", "case_id", "organ_code", "arrest_review_concluded", "arrest_decision",
          "prosecution_review_received", "prosecution_review_concluded",
          "prosecution_decision", "detained_at_prosecution", "verdict_date")


def applies() -> bool:
    """Whether the data model has what the detectors read: they are written for the
    procuratorate's review stages (a person's arrest and prosecution review), which
    another office's model (a US county's, say) need not have -- there they find
    nothing rather than fail."""
    from kaoping.model.schema import TABLES

    persons = TABLES.get("persons")
    return persons is not None and set(_READS) <= set(persons.column_names)


def detect(
    con: duckdb.DuckDBPyConnection | ibis.backends.duckdb.Backend,
    period: Period | str,
    *,
    organ: str | None = None,
    detectors: Iterable[str] | None = None,
) -> list[Detection]:
    """Every detection in ``period``; with ``organ``, those of the organ and organs below it.

    The tests always run across all organs (the FDR control needs every organ), so the
    detections of one organ do not depend on who asks for them. Raises ``KeyError`` for an
    unknown organ or detector, ``PeriodError`` for a period that cannot be read.
    """
    from kaoping.engine.periods import parse_period

    chosen = list(detectors) if detectors is not None else list(DETECTORS)
    unknown = [d for d in chosen if d not in DETECTORS]
    if unknown:
        raise KeyError(f"unknown detector {unknown[0]!r}; known: {', '.join(DETECTORS)}")
    if isinstance(period, str):
        period = parse_period(period)
    source = Source(con)
    scope: set[str] | None = None
    if organ is not None:
        if organ not in source.hierarchy:
            raise KeyError(source.hierarchy.unknown_organ_message(organ))
        scope = set(source.hierarchy.descendants(organ))
    out: list[Detection] = []
    if not applies():
        return out
    for name in chosen:
        found = DETECTORS[name](source, period)
        out.extend(d for d in found if scope is None or d.organ_code in scope)
    return out


__all__ = ["DETECTORS", "DETECTOR_LABELS", "AnnexRow", "Detection", "annex", "applies", "detect"]
