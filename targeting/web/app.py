"""The pages: register, plan, meeting, after the year, compare (Starlette, Jinja2 templates).

Each handler reads a form, calls the library (the same functions as the command line) and renders
a template; long work (a plan, a comparison) runs as a job (:mod:`.store`) whose page polls it.
"""

from __future__ import annotations

import hmac
import io
import json
import math
import re
import shutil
import tempfile
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..config import STRATEGIES
from ..data import read_scenario
from ..data.decisions import read_decisions
from ..data.files import read_table
from ..data.scenario import find_table_file
from ..data.schema import COMMUNES
from ..errors import Problem, ScenarioError, TargetingError
from ..labels import (
    DECISION_LABELS,
    KIND_LABELS,
    PLAN_STATUS_LABELS,
    STRATEGY_LABELS,
    WEB_EXPECTED_PATTERNS,
    WEB_LABELS,
    WEB_PROBLEM_PATTERNS,
    WEB_STEP_WORDS,
    WEB_VALUE_WORDS,
    label,
)
from ..output.files import write_folder_atomically
from .lists import village_lists_zip
from .store import Store
from .uploads import Limits, Upload, collect_scenario_files

__all__ = ["create_app", "LANGS", "DOWNLOADS"]

LANGS = ("vi", "en")
#: The files a page may hand out, per kind of folder (nothing else is served from --data).
DOWNLOADS = {
    "plans": ("beneficiaries.xlsx", "allocation.csv", "summary.csv", "plan.json", "report.html"),
    "reviews": ("report.html", "transitions.csv", "outcomes.csv", "review.json", "history.csv"),
    "compares": ("report.html", "comparison.csv", "budget_curve.csv"),
}
MEDIA = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".csv": "text/csv; charset=utf-8", ".json": "application/json", ".html": "text/html; charset=utf-8",
         ".zip": "application/zip"}
TOKEN_COOKIE = "targeting_token"
LANG_COOKIE = "targeting_lang"


PROBLEM_PATTERNS = [(re.compile(p), vi) for p, vi in WEB_PROBLEM_PATTERNS]
EXPECTED_PATTERNS = [(re.compile(p), vi) for p, vi in WEB_EXPECTED_PATTERNS]


class UploadTooLarge(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Middleware: the access token and the upload limit (plain ASGI, so they see every request)
# ------------------------------------------------------------------------------------------------


class TokenGate:
    """Every request carries the token: ``?token=`` (then kept in a cookie), the cookie, or a header."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            pass
        given_query = (query.get("token") or [""])[0]
        given = given_query or headers.get("x-targeting-token", "") or (
            cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            body = ("<!doctype html><meta charset=utf-8><title>403</title><p>Cần mã truy cập (token): mở "
                    "đường dẫn có <code>?token=...</code> mà máy chủ in ra khi khởi động.</p><p>An access "
                    "token is needed: open the address with <code>?token=...</code> that the server "
                    "printed when it started.</p>").encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/html; charset=utf-8")]})
            await send({"type": "http.response.body", "body": body})
            return
        if not given_query:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                c = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", c.encode())]}
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


class SameOrigin:
    """Refuse a form posted from another site (a page elsewhere cannot make this one plan or upload)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != headers.get("host", ""):
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"cross-site request refused"})
                return
        await self.app(scope, receive, send)


class SizeLimit:
    """Refuse a request body larger than ``limit`` bytes (by its Content-Length, else as it arrives)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(send)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise UploadTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except UploadTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send):
        mb = self.limit / (1024 * 1024)
        body = (f"<!doctype html><meta charset=utf-8><title>413</title><p>Tệp tải lên quá lớn: tối đa "
                f"{mb:g} MB.</p><p>The upload is too large: at most {mb:g} MB (start the server with "
                "--max-upload-mb to change it).</p>").encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})


# ------------------------------------------------------------------------------------------------
# Words and helpers
# ------------------------------------------------------------------------------------------------


def _lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGS else "vi"


def translate_problem(p: Problem | dict, lang: str) -> dict:
    """A problem as a table row: file, row, column, what is wrong (in ``lang``), the value found."""
    d = p if isinstance(p, dict) else {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
    message, value = d["message"], ""
    head, sep, tail = message.rpartition("; got ")
    if sep:
        message, value = head, tail
    if lang == "vi":
        for pattern, words in PROBLEM_PATTERNS:
            m = pattern.match(message)
            if m:
                message = words.format(*(_expected_vi(g) for g in m.groups()))
                break
    return {"file": d["file"], "row": "" if d["row"] is None else d["row"],
            "column": d["column"] or "", "message": message, "value": value}


def _expected_vi(text: str) -> str:
    """"a whole number between 1 and 100" in Vietnamese; a phrase it does not know stays as it is."""
    for pattern, words in EXPECTED_PATTERNS:
        m = pattern.match(text)
        if m:
            return words.format(*(WEB_VALUE_WORDS.get(g, g) for g in m.groups()))
    return text


def _num(v, digits: int = 1) -> str:
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return v or "–"
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.{digits}f}"
    return f"{int(v):,}"


def _mvnd(v) -> str:
    """Million VND, as commune staff count budgets."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v / 1e6:,.1f}"


class Pages:
    """The application's handlers around one store."""

    def __init__(self, store: Store, limits: Limits, default_time_limit: float):
        self.store, self.limits, self.default_time_limit = store, limits, default_time_limit
        self.env = Environment(loader=PackageLoader("targeting.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters["num"] = _num
        self.env.filters["mvnd"] = _mvnd

    # -- rendering ---------------------------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200, **ctx) -> HTMLResponse:
        lang = _lang(request)

        def t(key: str, **kw) -> str:
            en, vi = WEB_LABELS.get(key, (key, key))
            text = vi if lang == "vi" else en
            return text.format(**kw) if kw else text

        def word(table_name: str, key) -> str:
            tables = {"kind": KIND_LABELS, "strategy": STRATEGY_LABELS, "status": PLAN_STATUS_LABELS,
                      "decision": DECISION_LABELS}
            return label(tables[table_name], str(key), lang)

        step_words = {k: label(WEB_STEP_WORDS, k, lang) for k in WEB_STEP_WORDS}

        def stepword(msg: str) -> str:
            return next((w for k, w in step_words.items() if msg.startswith(k)), msg)

        html = self.env.get_template(template).render(
            t=t, word=word, lang=lang, step_words=step_words, stepword=stepword, path=request.url.path, strategies=STRATEGIES,
            max_upload_mb=self.limits.max_upload_bytes // (1024 * 1024), **ctx)
        return HTMLResponse(html, status_code=status)

    async def uploads(self, request: Request, field: str) -> list[Upload]:
        form = await request.form(max_files=50, max_fields=50)
        out = []
        for f in form.getlist(field):
            if isinstance(f, UploadFile) and f.filename:
                out.append(Upload(f.filename, await f.read()))
        return out

    # -- home and language -------------------------------------------------------------------------

    async def home(self, request: Request):
        registers = [self.scenario_card(sid) for sid in self.store.listing("scenarios")]
        return self.render(request, "home.html", registers=registers)

    async def set_lang(self, request: Request):
        to = request.query_params.get("to", "vi")
        nxt = request.query_params.get("next", "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        r = RedirectResponse(nxt, status_code=303)
        r.set_cookie(LANG_COOKIE, to if to in LANGS else "vi", max_age=365 * 86400, samesite="strict")
        return r

    # -- 1. register -------------------------------------------------------------------------------

    async def register_form(self, request: Request):
        return self.render(request, "register.html", problems=None)

    async def register_upload(self, request: Request):
        lang = _lang(request)
        uploads = await self.uploads(request, "files")
        name = (await request.form()).get("name", "") or ""
        collected = collect_scenario_files(uploads, self.limits)
        problems = list(collected.problems)
        sid = None
        if not problems:
            sid, folder = self.store.reserve("scenarios")

            def write(tmp: Path) -> None:
                collected.write(tmp)
                read_scenario(tmp)  # every problem, before the folder appears

            try:
                await run_in_threadpool(write_folder_atomically, folder, write)
            except ScenarioError as e:
                problems = [_relabel(p_, collected.origin)
                            for p_ in (e.problems or [Problem("", None, None, str(e))])]
                shutil.rmtree(self.store.root / "jobs" / sid, ignore_errors=True)  # the id's claim
            if name.strip() and not problems:
                (self.store.root / "jobs" / sid / "name.txt").write_text(name.strip()[:200], encoding="utf-8")
        if problems:
            rows = [translate_problem(p_, lang) for p_ in problems]
            return self.render(request, "register.html", status=400, problems=rows)
        return RedirectResponse(f"/scenario/{sid}", status_code=303)

    def scenario_card(self, sid: str) -> dict:
        folder = self.store.folder("scenarios", sid)
        name_file = self.store.root / "jobs" / sid / "name.txt"
        name = name_file.read_text(encoding="utf-8") if name_file.exists() else ""
        communes = _communes(folder)
        plans = []
        for j in self.store.jobs(scenario=sid):
            if j.kind == "plan":
                plans.append(self.plan_card(j.id))
        return {"id": sid, "name": name, "communes": communes, "plans": plans,
                "files": sorted(p.name for p in folder.iterdir() if p.is_file())}

    async def scenario_page(self, request: Request):
        sid = request.path_params["sid"]
        if self.store.folder("scenarios", sid) is None:
            return self.not_found(request)
        sc = self.scenario_card(sid)
        compares = [j for j in self.store.jobs(scenario=sid) if j.kind == "compare"]
        return self.render(request, "scenario.html", sc=sc, compares=compares,
                           time_limit=self.default_time_limit)

    # -- 2. plan -----------------------------------------------------------------------------------

    def _plan_options(self, form) -> tuple[str, float, str]:
        strategy = form.get("strategy", "optimal")
        if strategy not in STRATEGIES:
            strategy = "optimal"
        try:
            time_limit = float(form.get("time_limit") or self.default_time_limit)
        except ValueError:
            time_limit = self.default_time_limit
        time_limit = min(max(time_limit, 1.0), 3600.0)
        list_lang = form.get("list_lang", "vi")
        return strategy, time_limit, list_lang if list_lang in LANGS else "vi"

    async def plan_start(self, request: Request):
        sid = request.path_params["sid"]
        scen = self.store.folder("scenarios", sid)
        if scen is None:
            return self.not_found(request)
        form = await request.form()
        strategy, time_limit, list_lang = self._plan_options(form)
        pid = self.start_plan(scen, sid, strategy, time_limit, list_lang)
        return RedirectResponse(f"/plan/{pid}", status_code=303)

    def start_plan(self, scen: Path, sid: str, strategy: str, time_limit: float, list_lang: str,
                   decisions: Path | None = None, parent: str | None = None) -> str:
        from ..plan import make_plan, write_plan

        pid, out = self.store.reserve("plans")
        if decisions is not None:
            kept = self.store.root / "jobs" / pid / f"decisions{decisions.suffix}"
            kept.write_bytes(decisions.read_bytes())
            decisions = kept
        info = {"scenario": sid, "strategy": strategy, "time_limit": time_limit, "list_lang": list_lang,
                "parent": parent, "decisions": None if decisions is None else decisions.name}

        def work(say) -> None:
            say("read")
            sc = read_scenario(scen)
            decided = None
            if decisions is not None:
                decided = read_decisions(decisions, sc.households, sc.projects, sc.inputs)
            p = make_plan(sc, strategy=strategy, time_limit_s=time_limit, progress=say, decisions=decided)
            say("write")
            write_plan(p, out, lang=list_lang)

        self.store.start(pid, "plan", info, work)
        return pid

    def plan_card(self, pid: str) -> dict:
        job = self.store.job(pid)
        folder = self.store.folder("plans", pid)
        card = {"id": pid, "job": job, "done": folder is not None,
                "info": job.info if job else {}}
        if folder is not None:
            meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
            card["meta"] = meta
        return card

    async def plan_page(self, request: Request):
        pid = request.path_params["pid"]
        job = self.store.job(pid)
        folder = self.store.folder("plans", pid)
        if job is None and folder is None:
            return self.not_found(request)
        ctx = {"pid": pid, "job": job, "info": job.info if job else {}, "done": folder is not None}
        if job is not None and job.state == "failed":
            ctx["problems"] = [translate_problem(p, _lang(request)) for p in job.problems or []]
        if folder is not None:
            ctx.update(self.plan_results(folder, job))
        return self.render(request, "plan.html", **ctx)

    def plan_results(self, folder: Path, job) -> dict:
        meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        summary = pd.read_csv(folder / "summary.csv")
        sid = job.info.get("scenario") if job else None
        names = _communes(self.store.folder("scenarios", sid)) if sid else {}
        communes = []
        for r in summary.to_dict("records"):
            r["name"] = names.get(r["commune_id"], {}).get("name", r["commune_id"])
            communes.append(r)
        out = {"meta": meta, "communes": communes, "files": [f for f in DOWNLOADS["plans"] if (folder / f).exists()]}
        d = meta.get("decisions")
        if d is not None:
            out["decided"] = self.decided_rows(folder, job)
        return out

    def decided_rows(self, folder: Path, job) -> dict:
        """What the meeting changed: each decided household, and every household whose support moved."""
        a = pd.read_csv(folder / "allocation.csv", dtype={"project_id": str, "household_id": str}, keep_default_na=False)
        rows = a[a["decision"].astype(str) != ""] if "decision" in a else a.iloc[:0]
        parent = job.info.get("parent") if job else None
        changes = []
        if parent and self.store.folder("plans", parent) is not None:
            before = pd.read_csv(self.store.folder("plans", parent) / "allocation.csv",
                                 dtype={"project_id": str, "household_id": str}, keep_default_na=False)
            m = before[["household_id", "project_id", "project_name"]].merge(
                a[["household_id", "village", "commune_id", "project_id", "project_name"]],
                on="household_id", suffixes=("_before", "_after"))
            moved = m[m["project_id_before"] != m["project_id_after"]]
            changes = moved.to_dict("records")
        decided = []
        for r in rows.to_dict("records"):
            cost = r.get("decision_cost", "")
            decided.append({"household_id": r["household_id"], "village": r["village"],
                            "decision": r["decision"], "note": r.get("decision_note", ""),
                            "project": r.get("project_name", "") or "", "cost": cost})
        return {"rows": decided, "changes": changes, "parent": parent}

    async def job_status(self, request: Request):
        job = self.store.job(request.path_params["jid"])
        if job is None:
            return JSONResponse({"state": "unknown"}, status_code=404)
        return JSONResponse({"state": job.state, "elapsed": round(job.elapsed, 1), "steps": job.steps,
                             "time_limit": job.info.get("time_limit")})

    async def download(self, request: Request):
        kind, rid, name = (request.path_params[k] for k in ("kind", "rid", "name"))
        folder = self.store.folder(kind, rid) if kind in DOWNLOADS else None
        if folder is None or name not in DOWNLOADS[kind] or not (folder / name).is_file():
            return self.not_found(request)
        path = folder / name
        suffix = path.suffix
        if suffix == ".html" and "download" not in request.query_params:
            return FileResponse(path, media_type=MEDIA[suffix])
        return FileResponse(path, media_type=MEDIA[suffix], filename=f"{Path(name).stem}_{rid}{suffix}")

    async def village_lists(self, request: Request):
        pid = request.path_params["rid"]
        folder = self.store.folder("plans", pid)
        if folder is None:
            return self.not_found(request)
        job = self.store.job(pid)
        info = job.info if job else {}
        names = {c: r.get("name") or c for c, r in _communes(self.store.folder("scenarios", info.get("scenario", ""))
                                                                if info.get("scenario") else None).items()}
        data = await run_in_threadpool(village_lists_zip, folder, info.get("list_lang", "vi"), names)
        return Response(data, media_type=MEDIA[".zip"],
                        headers={"content-disposition": f'attachment; filename="villages_{pid}.zip"'})

    async def download_all(self, request: Request):
        kind, rid = request.path_params["kind"], request.path_params["rid"]
        folder = self.store.folder(kind, rid) if kind in DOWNLOADS else None
        if folder is None:
            return self.not_found(request)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name in DOWNLOADS[kind]:
                if (folder / name).is_file():
                    z.write(folder / name, f"{kind[:-1]}_{rid}/{name}")
        return Response(buf.getvalue(), media_type=MEDIA[".zip"],
                        headers={"content-disposition": f'attachment; filename="{kind[:-1]}_{rid}.zip"'})

    # -- 3. meeting --------------------------------------------------------------------------------

    async def meeting_form(self, request: Request):
        pid = request.path_params["pid"]
        if self.store.folder("plans", pid) is None:
            return self.not_found(request)
        return self.render(request, "meeting.html", pid=pid, job=self.store.job(pid), problems=None)

    async def meeting_upload(self, request: Request):
        pid = request.path_params["pid"]
        folder = self.store.folder("plans", pid)
        job = self.store.job(pid)
        if folder is None or job is None:
            return self.not_found(request)
        uploads = await self.uploads(request, "workbook")
        sid = job.info["scenario"]
        scen = self.store.folder("scenarios", sid)
        problems = []
        if len(uploads) != 1 or Path(uploads[0].name).suffix.lower() not in (".xlsx", ".csv"):
            problems = [Problem(uploads[0].name if uploads else "", None, None,
                                "expected one file: the workbook filled in at the meeting (.xlsx) or a decisions.csv")]
        if problems:
            return self._meeting_problems(request, pid, job, problems)
        u = uploads[0]
        suffix = Path(u.name).suffix.lower()
        # a folder of its own: two tabs uploading for the same plan never share a file
        tmp = Path(tempfile.mkdtemp(prefix=".meeting-", dir=self.store.root / "jobs" / pid))
        try:
            path = tmp / f"{'decisions' if suffix == '.csv' else 'meeting'}{suffix}"
            path.write_bytes(u.data)

            def check() -> None:
                sc = read_scenario(scen)
                read_decisions(path, sc.households, sc.projects, sc.inputs)

            try:
                await run_in_threadpool(check)
            except TargetingError as e:
                problems = getattr(e, "problems", None) or [Problem(u.name, None, None, str(e))]
                return self._meeting_problems(request, pid, job,
                                              [_relabel(p_, {path.name: u.name}) for p_ in problems])
            info = job.info
            new = self.start_plan(scen, sid, info["strategy"], info["time_limit"], info.get("list_lang", "vi"),
                                  decisions=path, parent=pid)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return RedirectResponse(f"/plan/{new}", status_code=303)

    def _meeting_problems(self, request: Request, pid: str, job, problems: list[Problem]):
        rows = [translate_problem(p_, _lang(request)) for p_ in problems]
        return self.render(request, "meeting.html", status=400, pid=pid, job=job, problems=rows)

    # -- 4. after the year -------------------------------------------------------------------------

    async def after_form(self, request: Request):
        pid = request.path_params["pid"]
        if self.store.folder("plans", pid) is None:
            return self.not_found(request)
        reviews = [j for j in self.store.jobs(plan=pid) if j.kind == "review"]
        return self.render(request, "after.html", pid=pid, problems=None, reviews=reviews)

    async def after_upload(self, request: Request):
        from ..review import review_plan, write_review

        pid = request.path_params["pid"]
        plan_folder = self.store.folder("plans", pid)
        if plan_folder is None:
            return self.not_found(request)
        after = await self.uploads(request, "after")
        followup = await self.uploads(request, "followup")
        problems: list[Problem] = []
        for label_, files, required in (("after", after, True), ("followup", followup, False)):
            if (required and len(files) != 1) or len(files) > 1:
                problems.append(Problem(label_, None, None, "expected one register file (.csv or .xlsx)"))
            for u in files:
                if Path(u.name).suffix.lower() not in (".csv", ".xlsx"):
                    problems.append(Problem(u.name, None, None, "expected a .csv or .xlsx register"))
        rid = None
        if not problems:
            rid, out = self.store.reserve("reviews")
            keep = self.store.root / "jobs" / rid
            names = {}
            paths = {}
            for key, files in (("after", after), ("followup", followup)):
                if files:
                    p_ = keep / f"register_{key}{Path(files[0].name).suffix.lower()}"
                    p_.write_bytes(files[0].data)
                    paths[key] = p_
                    names[p_.name] = files[0].name
            try:
                scenario = self._plan_scenario(pid)

                def review() -> None:
                    r = review_plan(plan_folder, paths["after"], paths.get("followup"), scenario=scenario)
                    write_review(r, out)

                await run_in_threadpool(review)
                info = {"plan": pid, "after": after[0].name,
                        "followup": followup[0].name if followup else None}
                self.store.record(rid, "review", info)
            except TargetingError as e:
                problems = getattr(e, "problems", None) or [Problem("", None, None, str(e))]
                problems = [_relabel(p_, names) for p_ in problems]
                shutil.rmtree(keep, ignore_errors=True)  # nothing of a refused review is kept
        if problems:
            rows = [translate_problem(p_, _lang(request)) for p_ in problems]
            reviews = [j for j in self.store.jobs(plan=pid) if j.kind == "review"]
            return self.render(request, "after.html", status=400, pid=pid, problems=rows, reviews=reviews)
        return RedirectResponse(f"/review/{rid}", status_code=303)

    def _plan_scenario(self, pid: str) -> Path | None:
        job = self.store.job(pid)
        return self.store.folder("scenarios", job.info["scenario"]) if job else None

    async def review_page(self, request: Request):
        rid = request.path_params["rid"]
        folder = self.store.folder("reviews", rid)
        if folder is None:
            return self.not_found(request)
        job = self.store.job(rid)
        summary = json.loads((folder / "review.json").read_text(encoding="utf-8"))
        pid = job.info.get("plan") if job else None
        names = {}
        if pid and self._plan_scenario(pid) is not None:
            names = _communes(self._plan_scenario(pid))
        communes = [{"id": c, "name": names.get(c, {}).get("name", c), **v}
                    for c, v in summary.get("communes", {}).items()]
        files = [f for f in DOWNLOADS["reviews"] if (folder / f).exists()]
        return self.render(request, "review.html", rid=rid, pid=pid, s=summary, communes=communes,
                           files=files, job=job)

    # -- 5. compare --------------------------------------------------------------------------------

    async def compare_start(self, request: Request):
        from ..compare import compare_strategies, write_comparison

        sid = request.path_params["sid"]
        scen = self.store.folder("scenarios", sid)
        if scen is None:
            return self.not_found(request)
        form = await request.form()
        _, time_limit, _ = self._plan_options(form)
        cid, out = self.store.reserve("compares")

        def work(say) -> None:
            say("read")
            sc = read_scenario(scen)
            c = compare_strategies(sc, list(STRATEGIES), time_limit_s=time_limit, curve=False, progress=say)
            say("write")
            write_comparison(c, out)

        self.store.start(cid, "compare", {"scenario": sid, "time_limit": time_limit}, work)
        return RedirectResponse(f"/compare/{cid}", status_code=303)

    async def compare_page(self, request: Request):
        cid = request.path_params["cid"]
        job = self.store.job(cid)
        folder = self.store.folder("compares", cid)
        if job is None and folder is None:
            return self.not_found(request)
        ctx = {"cid": cid, "job": job, "done": folder is not None}
        if folder is not None:
            ctx["rows"] = pd.read_csv(folder / "comparison.csv").to_dict("records")
            ctx["files"] = [f for f in DOWNLOADS["compares"] if (folder / f).exists()]
        if job is not None and job.state == "failed":
            ctx["problems"] = [translate_problem(p, _lang(request)) for p in job.problems or []]
        return self.render(request, "compare.html", **ctx)

    def not_found(self, request: Request):
        return self.render(request, "error.html", status=404, message_key="not_found")


def _relabel(p: Problem, origin: dict[str, str]) -> Problem:
    """A problem named after what the person uploaded, not the file's name in the folder."""
    message = p.message
    for stored, uploaded in origin.items():
        message = message.replace(stored, uploaded)
    return Problem(origin.get(p.file, p.file), p.row, p.column, message)


def _communes(folder: Path | None) -> dict[str, dict]:
    """commune_id -> the communes table's row (name, budget...), for the pages' headings."""
    if folder is None:
        return {}
    path = find_table_file(folder, "communes", [])
    if path is None:
        return {}
    try:
        t = read_table(path, COMMUNES)
    except TargetingError:
        return {}
    return {r["commune_id"]: r for r in t.to_dict("records")}


def create_app(data: str | Path, *, token: str | None = None, limits: Limits | None = None,
               default_time_limit: float = 30.0) -> Starlette:
    """The web application over the folder ``data``.

    Parameters
    ----------
    data : path-like
        Where registers, plans, reviews and comparisons are kept (created if missing).
    token : str, optional
        When given, every request must carry it (``?token=``, then a cookie; or the header
        ``X-Targeting-Token``).
    limits : Limits, optional
        Upload limits (default: 50 MB a request, 200 MB extracted from a zip).
    default_time_limit : float
        The solver time limit the plan form starts with, in seconds.
    """
    limits = limits or Limits()
    pages = Pages(Store(data), limits, default_time_limit)
    routes = [
        Route("/", pages.home),
        Route("/lang", pages.set_lang),
        Route("/register", pages.register_form, methods=["GET"]),
        Route("/register", pages.register_upload, methods=["POST"]),
        Route("/scenario/{sid}", pages.scenario_page),
        Route("/scenario/{sid}/plan", pages.plan_start, methods=["POST"]),
        Route("/scenario/{sid}/compare", pages.compare_start, methods=["POST"]),
        Route("/plan/{pid}", pages.plan_page),
        Route("/plan/{pid}/meeting", pages.meeting_form, methods=["GET"]),
        Route("/plan/{pid}/meeting", pages.meeting_upload, methods=["POST"]),
        Route("/plan/{pid}/after", pages.after_form, methods=["GET"]),
        Route("/plan/{pid}/after", pages.after_upload, methods=["POST"]),
        Route("/review/{rid}", pages.review_page),
        Route("/compare/{cid}", pages.compare_page),
        Route("/job/{jid}.json", pages.job_status),
        Route("/files/plans/{rid}/villages.zip", pages.village_lists),
        Route("/files/{kind}/{rid}/all.zip", pages.download_all),
        Route("/files/{kind}/{rid}/{name}", pages.download),
    ]
    app = Starlette(routes=routes)
    app.state.store = pages.store
    wrapped = SameOrigin(SizeLimit(app, limits.max_upload_bytes))
    if token:
        wrapped = TokenGate(wrapped, token)
    wrapped.state = app.state  # tests reach the store through the outermost app
    return wrapped


def share_url(host: str, port: int, token: str | None) -> str:
    """The address to open (with the token when there is one)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={quote(token)}" if token else "")
