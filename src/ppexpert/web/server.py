"""The web calculator: a small HTTP API over the engine, and the static page that calls it.

Every answer is read off the Assessment (its JSON document, why / why-not / what-if); nothing here computes a
conclusion. The page (static/) builds its controls from GET /api/knowledge and re-assesses on every change.

Safety: request bodies are capped (413); a preset is looked up by id in the listing of examples/, never by a
path taken from the request; bad input answers 422 with every problem (field, message, hint, YAML path);
an engine failure answers 503 and the server keeps serving.
"""
from __future__ import annotations

import asyncio
import contextlib
from html import escape
import datetime as _dt
import json
import os
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

import cachetools
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from ppexpert._version import __version__
from ppexpert.knowledge.base import KnowledgeBase, find_knowledge
from ppexpert.knowledge.model import UNKNOWN, Scenario
from ppexpert.knowledge.scenario import without_stated
from ppexpert.knowledge.problems import (
    EngineFailure,
    InputError,
    Problem,
    Span,
    yaml_path,
)
from ppexpert.knowledge.xref import cross_references, load_plans
from ppexpert.knowledge.yamlfile import load_document
from ppexpert.present import derivation
from ppexpert.present.readable import why_for_reader
from ppexpert.present.site import build_site
from ppexpert.reasoning import Assessment, assess, cellcache, knowledge_for
from ppexpert.reasoning.run import assess_cached, load_plan
from ppexpert.reasoning.document import dumps
from ppexpert.reasoning.regions import slider_marks
from ppexpert.web.workers import FAST, SLOW, Overloaded, Pool, WorkerCrashed

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024
_JSON = "application/json"
T = TypeVar("T")


# ---------------------------------------------------------------- errors


class ApiError(Exception):
    """An answer other than 200, with a JSON body {"error": ..., "problems": [...]}."""

    def __init__(self, status: int, error: str, problems: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status, self.error, self.problems, self.headers = status, error, problems or [], headers or {}

    def response(self) -> Response:
        return error_response(self.status, self.error, self.problems, self.headers)


def error_response(status: int, error: str, problems: list | None = None, headers: dict | None = None,
                   detail: str | None = None) -> Response:
    """An error body as ASCII JSON: text echoed from the request (a lone surrogate among it) cannot break it.
    `detail` only for the engine's own failure messages (503); a 500 names nothing of its exception."""
    content = {"error": error, "problems": problems or []}
    if detail is not None:
        content["detail"] = detail
    body = json.dumps(content, ensure_ascii=True)
    return Response(body, status_code=status, media_type=_JSON, headers=headers)


def problem_json(problem: Problem) -> dict:
    """One problem as the API reports it: `field` is the YAML path of the scenario (parameters.military_cap)."""
    data = problem.to_json()
    data["field"] = yaml_path(problem.path)
    if data["file"].startswith("<"):  # a scenario sent in the request: its line numbers mean nothing to the caller
        for key in ("file", "line", "column"):
            data.pop(key)
    return data


def _bad_request(message: str, hint: str, path: tuple = (), code: str = "bad-request") -> ApiError:
    return ApiError(422, "invalid request", [problem_json(Problem(Span("<request>"), path, message, hint, code=code))])


# ---------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    file: str  # relative to the project folder, e.g. examples/seed-calculator.yaml
    data: dict | None  # the scenario mapping as written (in JSON values), or None when the file does not load
    problems: tuple[dict, ...] = ()

    def listing(self) -> dict:
        entry = {"id": self.id, "title": self.title, "file": self.file}
        if self.data is not None:
            entry.update(description=self.data.get("description"), plan=self.data.get("plan"),
                         date=self.data.get("date"), parameters=self.data.get("parameters") or {},
                         assumptions=self.data.get("assumptions") or {})
        else:
            entry["problems"] = list(self.problems)
        return entry


def _plain(value: Any) -> Any:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Presets:
    """The scenarios in examples/, re-read when a file there changes; looked up by id only."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._items: dict[str, Preset] = {}

    def _scan(self) -> dict[str, Preset]:
        files = sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        with self._lock:
            if stamp != self._stamp:
                self._items = {}
                for path in files:
                    preset = _read_preset(path, f"{self.folder.name}/{path.name}")
                    self._items.setdefault(preset.id, preset)
                self._stamp = stamp
            return self._items

    def all(self) -> list[Preset]:
        return list(self._scan().values())

    def get(self, preset_id: str) -> Preset:
        items = self._scan()
        preset = items.get(preset_id)
        if preset is None:
            raise _bad_request(f"unknown preset '{preset_id}'", "presets: " + ", ".join(sorted(items)),
                               ("preset",), code="unknown-preset")
        if preset.data is None:
            raise ApiError(422, f"preset '{preset_id}' does not load", list(preset.problems))
        return preset


def _read_preset(path: Path, shown: str) -> Preset:
    try:
        data = load_document(path).data
    except InputError as error:
        return Preset(path.stem, path.stem, shown, None, tuple(problem_json(p) for p in error.problems))
    if not isinstance(data, dict):
        return Preset(path.stem, path.stem, shown, None,
                      ({"message": "a scenario must be a mapping", "hint": "", "field": "(document)"},))
    data = _plain(data)  # JSON values, as a request would send them (a YAML date becomes its ISO text)
    return Preset(str(data.get("id") or path.stem), str(data.get("title") or path.stem), shown, data)


# ---------------------------------------------------------------- the application


class Calculator:
    """What the routes share: where the knowledge base and the presets are; how to assess safely."""

    def __init__(self, knowledge: Path | str | None = None, examples: Path | str | None = None,
                 cache_size: int = 256):
        self.knowledge = Path(knowledge) if knowledge is not None else find_knowledge()
        self.examples = Path(examples) if examples is not None else self.knowledge.resolve().parent / "examples"
        self.presets = Presets(self.examples)
        # Identical settings give byte-identical answers, so answers are kept (least recently used first out):
        # a slider moved back, "why?" after a change, "compare" and "report" re-use the assessment just made.
        self.documents: _Lru[str] = _Lru(cache_size)
        self.assessments: _Lru[Assessment] = _Lru(max(cache_size // 8, 1) if cache_size else 0)
        self.explanations: _Lru[str] = _Lru(cache_size // 2)
        self._cells: _Lru[tuple] = _Lru(cache_size)  # request key -> (knowledge base, cell key): see adopt
        self.pool: Pool | None = None  # set by create_app: where the work below runs
        self._inflight: dict[str, asyncio.Future] = {}
        self._kb: tuple[float, KnowledgeBase] | None = None
        self._site: tuple[tuple, dict[str, str]] | None = None
        self._site_lock = threading.Lock()
        self.share_cells = False  # a worker process hands the server each new cell's skeleton with its answer
        self._here = threading.Lock()  # held while this process works out an answer itself (document_here)

    recheck_seconds = 1.0  # how often the knowledge base's files are looked at for changes

    def kb(self) -> KnowledgeBase:
        """The knowledge base, re-loaded when one of its files changed. Its errors are not the caller's."""
        now = time.monotonic()
        last = self._kb
        if last is not None and now - last[0] < self.recheck_seconds:
            return last[1]
        try:
            kb = knowledge_for(self.knowledge)
            self._kb = (now, kb)
            return kb
        except InputError as error:
            raise ApiError(500, "the knowledge base has errors; run `ppexpert check`",
                           [problem_json(p) for p in error.errors]) from error

    def site(self) -> dict[str, str]:
        """The knowledge base's pages (`ppexpert site`), with the presets as its plans; rebuilt when the knowledge
        base or a preset changed."""
        kb = self.kb()
        files = {p.stem: p for p in sorted(self.examples.glob("*.yaml"))} if self.examples.is_dir() else {}
        stamp = (kb.version, tuple((p.name, p.stat().st_mtime_ns) for p in files.values()))
        with self._site_lock:
            if self._site is None or self._site[0] != stamp:
                plans, _failed = load_plans(kb, files)
                self._site = (stamp, build_site(kb, cross_references(kb, plans)))
            return self._site[1]

    def _key(self, scenario: Any) -> tuple[KnowledgeBase, str]:
        if not isinstance(scenario, dict):
            raise _bad_request("a scenario must be a JSON object with id, title and parameters",
                               "send e.g. {\"id\": \"mine\", \"title\": \"Mine\", \"parameters\": "
                               "{\"territory_ceded_pct\": 20}}", code="wrong-type")
        kb = self.kb()
        return kb, kb.version + json.dumps(scenario, sort_keys=True, separators=(",", ":"))

    def assess(self, scenario: Any) -> Assessment:
        kb, key = self._key(scenario)
        found = self.assessments.get(key)
        if found is None:
            try:
                found = assess(scenario, kb)
            except InputError as error:
                raise ApiError(422, "invalid scenario", [problem_json(p) for p in error.errors]) from error
            self.assessments.put(key, found)
        return found

    def document_here(self, scenario: Any) -> tuple[str, str | None]:
        """(key, the document's text) when this process can answer without the engine: the same settings answered
        before, or another scenario of the same cell (in this process's cell cache, filled from the workers'
        replies); (key, None) when the pool must run the engine."""
        kb, key = self._key(scenario)
        text = self.documents.get(key)
        if text is not None or not self._here.acquire(blocking=False):
            # one answer at a time is worked out here: under load the workers, on the other cores, do the rest
            return key, text
        try:
            try:
                _, loaded = load_plan(scenario, kb)
            except InputError as error:
                raise ApiError(422, "invalid scenario", [problem_json(p) for p in error.errors]) from error
            cell = cellcache.key_of(loaded, kb) if cellcache.enabled() else None
            found = assess_cached(loaded, kb, cell)
            if found is None:
                if cell is not None:  # the worker's skeleton will be kept under it (adopt), without loading again
                    self._cells.put(key, (weakref.ref(kb), cell))
                return key, None
            text = dumps(found.to_json(), compact=True)
            self.documents.put(key, text)
            return key, text
        finally:
            self._here.release()

    def cell_of(self, scenario: Any) -> tuple | None:
        """(knowledge base version, skeleton) of a scenario assessed in this process, for another process on the
        same knowledge base to keep in its cell cache (see document_here)."""
        assessment = self.assess(scenario)
        skeleton = cellcache.peek(assessment.kb, cellcache.key_of(assessment.loaded, assessment.kb))
        return (assessment.kb.version, skeleton) if skeleton is not None else None

    def adopt(self, scenario: Any, cell: tuple, key: str | None = None) -> None:
        """Keep a worker's skeleton of the scenario's cell, under this process's own key of that cell (the numbering
        of cell keys is each process's own): the one document_here found for the request `key` on this knowledge
        base, else worked out again."""
        version, skeleton = cell
        kb = self._kb[1] if self._kb is not None else None
        if kb is not None and kb.version == version:
            known = self._cells.get(key) if key is not None else None
            if known is not None and known[0]() is kb:
                cellcache.adopt(kb, known[1], skeleton)
                return
            _, loaded = load_plan(scenario, kb)
            cellcache.adopt(kb, cellcache.key_of(loaded, kb), skeleton)

    def knows_cell(self, key: str | None) -> bool:
        """Whether adopt needs no loading for the request `key` (then it runs on the event loop, not in a thread)."""
        known = self._cells.get(key) if key is not None else None
        return known is not None and self._kb is not None and known[0]() is self._kb[1]

    def document(self, scenario: Any) -> str:
        """The assessment's JSON document as text, exactly as `dumps(assess(scenario).to_json(), compact=True)`."""
        _, key = self._key(scenario)
        text = self.documents.get(key)
        if text is None:
            text = dumps(self.assess(scenario).to_json(), compact=True)
            self.documents.put(key, text)
        return text

    def explain(self, scenario: Any, conclusion_id: Any, kind: str, level: Any = None) -> str:
        """why, why-not or what-if of one conclusion, as JSON text; kept like the answers (what-if tries many
        variants). The text is written here, not by FastAPI, whose encoder costs more than the explanation. The
        route has checked `conclusion_id` and `level` are text."""
        _, key = self._key(scenario)
        memo = f"{kind}\0{conclusion_id}\0{level}\0{key}"
        found = self.explanations.get(memo)
        if found is not None:
            return found
        assessment = self.assess(scenario)
        try:
            found = dumps(_EXPLAIN[kind](assessment, conclusion_id, level), compact=True)
        except InputError as error:
            raise ApiError(422, "invalid conclusion id or level",
                           [{**problem_json(p), "field": "level" if p.code == "bad-word" else "id"}
                            for p in error.errors]) from error
        self.explanations.put(memo, found)
        return found

    def marks(self, scenario: Any) -> str:
        """Where each numeric input's slider changes a risk level, the other inputs as set (JSON text, kept)."""
        _, key = self._key(scenario)
        memo = f"marks\0{key}"
        found = self.explanations.get(memo)
        if found is None:
            assessment = self.assess(scenario)
            found = dumps(slider_marks(assessment.kb, assessment.loaded), compact=True)
            self.explanations.put(memo, found)
        return found

    def report(self, scenario: Any, other: dict | None, fmt: str) -> str:
        assessments = [self.assess(scenario)] + ([self.assess(other)] if other else [])
        return report_formats()[fmt](assessments)

    # -- the server's side: the same answers, computed by the pool (worker processes), kept here

    async def answer(self, kind: str, args: tuple, key: str | None, cache: "_Lru[str] | None") -> str:
        """The text of a job's answer: from this process's cache, from an identical request in flight, or from the
        pool. Errors come back as ApiError: 422 bad input, 429 queue full, 503 engine failure or crash."""
        if key is None or cache is None:
            return await self._from_pool(kind, args, key, cache)
        found = cache.get(key)
        if found is not None:
            return found
        running = self._inflight.get(key)
        if running is None:
            # the task, not the pool's future, is shared: an identical request gets the same text or the same error
            running = asyncio.ensure_future(self._from_pool(kind, args, key, cache))
            self._inflight[key] = running
            running.add_done_callback(lambda _, key=key: self._inflight.pop(key, None))
        return await asyncio.shield(running)

    async def _from_pool(self, kind: str, args: tuple, key: str | None, cache: "_Lru[str] | None") -> str:
        lane, priority = _LANES[kind]
        try:
            future = self.pool.submit(kind, args, lane, priority)
        except Overloaded as full:
            raise ApiError(429, f"the server is busy ({full.lane} queue full); try again shortly", [],
                           {"Retry-After": str(full.retry_after)}) from None
        try:
            reply = await asyncio.wrap_future(future)
        except WorkerCrashed as crash:
            print(f"ppexpert: {crash}; replaced", file=sys.stderr)
            raise ApiError(503, "the rule engine stopped while answering this request; the server is still "
                                "running, try again", []) from None
        if reply[0] == "ok":
            if key is not None and cache is not None:
                cache.put(key, reply[1])
            if len(reply) > 2 and reply[2] is not None:  # the cell's skeleton: its other scenarios are answered here
                if self.knows_cell(key):
                    self.adopt(args[0], reply[2], key)
                else:
                    await _in_thread(lambda: self.adopt(args[0], reply[2], key))
            return reply[1]
        if reply[0] == "api":
            raise ApiError(reply[1], reply[2], reply[3], reply[4] if len(reply) > 4 else None)
        if reply[0] == "engine":
            raise EngineFailure(reply[1])
        raise ApiError(500, "internal error", [])


def worker_main(conn, knowledge: str, examples: str | None) -> None:
    """A worker process of the Pool: answer jobs one at a time until the server closes the pipe."""
    calculator = Calculator(knowledge, examples)
    calculator.share_cells = True
    try:
        calculator.kb()  # load (or un-pickle) the knowledge base before saying ready
    except ApiError:
        pass  # its errors are answered per request, as in the server process
    conn.send(("ready", os.getpid()))
    while True:
        try:
            kind, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        conn.send(run_job(calculator, kind, args))


# job kind -> (lane, priority within the lane): slider assessments first, what-if in its own lane
_LANES = {"document": (FAST, 0), "why": (FAST, 1), "explain": (FAST, 1), "why-not": (FAST, 1), "picture": (FAST, 1), "report": (FAST, 2),
          "what-if": (SLOW, 0), "marks": (SLOW, 1)}  # marks (a few dozen engine runs) wait with what-if


def run_job(calc: Calculator, kind: str, args: tuple) -> tuple:
    """One job, in a worker process (or a thread of the server): its answer as a picklable reply."""
    try:
        if kind == "document":
            if not calc.share_cells:
                return ("ok", calc.document(*args))
            kb = calc.kb()
            ran = cellcache.statistics(kb)["misses"]
            text = calc.document(*args)
            # the skeleton only of a cell new to this worker: the server has been handed the others already
            return ("ok", text, calc.cell_of(*args) if cellcache.statistics(kb)["misses"] != ran else None)
        if kind == "report":
            return ("ok", calc.report(*args))
        if kind == "marks":
            return ("ok", calc.marks(*args))
        scenario, conclusion_id, level = args
        return ("ok", calc.explain(scenario, conclusion_id, kind, level))
    except ApiError as error:
        return ("api", error.status, error.error, error.problems, error.headers)
    except EngineFailure as error:
        print(f"ppexpert: engine failure: {error}", file=sys.stderr)
        return ("engine", str(error))
    except Exception:  # noqa: BLE001 - logged here, answered 500 without the exception's text
        traceback.print_exc(file=sys.stderr)
        return ("internal",)


_EXPLAIN: dict[str, Callable[[Assessment, str, Any], dict]] = {
    "why": lambda assessment, conclusion_id, level: assessment.why(conclusion_id),
    "explain": lambda assessment, conclusion_id, level: why_for_reader(assessment, conclusion_id),
    "why-not": lambda assessment, conclusion_id, level: assessment.why_not(conclusion_id, level),
    "what-if": lambda assessment, conclusion_id, level: assessment.what_if(conclusion_id),
    "picture": lambda assessment, conclusion_id, level: {  # the derivation laid out by Graphviz, as SVG text
        "id": conclusion_id, "svg": derivation.render(derivation.derivation_graph(assessment, conclusion_id), "svg")},
}


class _Lru(Generic[T]):
    """A thread-safe least-recently-used map: cachetools' LRUCache under a lock (size 0 keeps nothing)."""

    def __init__(self, size: int):
        self.size = size
        self._items: cachetools.LRUCache[str, T] = cachetools.LRUCache(maxsize=max(size, 1))
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: T) -> None:
        if self.size > 0:
            with self._lock:
                self._items[key] = value


_MEDIA = {"json": _JSON, "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


def report_formats() -> dict[str, Callable[[list[Assessment]], str]]:
    """Report formats the page may offer: format -> render(assessments) -> text.

    The annotated report (`ppexpert report`: ppexpert.report.build_report and render_report) when the package
    has it: html, md, and its json, for one scenario or a comparison. Without it (it is written on another
    branch), the assessment's JSON document of one scenario. GET /api/knowledge lists what this returns.
    """
    try:
        # lazy, for start-up speed (jinja2); a build without the report module serves the JSON document instead
        from ppexpert.present.report import build_report, render_report
    except ImportError:
        return {"json": lambda assessments: dumps(assessments[0].to_json())}
    return {fmt: (lambda assessments, fmt=fmt: render_report(build_report(assessments), fmt))
            for fmt in ("html", "md", "json")}


def _reports_compare() -> bool:
    return len(report_formats()) > 1




def create_app(knowledge: Path | str | None = None, examples: Path | str | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, cache_size: int = 256,
               allowed_hosts: list[str] | None = None, workers: int = 0, max_queued: int = 256,
               max_slow_queued: int = 16, job_timeout: float = 60.0) -> FastAPI:
    """The web calculator as an ASGI application (serve it with uvicorn; `ppexpert serve` does).

    allowed_hosts: the Host headers to answer (others get 400), e.g. ["127.0.0.1", "localhost"] on loopback, so
    that a web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) cannot use the API; None answers any.
    workers: assessments run in that many worker processes, replaced when one dies (its request answers 503);
    0 runs them in two threads of this process (no crash containment; tests and embedding). max_queued and
    max_slow_queued bound the waiting jobs (429 beyond); job_timeout ends a worker that overruns it.
    """
    calc = Calculator(knowledge, examples, cache_size)
    calc.pool = Pool(str(calc.knowledge), str(calc.examples), workers, max_queued=max_queued,
                     max_slow_queued=max_slow_queued, job_timeout=job_timeout, target=worker_main,
                     local=None if workers else (lambda kind, args: run_job(calc, kind, args)))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        calc.pool.close()

    app = FastAPI(title="ppexpert web calculator", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="Assess peace-plan scenarios against the cited knowledge base, and ask why. "
                              "Errors answer {error, problems: [{field, message, hint, yaml_path, code}]}: "
                              "422 bad input, 413 body too large, 415 not JSON, 429 busy (see Retry-After), "
                              "503 engine failure, 500 internal error.")
    app.state.calculator = calc

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> Response:
        return error.response()

    @app.exception_handler(EngineFailure)
    async def _engine_failure(request: Request, error: EngineFailure) -> Response:
        print(f"ppexpert: engine failure: {error}", file=sys.stderr)
        return error_response(503, "the rule engine failed; the server is still running, try again",
                              detail=str(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [{"field": ".".join(str(part) for part in e.get("loc", ())), "message": str(e.get("msg", "")),
                     "hint": "", "code": "bad-request"} for e in error.errors()]
        return error_response(422, "invalid request", problems)

    scenario_schema = Scenario.model_json_schema(ref_template="#/components/schemas/{model}")
    scenario_defs = scenario_schema.pop("$defs", {})
    scenario_body = {"requestBody": {"required": True, "content": {_JSON: {
        "schema": scenario_schema,
        "example": {"id": "mine", "title": "My settings",
                    "parameters": {"territory_ceded_pct": 20, "military_cap": {"pct_of_current": 40},
                                   "election_within_days": 100, "war_crimes_amnesty": "full",
                                   "us_commitment": "vague"}}}}}}

    def explain_body(model: type[BaseModel]) -> dict:
        """The request body's description, from its model (the scenario's own schema where it goes)."""
        schema = model.model_json_schema()
        schema["properties"]["scenario"] = {**scenario_schema, "description": "the scenario, as /api/assess takes it"}
        return {"requestBody": {"required": True, "content": {_JSON: {"schema": schema}}}}

    # -- the page

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:  # FastAPI's own /docs loads Swagger UI from a CDN; this page works offline
        return Response(api_page(app.openapi()), media_type="text/html; charset=utf-8")

    # -- the knowledge base as pages (the same as `ppexpert site`); relative links work under /kb/

    @app.get("/kb", include_in_schema=False)
    def kb_root() -> Response:
        return RedirectResponse("/kb/", status_code=308)

    @app.get("/kb/{page:path}", include_in_schema=False)
    async def kb_page(page: str) -> Response:
        pages = await _in_thread(calc.site)
        text = pages.get(page or "index.html")
        if text is None:
            return Response("<!doctype html><title>Not found</title><p>No such page of the knowledge base. "
                            "<a href='/kb/'>The index</a>.</p>", status_code=404, media_type="text/html; charset=utf-8")
        return Response(text, media_type="text/html; charset=utf-8")

    # -- the API

    @app.get("/api/knowledge", summary="What the page builds its controls and cards from")
    def knowledge_summary() -> dict:
        kb = calc.kb()
        return {
            "ppexpert": __version__, "knowledge_version": kb.version,
            "scale": [{"id": lv.id, "meaning": lv.meaning} for lv in kb.scale.levels],
            "areas": [{"id": a.id, "title": a.title, "question": a.question, "dial": a.dial} for a in kb.areas.values()],
            # the plan vocabulary's groups are written in scenario files; the page has controls for the others
            "parameters": [_parameter_json(p) for p in kb.parameters.values() if not p.derived and p.group is None],
            "report_formats": sorted(report_formats()),
            "report_compare": _reports_compare(),
            "max_body_bytes": max_body_bytes,
        }

    @app.get("/api/scenarios", summary="The presets: every scenario file in examples/")
    def scenarios() -> list[dict]:
        return [preset.listing() for preset in calc.presets.all()]

    @app.post("/api/assess", summary="Assess a scenario (the same JSON as `ppexpert assess --format json`)",
              openapi_extra=scenario_body)
    async def assess_route(request: Request) -> Response:
        scenario = await _json_body(request)
        start = time.perf_counter()
        # answered in this process when it can be without the engine; else by the pool
        key, text = await _in_thread(lambda: calc.document_here(scenario))
        if text is None:
            text = await calc.answer("document", (scenario,), key, calc.documents)
        took = (time.perf_counter() - start) * 1000  # in the header only: the body stays byte-identical
        return Response(text, media_type=_JSON, headers={"Server-Timing": f"assess;dur={took:.2f}"})

    async def explained(scenario: Any, conclusion_id: Any, kind: str, level: Any = None) -> Response:
        if not isinstance(conclusion_id, str) or not conclusion_id:
            raise _bad_request("missing conclusion id", "pass `id`, e.g. risk.sovereignty", ("id",), code="missing-key")
        if level is not None and not isinstance(level, str):
            raise _bad_request("`level` must be a word of the risk scale", "e.g. \"critical\"", ("level",),
                               code="wrong-type")
        _, key = await _in_thread(lambda: calc._key(scenario))
        memo = f"{kind}\0{conclusion_id}\0{level}\0{key}"
        text = await calc.answer(kind, (scenario, conclusion_id, level), memo, calc.explanations)
        return Response(text, media_type=_JSON)

    @app.post("/api/why", summary="Why a conclusion holds (or why not): its derivation with citations",
              openapi_extra=explain_body(ExplainRequest))
    async def why_post(body: ExplainRequest = Depends(request_of(ExplainRequest))) -> Response:
        return await explained(body.scenario, body.id, "why")

    @app.post("/api/explain", summary="Why a conclusion holds (or why not), in words for a reader: the rule that "
              "holds first, rules set aside after it; ids and file positions only under each item's `details`",
              openapi_extra=explain_body(ExplainRequest))
    async def explain_post(body: ExplainRequest = Depends(request_of(ExplainRequest))) -> Response:
        return await explained(body.scenario, body.id, "explain")

    @app.post("/api/why-picture", summary="The derivation of a conclusion as a picture: {id, svg} (SVG laid out by "
              "Graphviz; 422 where its dot program is missing)", openapi_extra=explain_body(ExplainRequest))
    async def why_picture(body: ExplainRequest = Depends(request_of(ExplainRequest))) -> Response:
        return await explained(body.scenario, body.id, "picture")

    @app.get("/api/why", summary="Why a conclusion holds in a preset scenario, optionally with changed inputs")
    async def why_get(preset: str = Query(description="a preset id from /api/scenarios"),
                      id: str = Query(description="a conclusion id, e.g. risk.sovereignty"),
                      changes: list[str] = Query([], alias="set", description="change an input: name=value (value in JSON), "
                                                            "e.g. territory_ceded_pct=40 or military_cap={\"troops\":600000}")) -> Response:
        scenario = _with_changes(calc.presets.get(preset).data, changes, calc.kb())
        return await explained(scenario, id, "why")

    @app.post("/api/why-not", summary="Why a conclusion (or a level of it) does not hold",
              openapi_extra=explain_body(WhyNotRequest))
    async def why_not_post(body: WhyNotRequest = Depends(request_of(WhyNotRequest))) -> Response:
        return await explained(body.scenario, body.id, "why-not", body.level)

    @app.post("/api/what-if", summary="The smallest change of one input that changes a conclusion",
              openapi_extra=explain_body(ExplainRequest))
    async def what_if_post(body: ExplainRequest = Depends(request_of(ExplainRequest))) -> Response:
        return await explained(body.scenario, body.id, "what-if")

    @app.post("/api/marks", summary="Where each numeric input changes a risk level, the other inputs as sent: "
                                    "{input: [{at, changes: {risk id: [before, after]}}]} (exact, from the rules' "
                                    "thresholds)", openapi_extra=scenario_body)
    async def marks_route(request: Request) -> Response:
        scenario = await _json_body(request)
        _, key = await _in_thread(lambda: calc._key(scenario))
        text = await calc.answer("marks", (scenario,), f"marks\0{key}", calc.explanations)
        return Response(text, media_type=_JSON)

    @app.post("/api/report", summary="Download the report of a scenario (and of a preset beside it) in one of "
                                     "/api/knowledge's report_formats", openapi_extra=scenario_body)
    async def report(request: Request, format: str = Query("json", description="html, md or json"),
                     compare: str | None = Query(None, description="a preset id to compare with")) -> Response:
        renderers = report_formats()
        if format not in renderers:
            raise _bad_request(f"unknown report format '{format}'", "formats: " + ", ".join(sorted(renderers)),
                               ("format",), code="bad-word")
        if compare and not _reports_compare():
            raise _bad_request("comparison reports need `ppexpert report`, which this installation lacks",
                               "leave out `compare`", ("compare",), code="unsupported")
        scenario = await _json_body(request)
        other = calc.presets.get(compare) if compare else None
        await _in_thread(lambda: calc._key(scenario))  # a scenario that is not an object: 422 before queueing
        text = await calc.answer("report", (scenario, other.data if other else None, format), None, None)
        name = scenario.get("id") if isinstance(scenario, dict) and isinstance(scenario.get("id"), str) else "scenario"
        name = "".join(ch for ch in name if ch.isalnum() or ch in "-_")[:80] or "scenario"
        if other:
            name += "-vs-" + "".join(ch for ch in other.id if ch.isalnum() or ch in "-_")[:80]
        return Response(text, media_type=_MEDIA[format],
                        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'})

    app.add_middleware(BodyLimit, limit=max_body_bytes)
    if allowed_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware  # lazy: only with a Host allow-list
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(Guard)  # outermost of ours: headers on every answer, 500 without a torn-down connection
    app.openapi = lambda: _openapi(app, scenario_defs)
    return app


# Declared on every POST route of the API (schemathesis checks that nothing else is answered).
_ERROR_SCHEMA = {"type": "object", "required": ["error", "problems"],
                 "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": {"type": "object"}}}}
_ERRORS = {"413": "the body is larger than max_body_bytes", "415": "the body is not declared application/json",
           "422": "invalid input: every problem with its field, message and hint",
           "429": "the queue is full: try again after Retry-After seconds",
           "503": "the rule engine failed or stopped on this request; the server is still running"}


def _openapi(app: FastAPI, defs: dict) -> dict:
    """FastAPI's document, with the scenario's sub-schemas where its references point and every error declared."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    spec.setdefault("components", {}).setdefault("schemas", {}).update(defs)
    spec["components"]["schemas"]["Error"] = _ERROR_SCHEMA
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's HTTPValidationError: this API answers its own Error body
            errors = _ERRORS if method == "post" else {"422": _ERRORS["422"], "429": _ERRORS["429"]} if \
                operation.get("parameters") else {}
            for status, description in errors.items():
                responses[status] = {"description": description, "content": {_JSON: {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
    spec["components"]["schemas"] = {k: v for k, v in spec["components"]["schemas"].items()
                                     if k not in ("HTTPValidationError", "ValidationError")}
    app.openapi_schema = spec
    return spec


def api_page(spec: dict) -> str:
    """The OpenAPI description as a plain HTML page (no script, no external resource)."""
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
             f"<title>{escape(spec['info']['title'])} API</title>"
             "<style>body{font:16px/1.45 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
             "code{background:#8882;padding:0 .2em}</style>"
             f"<h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>"
             f"<p>{escape(spec['info'].get('description', ''))}</p>"
             "<p>The machine-readable description: <a href='/openapi.json'>/openapi.json</a>. The page: <a href='/'>/</a>.</p>"]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            parts.append(f"<h2><code>{method.upper()} {escape(path)}</code></h2><p>{escape(operation.get('summary', ''))}</p>")
            params = operation.get("parameters", [])
            if params:
                parts.append("<ul>" + "".join(
                    f"<li><code>{escape(p['name'])}</code> ({escape(p['in'])}{', required' if p.get('required') else ''})"
                    f": {escape(p.get('description') or p.get('schema', {}).get('description', ''))}</li>"
                    for p in params) + "</ul>")
            body = operation.get("requestBody", {}).get("content", {}).get(_JSON, {})
            if "example" in body:
                parts.append(f"<p>Body, for example:</p><pre>{escape(json.dumps(body['example'], indent=2))}</pre>")
            elif "schema" in body:
                keys = ", ".join(body["schema"].get("properties", {}))
                parts.append(f"<p>Body: a JSON object with {escape(keys)}.</p>")
    return "\n".join(parts) + "\n"


def _parameter_json(p) -> dict:
    return {"name": p.id, "title": p.title, "type": p.type, "unit": p.unit, "min": p.min, "max": p.max,
            "choices": p.choices, "nullable": p.nullable, "null_means": p.null_means, "plan_points": p.plan_points,
            "derived_from": p.derived_when,  # a scenario stating this group (or parameter) derives the input
            "fields": {k: {"type": f.type, "min": f.min, "max": f.max, "unit": getattr(f, "unit", None),
                           "title": getattr(f, "title", None)} for k, f in (p.fields or {}).items()} or None}


async def _in_thread(work: Callable[[], Any]) -> Any:
    """Run blocking engine work off the event loop (the engine serialises runs of one ruleset itself)."""
    return await run_in_threadpool(work)


MAX_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise _bad_request(f"the body is not valid JSON ({type(error).__name__}: {str(error)[:200]})",
                           "send a JSON object with Content-Type: application/json", code="bad-json") from None
    if _depth(body) > MAX_DEPTH:
        raise _bad_request(f"the body nests deeper than {MAX_DEPTH} levels", "a scenario is a shallow mapping",
                           code="too-deep")
    return body


def _depth(value: Any) -> int:
    """How deeply a JSON value nests (iteratively: a deep body must not exhaust the stack here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


# ---------------------------------------------------------------- request bodies


class ExplainRequest(BaseModel):
    """The body of /api/why, /api/explain, /api/why-picture and /api/what-if."""

    model_config = ConfigDict(extra="forbid")
    scenario: Any = Field(description="the scenario, as /api/assess takes it")
    id: str = Field(min_length=1, description="a conclusion id, e.g. risk.defence")


class WhyNotRequest(ExplainRequest):
    """The body of /api/why-not."""

    level: str | None = Field(None, description="a level of the risk scale, e.g. critical (default: any level)")


M = TypeVar("M", bound=BaseModel)


def request_of(model: type[M]) -> Callable[[Request], Any]:
    """A FastAPI dependency: the body read as JSON by the guarded parser (no NaN, bounded depth), then validated by
    `model`; every problem answers 422 in the API's own format (field, message, hint, code)."""

    async def read(request: Request) -> M:
        data = await _json_body(request)
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise ApiError(422, "invalid request", [_body_problem(e, model) for e in error.errors()]) from None

    return read


def _body_problem(error: dict, model: type[BaseModel]) -> dict:
    path = tuple(str(part) for part in error.get("loc", ()))
    keys = "keys: " + ", ".join(model.model_fields)
    kind = str(error.get("type", ""))
    if kind == "string_unicode":  # a key or a text with a lone surrogate: named (ASCII-escaped in the body)
        where = path or ((str(error["input"]),) if isinstance(error.get("input"), str) else ())
        return problem_json(Problem(Span("<request>"), where, f"'{where[-1] if where else ''}' is not valid Unicode",
                                    "send text in UTF-8 without lone surrogates", code="bad-request"))
    if kind == "extra_forbidden":
        message, hint, code = f"unknown key '{path[-1]}'", keys, "unknown-key"
    elif kind == "missing":
        message, hint, code = f"missing key '{path[-1]}'", keys, "missing-key"
    elif kind == "string_too_short":
        message, hint, code = f"`{path[-1]}` is empty", "pass `id`, e.g. risk.sovereignty", "missing-key"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message, hint, code = "expected a JSON object", keys, "wrong-type"
    elif kind.startswith("string"):
        message, hint, code = f"`{path[-1]}` must be text", "e.g. \"risk.defence\" or \"critical\"", "wrong-type"
    else:
        message, hint, code = str(error.get("msg", "invalid value")), keys, "bad-request"
    return problem_json(Problem(Span("<request>"), path, message, hint, code=code))


def _with_changes(scenario: dict, changes: list[str], kb: KnowledgeBase) -> dict:
    """A preset with `name=value` changes to its parameters (values in JSON; a bare word is taken as a string). A
    change to an input the preset derives from its vocabulary (the territory share from the regions) replaces what
    it is derived from, as on the page (a scenario may not state both)."""
    parameters = dict(scenario.get("parameters") or {})
    for change in changes:
        name, sep, text = change.partition("=")
        if not sep or not name:
            raise _bad_request(f"cannot read change '{change[:80]}'", "write name=value, e.g. territory_ceded_pct=40",
                               ("set",), code="bad-change")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        old = parameters.get(name)
        parameters[name] = {**old, "value": value} if isinstance(old, dict) and "value" in old else value
        parameter = kb.parameters.get(name)
        if parameter is not None and parameter.derived_when and value != UNKNOWN:
            parameters = without_stated(parameters, parameter.derived_when)
    return {**scenario, "parameters": parameters}



class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, declared or streamed."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self._refuse(scope, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._refuse(scope, send)
            if not message.get("more_body"):
                break
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, send) -> None:
        response = JSONResponse({"error": f"request body too large (limit {self.limit} bytes)", "problems": []},
                                status_code=413)
        await response(scope, None, send)


_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                                 b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Guard:
    """ASGI middleware around the whole application:

    - security headers on every answer (the page can be neither framed nor sniffed, and loads only its own files);
    - a POST must declare its body `application/json` (415 otherwise): a web page elsewhere can send text/plain or a
      form cross-site without a preflight, but not JSON;
    - an exception that escapes the application answers a plain 500 without its text (logged here), and the
      connection stays open for the client's next request (Starlette's own error handler re-raises, and the server
      then closes the connection).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _GUARDED]
                message = {**message, "headers": headers + _SECURITY_HEADERS}
            await send(message)

        if scope["method"] == "POST" and not _declares_json(scope):
            response = error_response(415, "send the body as JSON with Content-Type: application/json",
                                      [{"field": "Content-Type", "message": "not application/json",
                                        "hint": "set the header Content-Type: application/json", "code": "bad-media-type"}])
            return await response(scope, receive, send_with_headers)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # noqa: BLE001 - logged; the body names nothing of it
            traceback.print_exc(file=sys.stderr)
            if not started:
                await error_response(500, "internal error")(scope, receive, send_with_headers)


_GUARDED = {key for key, _ in _SECURITY_HEADERS}


def _declares_json(scope) -> bool:
    for key, value in scope.get("headers") or ():
        if key == b"content-type":
            media = value.split(b";")[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return False
