"""Sweeps: one plan, some of its inputs varied over a grid or a sample, every conclusion's level per scenario.

A sweep is a stream of chunks: the varied values of up to CHUNK scenarios at a time (`scenario_chunks`), and their
conclusions (`Evaluator.evaluate`). Chunks are independent, so they run in this process, or on Dask workers
(`dask_chunks` below), and are written in order (`ppexpert.present.sweep_files`), so memory stays
bounded and the same arguments give the same rows whatever ran them.

The engine runs once per cell: the conclusions depend on the inputs only through the truth values of the rules'
conditions on them, so scenarios whose conditions all agree share one run. The cache below is keyed on each varied
input's class (`ppexpert.reasoning.axes`), which fixes that vector: it is exact, not an approximation.
"""
from __future__ import annotations

import fnmatch
import importlib
import itertools
import logging
import math
import os
import uuid
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from ppexpert._version import __version__
from ppexpert.engine.durable import shared_engine
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import normalise_number
from ppexpert.knowledge.derive import with_inputs
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN, Parameter
from ppexpert.knowledge.problems import InputError, Problem, Span
from ppexpert.knowledge.scenario import check_parameter_value, describe_domain
from ppexpert.reasoning.axes import axis
from ppexpert.reasoning.prepared import compiled_for
from ppexpert.reasoning.run import engine_facts, load_plan
from ppexpert.reasoning.settle import settle

CHUNK = 4096  # scenarios per chunk: the unit of work, of progress and of a Parquet row group
METHODS = ("grid", "random", "lhs")
_COMMAND_LINE = Span("<command line>")


# ---------------------------------------------------------------- what varies


@dataclass(frozen=True)
class Range:
    """`start:stop:step` as written: the grid takes start, start+step, ... up to stop; a sample draws from [start, stop]."""

    start: Decimal
    stop: Decimal
    step: Decimal

    def grid(self) -> list[Any]:
        count = int((self.stop - self.start) / self.step) + 1
        return [_number(self.start + self.step * i) for i in range(max(count, 0))]


@dataclass(frozen=True)
class Vary:
    """One varied input: a parameter (`territory_ceded_pct`) or a record's field (`military_cap.pct_of_current`)."""

    name: str
    parameter: str
    field: str | None
    kind: str  # number | integer | choice | boolean
    items: tuple[Any, ...]  # values and Ranges, in the order written

    def grid(self) -> list[Any]:
        return list(self._grid)

    @cached_property
    def _grid(self) -> tuple[Any, ...]:
        values: list[Any] = []
        for item in self.items:
            for value in (item.grid() if isinstance(item, Range) else [item]):
                if not any(_same(value, seen) for seen in values):
                    values.append(value)
        return tuple(values)

    @property
    def continuous(self) -> Range | None:
        """The one range a sample draws from, when the input is only that range."""
        if len(self.items) == 1 and isinstance(self.items[0], Range):
            return self.items[0]
        return None

    def draw(self, u: list[float]) -> list[Any]:
        """The values at quantiles u (0 <= u < 1) of this input's sampled distribution."""
        span = self.continuous
        if span is not None and self.kind == "number":
            low, width = float(span.start), float(span.stop - span.start)
            return [normalise_number(low + x * width) for x in u]
        if span is not None:  # whole numbers from start to stop, each as likely
            low, count = int(span.start), int(span.stop) - int(span.start) + 1
            return [low + min(int(x * count), count - 1) for x in u]
        values = self._grid
        return [values[min(int(x * len(values)), len(values) - 1)] for x in u]

    def scenario_value(self, value: Any) -> Any:
        """The value as a scenario writes it (a record field inside its record; null stays null)."""
        if self.field is None or value is None or value == UNKNOWN:
            return value
        return {self.field: value}


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else normalise_number(float(value))


def parse_vary(text: str, kb: KnowledgeBase) -> Vary:
    """`NAME=ITEM[,ITEM...]`: ITEM is START:STOP[:STEP], a value (a number, a word, true, false, null, unknown),
    or `*` for every value of a choice or a yes/no input. Raise InputError on anything else."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    path = ("--vary", name or text)
    if not sep or not name or not spec:
        raise _error(path, f"--vary {text!r} is not NAME=VALUES", "write e.g. --vary territory_ceded_pct=0:40:1")
    parameter_id, field = split_input_name(name, kb)
    parameter = kb.parameters.get(parameter_id)
    if parameter is None or parameter.derived:
        allowed = sorted(p for p, d in kb.parameters.items() if not d.derived)
        raise _error(path, f"unknown input '{parameter_id}'", f"inputs: {', '.join(allowed)}")
    kind, low, high = _domain(parameter, field, path)
    items: list[Any] = []
    problems: list[Problem] = []
    for raw in spec.split(","):
        raw = raw.strip()
        try:
            found_items = _item(raw, parameter, kind)
        except ValueError as error:
            problems.append(sweep_problem(path, f"{name}: {error}", _allowed(parameter, field)))
            continue
        items.extend(found_items)
        for item in found_items:
            for value in ([_number(item.start), _number(item.stop)] if isinstance(item, Range) else [item]):
                whole = value if not field or value is None or value == UNKNOWN else {field: value}
                found = check_parameter_value(parameter, whole)
                if found:
                    problems.append(sweep_problem(path, f"{name}: {found[0]}", found[1]))
    if problems:
        raise InputError(problems)
    return Vary(name, parameter_id, field or None, kind, tuple(items))


def split_input_name(name: str, kb: KnowledgeBase) -> tuple[str, str]:
    """(parameter, field): `military_cap.troops` is a record's field, but a group's parameter has dots of its own
    (`guarantee.duration_years`, `sequence.elections.within_days`) and no field."""
    if name in kb.parameters:
        return name, ""
    parameter_id, _, field = name.rpartition(".")
    return (parameter_id, field) if parameter_id else (name, "")


def domain_vary(name: str, kb: KnowledgeBase) -> Vary:
    """`NAME=VALUES` as written, or a bare NAME over its whole declared domain (every word of a choice)."""
    if "=" in name:
        return parse_vary(name, kb)
    parameter_id, field = split_input_name(name, kb)
    parameter = kb.parameters.get(parameter_id)
    if parameter is not None and parameter.type in ("choice", "boolean"):
        return parse_vary(f"{name}=*", kb)
    spec = (parameter.fields or {}).get(field) if parameter is not None and field else parameter
    if spec is None or spec.min is None or spec.max is None:
        return parse_vary(f"{name}=0:1", kb)  # reports the unknown input, or the record without a field
    return parse_vary(f"{name}={_number(Decimal(str(spec.min)))}:{_number(Decimal(str(spec.max)))}", kb)


def _domain(parameter: Parameter, field: str, path: tuple) -> tuple[str, Any, Any]:
    if parameter.type == "record":
        fields = parameter.fields or {}
        if field not in fields:
            raise _error(path, f"{parameter.id} is a record: vary one of its fields",
                         "write " + " or ".join(f"{parameter.id}.{f}" for f in fields))
        spec = fields[field]
        return spec.type, spec.min, spec.max
    if field:
        raise _error(path, f"{parameter.id} has no fields", f"write {parameter.id}=VALUES")
    return parameter.type, parameter.min, parameter.max


def _allowed(parameter: Parameter, field: str) -> str:
    return describe_domain(parameter) + "; ranges are START:STOP[:STEP], lists are comma-separated, * is every value"


def _item(raw: str, parameter: Parameter, kind: str) -> list[Any]:
    if raw == "*":
        if kind == "choice":
            return list(parameter.choices or [])
        if kind == "boolean":
            return [False, True]
        raise ValueError("* (every value) is for choices and yes/no inputs; give a numeric input a range")
    words = {"null": None, "none": None, "unknown": UNKNOWN, "true": True, "false": False}
    if kind == "choice":
        if raw in (parameter.choices or []):
            return [raw]
        if raw in ("null", "unknown"):
            return [words[raw]]
        raise ValueError(f"'{raw}' is not an allowed word")
    if raw in words:
        value = words[raw]
        if kind in ("number", "integer") and isinstance(value, bool):
            raise ValueError(f"'{raw}' is not a number")
        return [value]
    if kind == "boolean":
        raise ValueError(f"'{raw}' is not true or false")
    parts = raw.split(":")
    try:
        numbers = [Decimal(p) for p in parts]
    except InvalidOperation:
        raise ValueError(f"'{raw}' is not a number or a range START:STOP[:STEP]") from None
    if not all(n.is_finite() for n in numbers) or len(numbers) > 3:
        raise ValueError(f"'{raw}' is not a number or a range START:STOP[:STEP]")
    if len(numbers) == 1:
        return [_number(numbers[0])]
    start, stop = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else Decimal(1)
    if step <= 0 or stop < start:
        raise ValueError(f"'{raw}': a range needs START <= STOP and a positive STEP")
    if kind == "integer" and any(n != n.to_integral_value() for n in (start, stop, step)):
        raise ValueError(f"'{raw}': this input takes whole numbers")
    if (stop - start) / step > 10_000_000:
        raise ValueError(f"'{raw}' has more than ten million steps")
    return [Range(start, stop, step)]


def extra(module: str):
    """A module of the [explore] extra, imported on first use (start-up stays light), or how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError([Problem(_COMMAND_LINE, (), f"this needs {module.split('.')[0]}, from the [explore] extra",
                                  "pip install 'ppexpert[explore]'", code="missing-extra")]) from None


def sweep_problem(path: tuple, message: str, hint: str) -> Problem:
    return Problem(_COMMAND_LINE, path, message, hint, code="bad-sweep")


def _error(path: tuple, message: str, hint: str) -> InputError:
    return InputError([sweep_problem(path, message, hint)])


# ---------------------------------------------------------------- which scenarios


@dataclass(frozen=True)
class Design:
    """The scenarios of a sweep: a full grid, or `sample` draws (random or Latin hypercube) with a seed."""

    varies: tuple[Vary, ...]
    method: str = "grid"
    sample: int | None = None
    seed: int = 0

    @property
    def size(self) -> int:
        if self.method == "grid":
            return math.prod(len(v.grid()) for v in self.varies)
        return int(self.sample or 0)


def make_design(varies: Sequence[Vary], method: str | None = None, sample: int | None = None,
                seed: int | None = None) -> Design:
    names = [v.name for v in varies]
    problems = []
    if not varies:
        problems.append(sweep_problem(("--vary",), "nothing to vary", "give at least one --vary NAME=VALUES"))
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(sweep_problem(("--vary", name), f"{name} is varied twice", "give each input once"))
    for a, b in itertools.combinations(varies, 2):
        if a.parameter == b.parameter and a.name != b.name:
            problems.append(sweep_problem(("--vary", b.name), f"{a.name} and {b.name} set the same input",
                                     "a record takes one of its fields at a time: vary one"))
    method = method or ("lhs" if sample else "grid")
    if method not in METHODS:
        problems.append(sweep_problem(("--method",), f"unknown method '{method}'", "random, lhs or grid"))
    if method != "grid" and (sample is None or sample < 1):
        problems.append(sweep_problem(("--sample",), f"--method {method} needs --sample N (N >= 1)",
                                 "e.g. --sample 10000 --method lhs --seed 1"))
    if method == "grid" and sample:
        problems.append(sweep_problem(("--method",), "--method grid takes no --sample", "use random or lhs"))
    if problems:
        raise InputError(problems)
    return Design(tuple(varies), method, sample, 0 if seed is None else int(seed))


def scenario_chunks(design: Design, chunk: int = CHUNK) -> Iterator[dict[str, list[Any]]]:
    """The varied values, CHUNK scenarios at a time, as columns; never more than one chunk in memory."""
    if design.method == "grid":
        grids = [v.grid() for v in design.varies]
        rows = itertools.product(*grids)  # the first --vary changes slowest
        while True:
            block = list(itertools.islice(rows, chunk))
            if not block:
                return
            yield {v.name: [row[i] for row in block] for i, v in enumerate(design.varies)}
    else:
        yield from _sampled(design, chunk)


def _sampled(design: Design, chunk: int) -> Iterator[dict[str, list[Any]]]:
    numpy = extra("numpy")  # only sampling needs numpy

    rng = numpy.random.Generator(numpy.random.PCG64(design.seed))
    n, dims = design.size, len(design.varies)
    if design.method == "lhs":
        # one stratum per scenario on every axis, strata paired at random: n values per axis (8 bytes each)
        strata = [rng.permutation(n) for _ in range(dims)]
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        u = rng.random((stop - start, dims))
        if design.method == "lhs":
            u = (numpy.stack([s[start:stop] for s in strata], axis=1) + u) / n
        yield {v.name: v.draw(u[:, i].tolist()) for i, v in enumerate(design.varies)}


# ---------------------------------------------------------------- what each scenario concludes


def conclusion_ids(kb: KnowledgeBase) -> dict[str, bool]:
    """Every conclusion some rule can derive -> whether it has a level; in the knowledge base's order."""
    found: dict[str, bool] = {}
    for rule in kb.rules:
        found[rule.then.conclusion_id] = found.get(rule.then.conclusion_id, False) or rule.then.level is not None
    return found


def select_conclusions(kb: KnowledgeBase, patterns: Sequence[str] | None) -> dict[str, bool]:
    """The conclusions a sweep reports: all, or those matching the patterns (`risk.*`), in a stable order."""
    every = conclusion_ids(kb)
    ordered = sorted(every, key=lambda c: (c != "risk.overall", not c.startswith("risk."), c))
    if not patterns:
        return {c: every[c] for c in ordered}
    chosen: dict[str, bool] = {}
    problems = []
    for pattern in patterns:
        matched = [c for c in ordered if fnmatch.fnmatchcase(c, pattern)]
        if not matched:
            close = [c for c in ordered if pattern.split(".")[0] in c][:8]
            problems.append(sweep_problem(("--conclusion", pattern), f"no conclusion matches '{pattern}'",
                                     f"e.g. {', '.join(close or ordered[:8])} (patterns such as risk.* work)"))
        for c in matched:
            chosen[c] = every[c]
    if problems:
        raise InputError(problems)
    return chosen


class Evaluator:
    """The conclusions of one plan with some inputs replaced; one engine run per cell (see the module's note)."""

    def __init__(self, kb: KnowledgeBase, base: LoadedScenario, varies: Sequence[Vary],
                 conclusions: Mapping[str, bool]):
        self.kb, self.base = kb, base
        self.varies = tuple(varies)
        self.conclusions = dict(conclusions)
        self.axes = tuple(axis(kb, base, v.parameter, v.field) for v in self.varies)
        self._cells: dict[tuple, dict[str, Any]] = {}
        self.runs = 0

    def scenario(self, values: Mapping[str, Any]) -> LoadedScenario:
        """The base plan with these inputs (parameter -> value as a scenario writes it), derived values again."""
        return with_inputs(self.base, self.kb, {name: _normalised(value) for name, value in values.items()})

    def levels(self, row: Sequence[Any]) -> dict[str, Any]:
        """Conclusion id -> its level (a word), True for one without a level, None where it does not hold;
        `row` holds the varied values in the order of `varies`."""
        key = tuple(a.class_of(value) for a, value in zip(self.axes, row))
        found = self._cells.get(key)
        if found is None:
            found = self._cells[key] = self.run(row)
        return found

    def run(self, row: Sequence[Any]) -> dict[str, Any]:
        """The engine on one scenario, no cache: the conclusions and their levels."""
        return self.conclude(self.scenario({v.parameter: v.scenario_value(value)
                                            for v, value in zip(self.varies, row)}))

    def conclude(self, loaded: LoadedScenario) -> dict[str, Any]:
        self.runs += 1
        firings = shared_engine().run(compiled_for(self.kb), engine_facts(loaded, self.kb))
        standing, _ = settle(loaded, self.kb, firings)
        rank = self.kb.scale.rank
        result: dict[str, Any] = {c: None if has_level else False for c, has_level in self.conclusions.items()}
        for fs in standing.values():
            cid, level = fs[0].conclusion["cid"], fs[0].conclusion.get("lv")
            if cid not in result:
                continue
            if level is None:
                result[cid] = True
            elif result[cid] is None or rank(level) > rank(result[cid]):
                result[cid] = level
        return result

    def evaluate(self, chunk: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """Conclusion columns for a chunk of varied values (columns named as the --vary names)."""
        rows = [self.levels(row) for row in zip(*(chunk[v.name] for v in self.varies))]
        return {c: [row[c] for row in rows] for c in self.conclusions}


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalise_number(v) for k, v in value.items()}
    return normalise_number(value)


# ---------------------------------------------------------------- a sweep, put together


@dataclass
class Sweep:
    """Everything a run of one sweep needs: the knowledge base, the plan, the design, the conclusions reported."""

    kb: KnowledgeBase
    base: LoadedScenario
    design: Design
    conclusions: dict[str, bool]

    def evaluator(self) -> Evaluator:
        return Evaluator(self.kb, self.base, self.design.varies, self.conclusions)

    @property
    def columns(self) -> list[str]:
        return [v.name for v in self.design.varies] + list(self.conclusions)

    def metadata(self) -> dict[str, str]:
        """What the file records about how it was made: no time, nothing that differs between equal runs."""
        return {"ppexpert.version": __version__, "ppexpert.plan": self.base.scenario.id,
                "ppexpert.plan_sha256": self.base.content_hash,
                "ppexpert.vary": " ".join(f"{v.name}={_spec_text(v)}" for v in self.design.varies),
                "ppexpert.method": self.design.method, "ppexpert.sample": str(self.design.sample or ""),
                "ppexpert.seed": str(self.design.seed), "ppexpert.rows": str(self.design.size)}

    def chunks(self, chunk: int = CHUNK) -> Iterator[dict[str, list[Any]]]:
        """Whole rows (varied values and conclusions), chunk by chunk, in this process."""
        evaluator = self.evaluator()
        for values in scenario_chunks(self.design, chunk):
            yield {**values, **evaluator.evaluate(values)}


def _spec_text(vary: Vary) -> str:
    parts = []
    for item in vary.items:
        if isinstance(item, Range):
            parts.append(f"{item.start}:{item.stop}:{item.step}")
        else:
            parts.append({None: "null", True: "true", False: "false"}.get(item, str(item))
                         if not isinstance(item, (int, float)) or isinstance(item, bool) else str(item))
    return ",".join(parts)


def read_request(kb: KnowledgeBase, texts: Sequence[str], parse: Callable[[str, KnowledgeBase], Vary],
                 patterns: Sequence[str] | None, problems: list[Problem]) -> tuple[list[Vary], dict[str, bool] | None]:
    """The varied inputs and the chosen conclusions of a sweep, map or workbench model; every problem goes into
    `problems`, so that one run reports them all."""
    varies = []
    for text in texts:
        try:
            varies.append(parse(text, kb))
        except InputError as error:
            problems.extend(error.problems)
    chosen = None
    try:
        chosen = select_conclusions(kb, patterns)
    except InputError as error:
        problems.extend(error.problems)
    return varies, chosen


def prepare(plan: Path | str | Mapping, vary: Sequence[str] | Mapping[str, Any], *, sample: int | None = None,
            method: str | None = None, seed: int | None = None, conclusions: Sequence[str] | None = None,
            knowledge: Path | str | KnowledgeBase | None = None) -> Sweep:
    """Check every argument (all problems in one InputError) and build the sweep."""
    kb, base = load_plan(plan, knowledge)
    texts = [f"{k}={v}" for k, v in vary.items()] if isinstance(vary, Mapping) else list(vary)
    problems: list[Problem] = []
    varies, chosen = read_request(kb, texts, parse_vary, conclusions, problems)
    try:
        design = make_design(varies, method, sample, seed) if not problems else None
    except InputError as error:
        problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return Sweep(kb, base, design, chosen)


def sweep(plan: Path | str | Mapping, vary: Sequence[str] | Mapping[str, Any], *, sample: int | None = None,
          method: str | None = None, seed: int | None = None, conclusions: Sequence[str] | None = None,
          knowledge: Path | str | KnowledgeBase | None = None, scheduler: str | None = None,
          workers: int | None = None):
    """One row per scenario, one column per varied input and per conclusion (its level, or whether it holds).

    `vary` is a list of `NAME=VALUES` (as on the command line) or a mapping {name: "0:40:1"}. Returns a pandas
    DataFrame (pandas comes with the [explore] extra). With `scheduler` (a Dask address) or `workers` the
    chunks run on Dask; the rows are the same.
    """
    pandas = extra("pandas")

    prepared = prepare(plan, vary, sample=sample, method=method, seed=seed, conclusions=conclusions,
                       knowledge=knowledge)
    columns: dict[str, list[Any]] = {name: [] for name in prepared.columns}
    for block in run_chunks(prepared, scheduler=scheduler, workers=workers):
        for name in columns:
            columns[name].extend(block[name])
    return pandas.DataFrame(columns, columns=prepared.columns)


def run_chunks(prepared: Sweep, scheduler: str | None = None, workers: int | None = None,
               chunk: int = CHUNK, timeout: float | None = None) -> Iterator[dict[str, list[Any]]]:
    """The sweep's rows chunk by chunk, in order: in this process, or on Dask when asked."""
    if scheduler or workers:
        return dask_chunks(prepared, scheduler=scheduler, workers=workers, chunk=chunk, timeout=timeout)
    return prepared.chunks(chunk)


# ---------------------------------------------------------------- on Dask
#
# `workers=N` starts a local cluster of N worker processes on loopback (127.0.0.1) for one sweep; `scheduler`
# joins an existing cluster (tcp://HOST:8786), whose workers need ppexpert installed (the knowledge base and the
# plan travel with the tasks, so they need no files). The knowledge base, the plan and what varies go to every
# worker once; each worker keeps one Evaluator (and so one cell cache) per sweep. At most `window` chunks are in
# flight, so memory stays bounded however long the sweep, and the rows are those of one process, in order.

_EVALUATORS: dict[str, Evaluator] = {}  # in each worker: the sweep's token -> its evaluator


def _evaluate_on_worker(context: tuple, values: dict[str, list[Any]]) -> dict[str, list[Any]]:
    token, kb, base, varies, conclusions = context
    evaluator = _EVALUATORS.get(token)
    if evaluator is None:
        _EVALUATORS.clear()  # one sweep at a time per worker: drop the last one's cache
        evaluator = _EVALUATORS[token] = Evaluator(kb, base, varies, conclusions)
    return evaluator.evaluate(values)


def dask_chunks(prepared: Sweep, scheduler: str | None = None, workers: int | None = None, chunk: int = CHUNK,
                window: int | None = None, timeout: float | None = None) -> Iterator[dict[str, list[Any]]]:
    """The sweep's rows chunk by chunk, in order, computed on Dask workers."""
    distributed = extra("distributed")
    cluster = None
    if scheduler:
        client = distributed.Client(scheduler, timeout=timeout or 30)
    else:
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, host="127.0.0.1", dashboard_address=None,
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    try:
        window = window or 2 * max(len(client.scheduler_info().get("workers", {})), 1)
        context = (uuid.uuid4().hex, prepared.kb, prepared.base, prepared.design.varies, prepared.conclusions)
        [shared] = client.scatter([context], broadcast=True)
        pending: deque = deque()
        for values in scenario_chunks(prepared.design, chunk):
            pending.append((values, client.submit(_evaluate_on_worker, shared, values, pure=False)))
            while len(pending) >= window:
                done, future = pending.popleft()
                yield {**done, **future.result(timeout=timeout)}
        while pending:
            done, future = pending.popleft()
            yield {**done, **future.result(timeout=timeout)}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


__all__ = ["sweep", "prepare", "Sweep", "Vary", "Range", "Design", "Evaluator", "parse_vary", "make_design",
           "scenario_chunks", "run_chunks", "select_conclusions", "conclusion_ids", "CHUNK"]
