"""The data pages: upload case-management exports, follow an import or a computation as it
runs, read the import history, and page through (and export) the quarantine.

Importing and computing are case-management work: officers and administrators only
(:meth:`kaoping.web.scope.Scope.check_administer`). The work runs as a background job
(:mod:`.jobs`), so the upload answers at once with the job's page, which polls
``GET /api/jobs/{id}`` for its progress. State-changing forms carry the session's CSRF
token, as every other form.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from kaoping.web.api_routes import _ERRORS as API_ERRORS
from kaoping.web.appraisal_pages import PER_PAGE, PER_PAGE_MAX, Pager
from kaoping.web.data_work import compute_job, import_job
from kaoping.web.errors import BadRequest, NotFound
from kaoping.web.i18n import pick_lang
from kaoping.web.jobs import Job, JobRunner
from kaoping.web.pages import check_csrf, render
from kaoping.web.quarantine_text import shown, warning_zh
from kaoping.web.scope import Scope, ScopeDep, StaffScope

__all__ = ["get_jobs", "router", "uploads_dir"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["jobs"], responses=API_ERRORS)

#: what the importer reads (kaoping.ingest.read)
SUFFIXES = (".csv", ".xlsx", ".parquet")
#: the largest file one upload takes (a national year of persons is a few hundred MB)
MAX_UPLOAD = 2 * 1024**3
#: a file name as it may be stored: no directories, no leading dot, no control characters
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def get_jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobRunner, Depends(get_jobs)]


def administer(scope: ScopeDep) -> Scope:
    scope.check_administer()
    return scope


AdministerScope = Annotated[Scope, Depends(administer)]


def uploads_dir(db: Path) -> Path:
    """Uploaded files, beside the warehouse: a file keeps its name, so uploading it again
    replaces its quarantine instead of adding to it (the quarantine keys files by path)."""
    return db.parent / f"{db.name}.uploads"


def _stored_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base.startswith(".") or _BAD_NAME.search(base) or len(base) > 200:
        raise BadRequest(f"file name {name!r}: use a plain name such as persons.csv")
    if not base.lower().endswith(SUFFIXES):
        raise BadRequest(f"file {base!r}: expected a CSV (UTF-8 or GBK), Excel (.xlsx) or "
                         "Parquet file")
    return base


def _save(upload: UploadFile, target: Path) -> None:
    size = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                target.unlink(missing_ok=True)
                raise BadRequest(f"file {upload.filename!r} is larger than "
                                 f"{MAX_UPLOAD // 1024**3} GiB")
            out.write(chunk)


#: the words of a job's phase (kaoping.ingest.ImportProgress.phase, the steps of
#: kaoping.engine.compute) as a Chinese page says them; the page's script uses them too
PHASES_ZH = {": reading": "：读取", ": validating": "：校验", ": loading": "：写入",
             ": ordering": "：按检察院排序",
             ": done": "：完成", "organ hierarchy and years": "检察院层级与年份",
             "figures per period": "各统计期数据", "writing results": "写入结果",
             "scoring": "评分", "done": "完成"}


def _words(lang: str) -> dict[str, Any]:
    """What the data templates need besides the page globals: the tables' and the import
    phases' names in the page's language."""
    from kaoping.model.schema import TABLES

    def table_name(name: str) -> str:
        return TABLES[name].label_zh if lang == "zh" and name in TABLES else name

    def phase(text: str) -> str:
        if lang != "zh":
            return text
        for en, zh in PHASES_ZH.items():
            text = text.replace(en, zh)
        return text

    def warning(text: str) -> str:
        return warning_zh(text) if lang == "zh" else text

    return {"table_name": table_name, "phase": phase, "warning": warning,
            "phase_words": PHASES_ZH if lang == "zh" else {}}


# --- the data home, uploads and computations --------------------------------------------


@router.get("/data", response_class=HTMLResponse)
def data_home(request: Request, scope: AdministerScope, jobs: JobsDep) -> Response:
    """Upload files, start a computation, and what happened lately."""
    data = scope.ctx.data
    return render(request, "data.html", scope, jobs=jobs.recent(limit=10),
                  imports=data.import_log(5), quarantined=data.quarantined_files(),
                  freshness=data.freshness(), **_words(pick_lang(request)))


@router.post("/data/upload")
def upload(
    scope: AdministerScope, jobs: JobsDep,
    files: Annotated[list[UploadFile], File(description="the files to import")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Store the files beside the warehouse and import them in the background."""
    check_csrf(scope, csrf)
    names = [_stored_name(f.filename or "") for f in files if f.filename]
    if not names:
        raise BadRequest("choose at least one file to import")
    if len(set(names)) != len(names):
        raise BadRequest("two files have the same name: rename one")
    folder = uploads_dir(Path(scope.ctx.config.db))
    incoming = folder / f".incoming-{uuid.uuid4().hex}"
    incoming.mkdir(parents=True, mode=0o750)
    try:
        for f, name in zip((f for f in files if f.filename), names, strict=True):
            _save(f, incoming / name)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    user = scope.principal.username
    work = import_job(Path(scope.ctx.config.db), [folder / n for n in names], user)

    def run(progress: Any) -> dict[str, Any]:
        # moved into place only when the job runs: jobs run one at a time, so a file of
        # the same name uploaded meanwhile cannot replace this one under a running import
        for n in names:
            (incoming / n).replace(folder / n)
        incoming.rmdir()
        result: dict[str, Any] = work(progress)
        return result

    job_id = jobs.submit("import", user, run, label=", ".join(names))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _years(text: str) -> list[int] | None:
    from kaoping.engine.periods import parse_years

    if not text.strip():
        return None
    try:
        return list(parse_years(text.strip()))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@router.post("/data/compute")
def compute(
    scope: AdministerScope, jobs: JobsDep,
    years: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Compute every indicator (of ``years``, if given) in the background."""
    check_csrf(scope, csrf)
    chosen = _years(years)
    job_id = jobs.submit("compute", scope.principal.username,
                         compute_job(Path(scope.ctx.config.db), chosen))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


# --- a job -------------------------------------------------------------------------------


JOB_ID = PathParam(description="A background job's id (the upload or form answers with "
                   "its page)", pattern=r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class JobRef:
    job: Job
    scope: Scope


def job_in_scope(job_id: Annotated[str, JOB_ID], scope: ScopeDep, jobs: JobsDep) -> JobRef:
    """The job if the user may follow it: his own, or any for an administrator (404 for
    any other, as for one that does not exist: ids are not to be probed)."""
    job = jobs.get(job_id)
    if job is None or (job.created_by != scope.principal.username
                       and scope.principal.role.value != "admin"):
        raise NotFound(f"no job {job_id!r} of yours")
    return JobRef(job, scope)


JobInScope = Annotated[JobRef, Depends(job_in_scope)]


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, ref: JobInScope) -> Response:
    """A job's progress (the page polls for it) and, once done, its summary."""
    return render(request, "job.html", ref.scope, job=ref.job, **_words(pick_lang(request)))


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    label: str
    phase: str
    step: int
    total: int
    percent: int
    finished: bool
    error: str | None
    result: dict[str, Any]


@api_router.get("/jobs/{job_id}", response_model=JobOut)
def job_status(ref: JobInScope) -> dict[str, Any]:
    """A background job's progress: an upload's import, a computation, an appraisal run
    (yours; an administrator's any)."""
    return ref.job.as_dict()


# --- the import history and the quarantine -------------------------------------------


@router.get("/data/imports", response_class=HTMLResponse)
def imports_page(request: Request, scope: StaffScope) -> Response:
    """Every import: when, who, which file, what it changed."""
    return render(request, "imports.html", scope, imports=scope.ctx.data.import_log(500),
                  **_words(pick_lang(request)))


ImportFilter = Annotated[str, Query(max_length=32, pattern=r"^[0-9a-f]*$",
                                    description="one file's import")]


@router.get("/data/quarantine", response_class=HTMLResponse)
def quarantine_page(
    request: Request, scope: AdministerScope,
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=PER_PAGE_MAX)] = PER_PAGE,
    file: ImportFilter = "",
) -> Response:
    """The refused values, a page at a time: file, row, header, value and reason."""
    data = scope.ctx.data
    total, _ = data.quarantine(import_id=file or None, limit=0)
    pager = Pager.clamped(total, page, per_page)
    _, rows = data.quarantine(import_id=file or None, limit=pager.per_page, offset=pager.start)
    keep = {k: v for k, v in (("file", file), ("per_page", per_page if per_page != PER_PAGE
                                                else None)) if v}

    def href(n: int) -> str:
        return "/data/quarantine?" + urlencode({**keep, "page": n})

    imports = {r.import_id: r for r in data.import_log()}
    return render(request, "quarantine.html", scope, rows=[shown(q) for q in rows],
                  files=data.quarantined_files(), pager=pager, selected=file, imports=imports,
                  page_links=[(n, None if n is None else href(n)) for n in pager.numbers()],
                  prev_href=href(pager.page - 1) if pager.page > 1 else None,
                  next_href=href(pager.page + 1) if pager.page < pager.pages else None,
                  **_words(pick_lang(request)))


@router.get("/data/quarantine.xlsx")
def quarantine_export(request: Request, scope: AdministerScope, file: ImportFilter) -> Response:
    """One file's refused rows as a workbook to fix and upload again."""
    from kaoping.web.quarantine_export import workbook

    if not file:
        raise BadRequest("choose a file: /data/quarantine lists them")
    found = [f for f in scope.ctx.data.quarantined_files() if f.import_id == file]
    if not found:
        raise NotFound(f"no quarantined rows of import {file!r}")
    _, rows = scope.ctx.data.quarantine(import_id=file)
    body, name = workbook(found[0], [shown(q) for q in rows], pick_lang(request))
    return Response(body, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
