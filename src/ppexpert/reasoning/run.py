"""Run one assessment: the scenario's facts into the compiled rules, then settle, trace and conclude."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterable, Mapping

from ppexpert.engine.compile import encode_value
from ppexpert.engine.durable import Firing, shared_engine
from ppexpert.knowledge.base import KnowledgeBase, find_knowledge
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.scenario import load_scenario
from ppexpert.knowledge.shipped import resolve_scenario
from ppexpert.reasoning import cellcache
from ppexpert.reasoning.assessment import Assessment
from ppexpert.reasoning.conclusions import conclude, undetermined
from ppexpert.reasoning.frames import compare_frame
from ppexpert.reasoning.prepared import compiled_for, knowledge_for, plan_of
from ppexpert.reasoning.settle import settle
from ppexpert.reasoning.trace import build_trace


def assess(scenario: Path | str | Mapping, knowledge: Path | str | KnowledgeBase | None = None,
           as_of: date | None = None) -> Assessment:
    """Assess a scenario file, an example plan's id (`us-28-point-plan`) or a mapping against the knowledge base;
    raise InputError on bad input. Law and facts are those of `as_of`, else of the scenario's `as_of` or `date`."""
    kb, loaded = load_plan(scenario, knowledge, as_of)
    return assess_loaded(loaded, kb)


def load_plan(scenario: Path | str | Mapping, knowledge: Path | str | KnowledgeBase | None = None,
              as_of: date | None = None) -> tuple[KnowledgeBase, LoadedScenario]:
    """The knowledge base (given, a folder, or the one found beside the scenario) and the scenario (a file, an
    example plan's id or a mapping) loaded on it, as of `as_of` (else the scenario's own date)."""
    if isinstance(scenario, (str, Path)):
        scenario = resolve_scenario(scenario, knowledge.root if isinstance(knowledge, KnowledgeBase) else
                                    Path(knowledge) if knowledge is not None else find_knowledge())
    if isinstance(knowledge, KnowledgeBase):
        kb = knowledge
    else:
        near = Path(scenario).parent if isinstance(scenario, (str, Path)) else None
        kb = knowledge_for(knowledge, near)
    return kb, load_scenario(scenario, kb, as_of)


def compare(scenarios: Iterable[Path | str | Mapping], knowledge: Path | str | KnowledgeBase | None = None):
    """Plans side by side as a pandas DataFrame: a row per conclusion, a column per plan, levels in the cells."""
    return compare_frame([assess(scenario, knowledge) for scenario in scenarios])


def assess_loaded(loaded: LoadedScenario, kb: KnowledgeBase, *, cache: bool = True) -> Assessment:
    """One assessment; a scenario in a cell already run is rebuilt from the cell cache (cellcache.py)."""
    key = None
    if cache and cellcache.enabled():
        key = cellcache.key_of(loaded, kb)
        skeleton = cellcache.lookup(kb, key)
        if skeleton is not None:
            return skeleton.assessment(loaded, kb, assess_loaded)
    compiled = compiled_for(kb)
    firings = shared_engine().run(compiled, engine_facts(loaded, kb))
    result = _assessment(loaded, kb, firings)
    if key is not None:
        cellcache.store(kb, key, result)
    return result


def assess_cached(loaded: LoadedScenario, kb: KnowledgeBase, key: tuple | None = None) -> Assessment | None:
    """The assessment, when its cell is in this process's cell cache (rebuilt with the scenario's own values, exactly
    as assess_loaded would give it); else None. Never runs the engine: the web server answers from it in its own
    process, where a crash of the engine's C code must not happen. `key`: the cell's key, when already known."""
    if not cellcache.enabled():
        return None
    skeleton = cellcache.lookup(kb, key if key is not None else cellcache.key_of(loaded, kb))
    return skeleton.assessment(loaded, kb, assess_loaded) if skeleton is not None else None


def engine_facts(loaded: LoadedScenario, kb: KnowledgeBase) -> list[dict]:
    """The input and baseline facts some rule tests (others would only cost a crossing into C)."""
    plan = plan_of(kb)
    tested, asks_unknown = plan.tested, plan.asks_unknown
    # An unknown value matches only a test for `unknown` itself; the others would only cost a crossing into C.
    facts = [encode_value("in", name, value.value) for name, value in sorted(loaded.inputs.items())
             if ("input", name) in tested and (value.value != UNKNOWN or name in asks_unknown)]
    facts += [encode_value("fact", name, value.value) for name, value in sorted(loaded.baselines.items())
              if ("fact", name) in tested and (value.value != UNKNOWN or name in asks_unknown)]
    return facts


def _assessment(loaded: LoadedScenario, kb: KnowledgeBase, firings: list[Firing]) -> Assessment:
    """Settle precedence, trace, conclude: the result object every presentation reads."""
    standing, defeats = settle(loaded, kb, firings)
    trace = build_trace(loaded, kb, firings, standing, defeats)
    conclusions = conclude(loaded, kb, standing, trace)
    return Assessment(kb, loaded, conclusions, firings, defeats, undetermined(loaded, kb, standing, conclusions),
                      trace, {fact_id: fs for fact_id, fs in standing.items()}, runner=assess_loaded)
