"""Possible gaming in the API (``GET /api/detections``) and on the organ page.

Detection runs every detector across all organs (the FDR control needs them all) and takes
seconds on a national warehouse -- in the render process (:mod:`kaoping.web.renderpool`),
off the serving process's GIL -- so the answer for a period is kept per data version, on
disk for every worker (:mod:`kaoping.web.readcache`) and in memory: a version is never
written, so it stays right until the next one is published. Each caller
then gets the detections of the organs in his scope only. Detections list pseudonymous
person ids, so, like the records behind a figure, they are for staff only.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kaoping.detect import DETECTOR_LABELS, Detection
from kaoping.detect import applies as detect_applies
from kaoping.detect import labels as detect_labels
from kaoping.detect.models import DETECTIONS_JSON
from kaoping.web import renderpool
from kaoping.web.api_routes import _ERRORS as API_ERRORS
from kaoping.web.data import WebData
from kaoping.web.pages import TEMPLATES, PeriodQuery
from kaoping.web.schemas import PERIOD_PATTERN
from kaoping.web.scope import OrganInScope, Scope, StaffScope

__all__ = ["router"]

log = logging.getLogger("kaoping.web")

# the same error answers as the rest of the API (a 403 also for a prosecutor: staff only)
router = APIRouter(prefix="/api", tags=["detections"], responses=API_ERRORS)

_CACHE: OrderedDict[tuple[str, str, str], list[Detection]] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


def _memory_key(data: WebData, period: str) -> tuple[str, str, str]:
    """Where this process keeps ``period``'s detections of the version being read."""
    return (str(data.path), data.version(), period)


def _disk_key(period: str) -> tuple[str, str]:
    """Where every worker keeps them, in the read cache of the version."""
    return ("detections", period)


def all_detections(data: WebData, period: str) -> list[Detection]:
    """Every organ's detections in ``period`` for the version this request reads."""
    key = _memory_key(data, period)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    def run() -> tuple[str, bytes]:
        # in the render process: seconds of pandas that would hold this process's GIL
        # while every light request waited
        made: tuple[str, bytes] = renderpool.run(renderpool.detections, str(data.path),
                                                 period)
        return made

    # on disk, for every worker: the detectors take seconds, and take them once
    found = DETECTIONS_JSON.validate_json(data.readcache.kept(data.version(), _disk_key(period),
                                                          run))
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def detections_kept(data: WebData, period: str) -> bool:
    """Whether ``period``'s detections are made already (in this process or on disk), so
    that a page can show them without waiting for the detectors."""
    with _LOCK:
        if _memory_key(data, period) in _CACHE:
            return True
    return data.readcache.get(data.version(), _disk_key(period)) is not None


def in_scope(scope: Scope, organ_code: str, period: str) -> list[Detection]:
    """Detections of the organ and the organs below it that the user may see."""
    scope.check_organ(organ_code)
    below = scope.ctx.data.descendants(organ_code)
    return [
        d
        for d in all_detections(scope.ctx.data, period)
        if d.organ_code in below and scope.sees_organ(d.organ_code)
    ]


@router.get("/detections", response_model=list[Detection])
def detections(
    scope: StaffScope,
    organ: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="Organ code: that organ and those below it (default: your own organ)",
        ),
    ] = None,
    period: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=PERIOD_PATTERN,
            description="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09 "
            "(default: the latest computed year)",
        ),
    ] = None,
) -> list[Detection]:
    """Possible gaming (period-end rush, re-labelling, cases held over a period end,
    implausible perfection) with the figures and the pseudonymous ids of the persons
    behind each; see docs/detect.md. Staff only."""
    code = organ or scope.top or scope.ctx.data.root()
    p = scope.ctx.data.normalise_period(period)
    return in_scope(scope, code, p)


def _for_page(scope: Scope | None, organ_code: str, period: str, lang: str,
              wait: bool = False) -> dict[str, Any]:
    """What the organ page's "possible gaming" section shows (nothing for a prosecutor).

    The detectors read every organ's records of the period (seconds on a national
    warehouse, once per data version and period): unless ``wait``, a page whose period
    has no detections made yet is not held for them -- the section names the fragment
    (:func:`gaming_fragment`) that the page's script then loads in its place."""
    zh = lang == "zh"
    section: dict[str, Any] = {
        "title": detect_labels.SECTION_ZH if zh else detect_labels.SECTION_EN,
        "note": detect_labels.NOTE_ZH if zh else detect_labels.NOTE_EN,
        "none": detect_labels.NONE_ZH if zh else detect_labels.NONE_EN,
        "rows": [],
        # an office whose data model lacks the review stages the detectors read (a US
        # county's, say) gets no section: "none found" would claim a search not made
        "shown": scope is not None and scope.is_staff and detect_applies(),
    }
    if not section["shown"] or scope is None:
        return section
    if not wait and not detections_kept(scope.ctx.data, period):
        section["pending"] = (f"/organs/{quote(organ_code)}/possible-gaming?"
                              f"{urlencode({'period': period, 'lang': lang})}")
        section["pending_text"] = detect_labels.PENDING_ZH if zh else detect_labels.PENDING_EN
        return section
    try:
        found = in_scope(scope, organ_code, period)
    except Exception:  # the page must render even when detection cannot run
        log.exception("possible gaming for %s %s", organ_code, period)
        section["rows"] = None
        return section
    for d in found:
        label = DETECTOR_LABELS[d.detector]
        section["rows"].append(
            {
                "detector": d.detector,
                "name": label.name_zh if zh else label.name_en,
                "organ_code": d.organ_code,
                "organ_name": d.organ_name if zh else (d.organ_name_en or d.organ_name),
                "summary": d.summary_zh if zh else d.summary_en,
                "q": f"{d.q_value:.2g}",
                "records": d.records_zh if zh else d.records_en,
                "record_count": d.record_count,
            }
        )
    return section


# the organ page includes possible_gaming.html, which calls this
TEMPLATES.env.globals["possible_gaming"] = _for_page

#: the organ page's section alone (no layout), for the page's script to put in its place
page_router = APIRouter(include_in_schema=False)


@page_router.get("/organs/{organ_code}/possible-gaming", response_class=HTMLResponse)
def gaming_fragment(request: Request, organ: OrganInScope, period: PeriodQuery = None
                    ) -> Response:
    """The "possible gaming" section of the organ page, waiting for the detectors."""
    from kaoping.web.pages import render

    p = organ.scope.ctx.data.normalise_period(period)
    return render(request, "possible_gaming_fragment.html", organ.scope, organ=organ.row,
                  period=p)
