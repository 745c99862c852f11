"""The cell cache: one engine run per cell, re-rendered with each scenario's actual values.

Rules compare inputs with literals, so which rules fire, which firings stand, every defeat, caveat and open question,
and the shape of the trace depend only on the cell of a scenario (`cells.cell_key`: the truth-vector id of every
tested input and baseline, `unknown` apart), on which baselines the scenario assumes, and on the date it is judged
as of. The cache keeps, per cell, the skeleton of the result (nothing that holds a raw value) and rebuilds an
Assessment from it with the scenario's own values: the premises the firings matched, the input and baseline nodes of
the trace, the sentences, the disputed values. Exact by construction; tests/test_cells.py compares cached and
uncached results over every YAML case and 2,000 random scenarios. `PPEXPERT_CELL_CACHE=off` turns it off.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import cachetools

from ppexpert.engine.compile import encode_value
from ppexpert.engine.durable import Firing
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.reasoning._conclusion_types import Conclusion
from ppexpert.reasoning.assessment import Assessment
from ppexpert.reasoning.cells import structure_of
from ppexpert.reasoning.conclusions import placeholders, render, requirement_parts, template_values
from ppexpert.reasoning.trace import Trace

MAX_CELLS = 4096  # per knowledge base; least recently used cells go first


def enabled() -> bool:
    return os.environ.get("PPEXPERT_CELL_CACHE", "").lower() not in ("0", "off", "no", "false")


def key_of(loaded: LoadedScenario, kb: KnowledgeBase) -> tuple:
    """The cell's key in this process (truth vectors are numbered as they are first met: another process numbers
    them otherwise, so a key is never handed from one process to another)."""
    assumed = tuple((b.id, b.assumed, b.disputed) for b in loaded.baselines.values() if b.assumed or b.disputed)
    as_of = getattr(loaded, "as_of", None)
    # the trace's `derives` edges follow what each derived input was read from, which the truth vector does not
    # fix: the regions a plan states (one gives recognised_by, another leaves it out) can share a cell
    derived = tuple((n, v.derived_from) for n, v in sorted(loaded.inputs.items()) if v.origin == "derived")
    return (structure_of(kb).key(loaded), assumed, as_of, loaded.scenario.date, derived)


@dataclass(frozen=True)
class _ConclusionShape:
    conclusion: Conclusion  # as the first run of the cell drew it; reused whole when its values are the same
    templates: tuple[str, ...]  # the sentence of each of its grounds
    names: tuple[str, ...]  # the values its sentences show
    shown: tuple  # ... and what they were in that run
    disputed: tuple[str, ...]  # baselines whose values it shows


@dataclass(frozen=True)
class Skeleton:
    firings: tuple[Firing, ...]  # the first run's firings; one is rebuilt when a value it matched differs
    premise_ids: tuple[tuple[str, ...], ...]
    conclusion_facts: dict[str, dict]  # premise facts that are conclusions (they hold no input value)
    needed: tuple[tuple[str, str, str, Any], ...]  # (fact id, kind, name, value) of the facts premises matched
    seen: dict[str, dict]  # ... and those facts as the first run matched them
    support: tuple[tuple[str, tuple[int, ...]], ...]  # standing conclusion fact id -> orders of its firings
    support_map: dict[str, list[Firing]]  # ... with the first run's firings
    defeats: tuple
    undetermined: tuple
    value_nodes: int  # the trace's first nodes are the inputs' and baselines' (rebuilt); the rest are kept
    other_nodes: tuple
    edges: tuple
    standing: frozenset
    conclusions: tuple[_ConclusionShape, ...]

    @classmethod
    def of(cls, assessment: Assessment) -> "Skeleton":
        kb = assessment.kb
        conclusion_facts, needed, seen = {}, {}, {}
        loaded = assessment.loaded
        for f in assessment.firings:
            for premise in f.premises:
                if premise["t"] == "c":
                    conclusion_facts[premise["id"]] = premise
                else:
                    kind, name = premise["t"], premise["n"]
                    value = loaded.inputs[name].value if kind == "in" else loaded.baselines[name].value
                    needed[premise["id"]] = (premise["id"], kind, name, value)
                    seen[premise["id"]] = premise
        count = len(assessment.loaded.inputs) + len(assessment.loaded.baselines)
        values = template_values(assessment.loaded, kb)
        shapes = []
        for c in assessment.conclusions.values():
            templates = tuple(kb.rules_by_id[g.rule].because for g in c.grounds)
            parts = tuple(text for r in c.rules for text in (kb.rules_by_id[r].then.step or "",
                                                             kb.rules_by_id[r].then.met_by or "")) \
                if c.requirement is not None else ()
            names = tuple(dict.fromkeys(n for template in templates + parts for n in placeholders(template)))
            shapes.append(_ConclusionShape(c, templates, names, tuple(_shown(values, n) for n in names),
                                           tuple(d["baseline"] for d in c.disputed)))
        trace = assessment.trace
        return cls(tuple(assessment.firings), tuple(tuple(p["id"] for p in f.premises) for f in assessment.firings),
                   conclusion_facts, tuple(needed.values()), seen,
                   tuple((fid, tuple(f.order for f in fs)) for fid, fs in assessment.support.items()),
                   {fid: list(fs) for fid, fs in assessment.support.items()},
                   tuple(assessment.defeats), tuple(assessment.undetermined), count, trace.nodes[count:],
                   trace.edges, trace.standing, tuple(shapes))

    def assessment(self, loaded: LoadedScenario, kb: KnowledgeBase,
                   runner: Callable[[LoadedScenario, KnowledgeBase], Assessment]) -> Assessment:
        inputs, baselines = loaded.inputs, loaded.baselines
        changed: dict[str, dict] = {}
        for fact_id, kind, name, before in self.needed:
            value = inputs[name].value if kind == "in" else baselines[name].value
            if value.__class__ is not before.__class__ or value != before:
                changed[fact_id] = encode_value(kind, name, value)
        firings = list(self.firings)
        if changed:
            facts = {**self.conclusion_facts, **self.seen, **changed}
            for index, premises in enumerate(self.premise_ids):
                if any(p in changed for p in premises):
                    f = firings[index]
                    firings[index] = Firing(f.order, f.rule, tuple(facts[p] for p in premises), f.conclusion, f.new)
            support = {fid: [firings[o] for o in orders] for fid, orders in self.support}
        else:
            support = {fid: list(fs) for fid, fs in self.support_map.items()}
        values = template_values(loaded, kb)
        conclusions = {}
        for shape in self.conclusions:
            c = shape.conclusion
            disputed = tuple(_disputed(baselines[name]) for name in shape.disputed) if shape.disputed else ()
            if shape.names and tuple([_shown(values, n) for n in shape.names]) != shape.shown or disputed != c.disputed:
                grounds = tuple(dataclasses.replace(g, because=render(t, values, {"level": c.level}))
                                for g, t in zip(c.grounds, shape.templates))
                requirement = (requirement_parts([kb.rules_by_id[r].then for r in c.rules], kb, values)
                               if c.requirement is not None else None)
                c = dataclasses.replace(c, sentence=grounds[0].because, disputed=disputed, grounds=grounds,
                                        requirement=requirement)
            conclusions[c.id] = c
        trace = Trace(tuple(_value_nodes(loaded)) + self.other_nodes, self.edges, self.standing)
        return Assessment(kb, loaded, conclusions, firings, list(self.defeats), list(self.undetermined), trace,
                          support, runner=runner)


_MISSING = object()


def _shown(values: dict, name: str) -> Any:
    # what the sentence would show: the value and its type (1 and True print differently)
    value = values.get(name, _MISSING)
    return (value.__class__, value)


def _disputed(value) -> dict:
    return {"baseline": value.id, "value": value.value, "kb_value": value.kb_value, "assumed": value.assumed,
            "source": value.source}


_NODES: dict[int, tuple[object, tuple]] = {}  # id of an InputValue or BaselineValue -> (it, its trace node)


def _value_nodes(loaded: LoadedScenario):
    # the same nodes, in the same order, as trace.build_trace; a value object met before keeps its node
    for name, value in sorted(loaded.inputs.items()):
        known = _NODES.get(id(value))
        if known is None or known[0] is not value:
            node = (f"input:{name}", {"kind": "input", "name": name, "value": value.value, "origin": value.origin,
                                      "point": value.point, "span": str(value.span)})
            known = _remember(value, node)
        yield known[1]
    for name, value in sorted(loaded.baselines.items()):
        known = _NODES.get(id(value))
        if known is None or known[0] is not value:
            node = (f"fact:{name}", {"kind": "baseline", "name": name, "value": value.value,
                                     "kb_value": value.kb_value, "assumed": value.assumed,
                                     "disputed": value.disputed, "source": value.source, "span": str(value.span)})
            known = _remember(value, node)
        yield known[1]


def _remember(value: object, node: tuple) -> tuple[object, tuple]:
    if len(_NODES) > 20_000:
        _NODES.clear()
    _NODES[id(value)] = (value, node)  # holding the object keeps its id from being reused
    return _NODES[id(value)]


class _Cells:
    def __init__(self) -> None:
        self.entries: cachetools.LRUCache[tuple, Skeleton] = cachetools.LRUCache(maxsize=MAX_CELLS)
        self.hits = self.misses = 0


_CACHES: dict[int, _Cells] = {}
_LOCK = threading.Lock()


def cells_of(kb: KnowledgeBase) -> _Cells:
    with _LOCK:
        found = _CACHES.get(id(kb))
        if found is None:
            found = _CACHES[id(kb)] = _Cells()
            weakref.finalize(kb, _CACHES.pop, id(kb), None)
        return found


def lookup(kb: KnowledgeBase, key: tuple) -> Skeleton | None:
    cells = cells_of(kb)
    with _LOCK:
        found = cells.entries.get(key)  # a hit makes the cell the most recently used
        if found is None:
            cells.misses += 1
        else:
            cells.hits += 1
        return found


def peek(kb: KnowledgeBase, key: tuple) -> Skeleton | None:
    """The cell's skeleton, if kept, without counting a hit or a miss (to hand it to another process)."""
    cells = cells_of(kb)
    with _LOCK:
        # the base class's lookup leaves the order as it is (LRUCache's own would make it the most recently used)
        return cachetools.Cache.__getitem__(cells.entries, key) if key in cells.entries else None


def store(kb: KnowledgeBase, key: tuple, assessment: Assessment) -> None:
    adopt(kb, key, Skeleton.of(assessment))


def adopt(kb: KnowledgeBase, key: tuple, skeleton: Skeleton) -> None:
    """Keep a cell's skeleton made elsewhere (by a worker process on the same knowledge base version)."""
    cells = cells_of(kb)
    with _LOCK:
        cells.entries[key] = skeleton  # the least recently used cell goes when full


def clear() -> None:
    with _LOCK:
        for cells in _CACHES.values():
            cells.entries.clear()
            cells.hits = cells.misses = 0


def statistics(kb: KnowledgeBase) -> dict[str, Any]:
    cells = cells_of(kb)
    return {"cells": len(cells.entries), "hits": cells.hits, "misses": cells.misses}
