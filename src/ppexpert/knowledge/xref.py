"""Cross-references of the knowledge base, both ways: what each rule rests on and reads, and for each source,
provision, baseline and parameter the rules, claims and plans that point at it.

`cross_references(kb, plans)` is the index `ppexpert site` (and the web app's /kb) renders; it reads the knowledge
base and the plans as written and computes no conclusion. Every list is in a fixed order (the knowledge base's,
or sorted), so the pages built from it are byte-identical for the same files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.derive import DERIVATIONS
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import Rule, Scenario
from ppexpert.knowledge.problems import InputError
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.knowledge.scenario import load_scenario


@dataclass(frozen=True)
class PlanInput:
    """One input a plan sets: the value as written, the plan point it encodes, the plan's note."""

    plan: str
    value: Any
    point: str | None = None
    note: str | None = None
    derived: bool = False  # computed from what the plan writes (a group of inputs, region by region), not set


@dataclass
class Refs:
    """Who points at one object of the knowledge base (ids, in a fixed order)."""

    rules_resting: list[str] = field(default_factory=list)   # rules whose `rests_on` names it
    rules_context: list[str] = field(default_factory=list)   # rules that cite it for context
    rules_reading: list[str] = field(default_factory=list)   # rules whose conditions test it (input or fact)
    rules_concluding: list[str] = field(default_factory=list)  # rules concluding violation.<provision>
    claims: list[str] = field(default_factory=list)          # claims about it
    plans: list[PlanInput] = field(default_factory=list)     # plans setting this input, or assuming this baseline
    derived: list[str] = field(default_factory=list)         # derived inputs computed from it
    reads: list[str] = field(default_factory=list)           # for a derived input: what it is computed from


@dataclass
class SourceRefs:
    provisions: list[str] = field(default_factory=list)      # articles of this instrument
    baselines: list[str] = field(default_factory=list)       # baselines one of whose values it gives
    claims_made: list[str] = field(default_factory=list)     # claims this source makes
    claims_record: list[str] = field(default_factory=list)   # claims whose record cites it
    plans: list[str] = field(default_factory=list)           # plans whose text it is, or whose assumptions it gives


@dataclass
class RuleRefs:
    """For one rule: the rules that draw what it reads, the rules that read what it draws, who defeats whom."""

    producers: list[str] = field(default_factory=list)
    consumers: list[str] = field(default_factory=list)
    overridden_by: list[str] = field(default_factory=list)


@dataclass
class Index:
    sources: dict[str, SourceRefs]
    provisions: dict[str, Refs]
    baselines: dict[str, Refs]
    parameters: dict[str, Refs]
    rules: dict[str, RuleRefs]
    plans: dict[str, Scenario]
    plan_files: dict[str, str]
    plan_derived: dict[str, list[PlanInput]]  # per plan: the inputs derived from what it writes, by name (in .plan)
    unknown_refs: list[tuple[str, str]]  # (who, id) pointers that resolve to nothing, kept rather than dropped


def _add(items: list, item: Any) -> None:
    if item not in items:
        items.append(item)


def _subjects(rule: Rule) -> list:
    return list(rule.when) + list(rule.unless)


def cross_references(kb: KnowledgeBase, plans: dict[str, tuple[str, LoadedScenario]] | None = None) -> Index:
    """The index of `kb`, with `plans` (id -> (file shown, loaded plan)) for "plans setting this input"."""
    plans = dict(sorted((plans or {}).items()))
    index = Index(sources={sid: SourceRefs() for sid in kb.sources},
                  provisions={pid: Refs() for pid in kb.provisions},
                  baselines={bid: Refs() for bid in kb.baselines},
                  parameters={name: Refs() for name in kb.parameters},
                  rules={rule.id: RuleRefs() for rule in kb.rules},
                  plans={pid: loaded.scenario for pid, (_, loaded) in plans.items()},
                  plan_files={pid: shown for pid, (shown, _) in plans.items()},
                  plan_derived={pid: [] for pid in plans},
                  unknown_refs=[])
    alias = {b.alias: bid for bid, b in kb.baselines.items() if b.alias}

    def fact(ref: str) -> Refs | None:
        return index.provisions.get(ref) or index.baselines.get(ref) or index.baselines.get(alias.get(ref, ""))

    for pid, provision in kb.provisions.items():
        if provision.source in index.sources:
            _add(index.sources[provision.source].provisions, pid)
    for bid, baseline in kb.baselines.items():
        for given in [*baseline.values, *baseline.dated]:
            if given.source in index.sources:
                _add(index.sources[given.source].baselines, bid)
    for cid, claim in kb.claims.items():
        if claim.source in index.sources:
            _add(index.sources[claim.source].claims_made, cid)
        for cite in claim.record_sources:
            if cite.source in index.sources:
                _add(index.sources[cite.source].claims_record, cid)
        for ref in claim.about:
            target = fact(ref) or index.parameters.get(ref)
            if target is None:
                index.unknown_refs.append((cid, ref))
            else:
                _add(target.claims, cid)
    for name, (reads, _compute) in sorted(DERIVATIONS.items()):
        if name not in index.parameters:
            continue
        for ref in reads:
            target = index.parameters.get(ref) or fact(ref)
            if target is not None:
                _add(target.derived, name)
                _add(index.parameters[name].reads, ref)

    producers: dict[str, list[str]] = {}
    for rule in kb.rules:
        producers.setdefault(rule.then.conclusion_id, []).append(rule.id)
    for rule in kb.rules:
        for ref in rule.rests_on:
            target = fact(ref)
            _add(target.rules_resting, rule.id) if target is not None else index.unknown_refs.append((rule.id, ref))
        for ref in rule.context:
            target = fact(ref)
            _add(target.rules_context, rule.id) if target is not None else index.unknown_refs.append((rule.id, ref))
        for condition in _subjects(rule):
            if condition.input is not None and condition.input in index.parameters:
                _add(index.parameters[condition.input].rules_reading, rule.id)
            elif condition.fact is not None and fact(condition.fact) is not None:
                _add(fact(condition.fact).rules_reading, rule.id)
            elif condition.conclusion is not None:
                for cid, drawn_by in producers.items():
                    if reads_conclusion(condition.conclusion, cid):
                        for producer in drawn_by:
                            if producer != rule.id:
                                _add(index.rules[rule.id].producers, producer)
                                _add(index.rules[producer].consumers, rule.id)
        if rule.then.violation is not None and rule.then.violation in index.provisions:
            _add(index.provisions[rule.then.violation].rules_concluding, rule.id)
        for loser in rule.overrides:
            if loser in index.rules:
                _add(index.rules[loser].overridden_by, rule.id)

    for pid, (_, loaded) in plans.items():
        scenario = loaded.scenario
        if scenario.plan in index.sources:
            _add(index.sources[scenario.plan].plans, pid)
        for name, written in scenario.parameters.items():
            if name not in index.parameters:
                continue
            if isinstance(written, dict) and "value" in written:
                entry = PlanInput(pid, written["value"], _text(written.get("point")), _text(written.get("note")))
            else:
                entry = PlanInput(pid, written)
            index.parameters[name].plans.append(entry)
        for name, assumption in scenario.assumptions.items():
            target = fact(name)
            if target is not None:
                target.plans.append(PlanInput(pid, assumption.value, None, assumption.note))
            if assumption.source in index.sources:
                _add(index.sources[assumption.source].plans, pid)
        for name, derived in sorted(loaded.inputs.items()):
            if derived.origin != "derived" or name in scenario.parameters or name not in index.parameters:
                continue
            entry = PlanInput(pid, derived.value, _text(derived.point), None, derived=True)
            index.parameters[name].plans.append(entry)
            index.plan_derived[pid].append(PlanInput(name, derived.value, _text(derived.point), None, derived=True))
    return index


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load_plans(kb: KnowledgeBase, paths: dict[str, Path]) -> tuple[dict[str, tuple[str, LoadedScenario]], list[str]]:
    """The plans of `paths` (id -> file) that load against `kb`, as (file name shown, loaded plan); and the ids of
    those that do not (a site still lists the rest)."""
    plans, failed = {}, []
    for pid, path in sorted(paths.items()):
        try:
            loaded = load_scenario(path, kb)
        except InputError:
            failed.append(pid)
            continue
        plans[loaded.scenario.id] = (Path(path).name, loaded)
    return plans, failed
