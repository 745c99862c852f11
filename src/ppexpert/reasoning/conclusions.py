"""Conclusions from the standing firings: one per id, with its sentence, sources, premises, disputed values and
caveats; and the rules that unknown inputs leave open.
"""
from __future__ import annotations

import re
from typing import Any

from ppexpert.engine.durable import Firing
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import describe, show_value, value_holds
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.words import conclusion_words, condition_words, input_words
from ppexpert.reasoning._conclusion_types import Conclusion, Ground, Undetermined
from ppexpert.reasoning.settle import current_value, holds, not_in_force
from ppexpert.reasoning.trace import Trace, premise_node

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)(?::([^{}]*))?\}")


def template_values(loaded: LoadedScenario, kb: KnowledgeBase) -> dict[str, Any]:
    """What a sentence may show: inputs and baselines by name, and what the scenario says of the plan and of each
    input ({<input>.point}, {<input>.note}, {plan.title}, {plan.parties}, {plan.date})."""
    scenario = loaded.scenario
    values: dict[str, Any] = {"plan.title": scenario.title, "plan.parties": _listed(scenario.parties) or "the parties",
                              "plan.date": scenario.date.isoformat() if scenario.date else "the plan's date"}
    for name, value in loaded.inputs.items():
        values[name] = value.value
        values[f"{name}.point"] = _point(value.point)
        values[f"{name}.note"] = value.note or ""
    for name, value in loaded.baselines.items():
        values[name] = value.value
        alias = kb.baselines[name].alias if name in kb.baselines else None
        if alias:
            values[alias] = value.value
    return values


def _point(point: str | None) -> str:
    """'21' -> 'point 21'; '5, 10' -> 'points 5, 10'; none cited -> 'the plan'."""
    if not point:
        return "the plan"
    return ("points " if re.search(r"[,;&-]| and ", point) else "point ") + point


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def placeholders(template: str) -> tuple[str, ...]:
    """The names a sentence template shows ({name} or {name:spec})."""
    return tuple(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(template)))


def render(template: str, values: dict[str, Any], extra: dict | None = None) -> str:
    """Fill `{name}` (or `{name:spec}`) from the scenario's values; numbers get thousands separators."""
    merged = {**values, **(extra or {})}

    def fill(match: re.Match) -> str:
        name, spec = match.group(1), match.group(2)
        if name not in merged:
            return match.group(0)
        value = merged[name]
        if spec:
            try:
                return format(value, spec)
            except (TypeError, ValueError):
                return show_value(value)
        return show_value(value)

    return _PLACEHOLDER.sub(fill, template)


def conclude(loaded: LoadedScenario, kb: KnowledgeBase, standing: dict, trace: Trace) -> dict[str, Conclusion]:
    rules = kb.rules_by_id
    citations = kb.__dict__.setdefault("_citations", {})  # ref -> citation, the same in every assessment
    values = template_values(loaded, kb)
    grouped: dict[str, list[Firing]] = {}
    for fact_id, fs in standing.items():
        grouped.setdefault(fs[0].conclusion["cid"], []).extend(fs)
    result = {}
    reach = {n: (d, trace.descendants(n)) for n, d in sorted(trace.nodes, key=lambda item: item[0])
             if d.get("kind") == "baseline" and (d.get("disputed") or d.get("assumed"))}
    for cid in sorted(grouped):
        fs = sorted(grouped[cid], key=lambda f: f.order)
        levels = sorted({f.conclusion.get("lv") for f in fs if f.conclusion.get("lv")}, key=kb.scale.rank)
        level = levels[-1] if levels else None  # checker forbids unresolved conflicts; keep the gravest if one slips
        fs = [f for f in fs if f.conclusion.get("lv") == level] if level else fs
        rule_ids = tuple(dict.fromkeys(f.rule for f in fs))
        first = rules[rule_ids[0]]
        sources, refs, grounds = [], set(), []
        for rule_id in rule_ids:
            own = _sources_of(rules[rule_id], kb, citations)
            sources += [s for ref, s in own if ref not in refs]
            refs.update(ref for ref, _ in own)
            grounds.append(Ground(rule_id, render(rules[rule_id].because, values, {"level": level}),
                                  tuple(s for _, s in own), rules[rule_id].then.area_id, rules[rule_id].then.label))
        premises = tuple(dict.fromkeys(premise_node(p) for f in fs for p in f.premises))
        result[cid] = Conclusion(
            id=cid, kind=first.then.kind, level=level, area=first.then.area_id, label=first.then.label,
            sentence=grounds[0].because, rules=rule_ids, sources=tuple(sources),
            premises=premises, disputed=_disputed(cid, reach), caveats=_caveats(rule_ids, kb, loaded),
            grounds=tuple(grounds),
            requirement=requirement_parts([rules[r].then for r in rule_ids], kb, values)
            if first.then.kind == "requirement" else None)
    return result


def requirement_parts(thens: list, kb: KnowledgeBase, values: dict[str, Any]) -> dict:
    """A requirement's parts, merged over every ground that concludes it (in the grounds' order): the steps the plan
    needs and how each could be met (each distinct sentence once, joined by '; and '), and every provision that bars
    or conditions it (each once)."""
    def sentences(key: str) -> str:
        return "; and ".join(dict.fromkeys(render(getattr(then, key), values) for then in thens if getattr(then, key)))

    def provisions(key: str) -> list[dict]:
        refs = dict.fromkeys(ref for then in thens for ref in getattr(then, key))
        return [c for c in (kb.citation_of(ref) for ref in refs) if c]

    return {"step": sentences("step"), "met_by": sentences("met_by"),
            "barred_by": provisions("barred_by"), "conditioned_by": provisions("conditioned_by")}


def _sources_of(rule, kb: KnowledgeBase, citations: dict) -> tuple[tuple[str, dict], ...]:
    """(ref, citation with its role) for each of the rule's citations that resolves, in the rule's order; the same in
    every assessment, so kept with the knowledge base (read only: the document copies what it shows)."""
    known = kb.__dict__.setdefault("_rule_sources", {})
    if rule.id in known:
        return known[rule.id]
    found, seen = [], set()
    for ref, role in cited_by(rule):
        if ref in seen:
            continue
        seen.add(ref)
        citation = citations[ref] if ref in citations else citations.setdefault(ref, kb.citation_of(ref))
        if citation:
            found.append((ref, {**citation, "role": role}))
    known[rule.id] = tuple(found)
    return known[rule.id]


def cited_by(rule) -> list[tuple[str, str]]:
    """Each citation of a rule with its role: 'basis' (what the conclusion rests on) or 'context'."""
    return [(ref, "basis") for ref in rule.rests_on] + [(ref, "context") for ref in rule.context]


def _caveats(rule_ids: tuple[str, ...], kb: KnowledgeBase, loaded: LoadedScenario) -> tuple[str, ...]:
    """An `unless` that fails only because its inputs are unknown: the conclusion stands, but only so far."""
    found = []
    for rule_id in rule_ids:
        rule = kb.rules_by_id[rule_id]
        inputs = [c for c in rule.unless if c.subject_kind == "input"]
        if not inputs or len(inputs) != len(rule.unless):
            continue
        open_inputs = [c.subject for c in inputs if current_value(c, loaded) == UNKNOWN]
        if open_inputs and all(value_holds(c, current_value(c, loaded)) for c in inputs if c.subject not in open_inputs):
            reason = rule.unless_reason or "; ".join(condition_words(kb, c) for c in rule.unless)
            titles = ", ".join(input_words(kb, name, UNKNOWN)[0] for name in dict.fromkeys(open_inputs))
            found.append(f"stands unless {reason} ({titles}: not stated by the plan)")
    return tuple(dict.fromkeys(found))


def _disputed(cid: str, reach: dict[str, tuple[dict, set]]) -> tuple[dict, ...]:
    found = []
    for data, descendants in reach.values():
        if cid in descendants:
            found.append({"baseline": data["name"], "value": data["value"], "kb_value": data["kb_value"],
                          "assumed": data["assumed"], "source": data["source"]})
    return tuple(found)


def _mid_sentence(text: str) -> str:
    """'What the United States commits ...' inside a sentence: 'what the United States ...' ('U.S. ...' kept)."""
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


def undetermined(loaded: LoadedScenario, kb: KnowledgeBase, standing: dict,
                  conclusions: dict[str, Conclusion]) -> list[Undetermined]:
    """Rules that failed only on unknown inputs: what they would conclude, and what it would take."""
    result = []
    fired = {f.rule for fs in standing.values() for f in fs}
    unknown_inputs = {name for name, value in loaded.inputs.items() if value.value == UNKNOWN}
    for rule in kb.rules:
        if rule.id in fired or not any(c.subject_kind == "input" and c.subject in unknown_inputs for c in rule.when):
            continue  # only a rule that tests an unknown input can be left open by it
        if loaded.as_of is not None and not_in_force(rule.id, kb, loaded.as_of):
            continue  # its legal basis does not apply on the day: no value of the inputs would make it conclude
        failing = [c for c in rule.when if not holds(c, loaded, standing, kb)]
        if not failing or not all(c.subject_kind == "input" and current_value(c, loaded) == UNKNOWN for c in failing):
            continue
        existing = conclusions.get(rule.then.conclusion_id)
        if existing and existing.level == rule.then.level:
            continue
        unknown = tuple(dict.fromkeys(c.subject for c in failing))
        level = f" = {rule.then.level}" if rule.then.level else ""
        needs = tuple(describe(c) for c in failing)
        words = (f"“{rule.title}” would conclude {conclusion_words(kb, rule.then.conclusion_id, rule.then.level)} "
                 f"if {' and '.join(_mid_sentence(condition_words(kb, c)) for c in failing)} (the plan does not say)")
        result.append(Undetermined(rule.id, rule.then.conclusion_id, rule.then.level, unknown, needs,
                                   f"would conclude {rule.then.conclusion_id}{level} if {' and '.join(needs)} "
                                   f"({', '.join(unknown)} unknown in this scenario)", words))
    return result
