"""Explanations of an assessment: why (the proof tree), why not (the failed test or the defeat), what if.

Each returns plain data; presenters turn it into text, JSON or HTML.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ppexpert.knowledge.conditions import describe, show_value, value_holds
from ppexpert.knowledge.derive import with_inputs
from ppexpert.knowledge.model import UNKNOWN, Rule
from ppexpert.knowledge.problems import InputError, Problem, Span, suggest
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.reasoning.settle import current_value, not_in_force


def _unknown_conclusion(assessment, conclusion_id: str) -> InputError:
    known = sorted({r.then.conclusion_id for r in assessment.kb.rules})
    return InputError([Problem(Span("<command line>"), (), f"no rule concludes '{conclusion_id}'",
                               _closest_or_all(conclusion_id, known), code="unknown-conclusion")])


def _closest_or_all(name: str, known: list[str]) -> str:
    """'did you mean ...?' when some ids are close, then every id (a reader cannot guess the list)."""
    hint = suggest(name, known)
    return (hint + " " if hint.startswith("did you mean") else "") + "conclusion ids: " + ", ".join(known)


def _concludable(assessment, conclusion_id: str) -> list[Rule]:
    rules = [r for r in assessment.kb.rules if r.then.conclusion_id == conclusion_id]
    if not rules:
        raise _unknown_conclusion(assessment, conclusion_id)
    return rules


# ---------------------------------------------------------------- why


def why(assessment, conclusion_id: str) -> dict:
    """The derivation of a conclusion: rules, the inputs and facts they matched, and the cited provisions."""
    rules = _concludable(assessment, conclusion_id)
    conclusion = assessment.get(conclusion_id)
    if conclusion is None:
        day = assessment.loaded.as_of
        return {"id": conclusion_id, "holds": False,
                "text": f"{conclusion_id} does not hold in this scenario"
                        + (f" as of {day.isoformat()}" if day else ""),
                "why_not": why_not(assessment, conclusion_id), "rules": [r.id for r in rules]}
    tree = _conclusion_tree(assessment, conclusion_id, set())
    tree["as_of"] = assessment.loaded.as_of.isoformat() if assessment.loaded.as_of else None
    return tree


def _conclusion_tree(assessment, conclusion_id: str, seen: set) -> dict:
    conclusion = assessment.get(conclusion_id)
    kb = assessment.kb
    level = f" = {conclusion.level}" if conclusion.level else ""
    node = {"type": "conclusion", "id": conclusion_id, "kind": conclusion.kind, "holds": True, "level": conclusion.level,
            "requirement": conclusion.requirement,
            "text": f"{conclusion_id}{level}: {conclusion.sentence}", "derivations": [],
            "defeated": [dataclasses.asdict(d) for d in assessment.defeats if d.conclusion == conclusion_id],
            "disputed": [dict(d) for d in conclusion.disputed], "caveats": list(conclusion.caveats)}
    if conclusion_id in seen:
        node["derivations"] = []
        node["text"] += " (shown above)"
        return node
    seen = seen | {conclusion_id}
    fired = [f for fs in assessment.support.values() for f in fs if f.conclusion["cid"] == conclusion_id
             and f.conclusion.get("lv") == conclusion.level]
    grounds = {g.rule: g for g in conclusion.grounds}
    if len(grounds) > 1:  # each rule's own sentence follows under it
        node["text"] = f"{conclusion_id}{level}: on {len(grounds)} grounds, each rule's below"
    node["grounds"] = [{"rule": g.rule, "because": g.because, "sources": list(g.sources)} for g in conclusion.grounds]
    for firing in sorted(fired, key=lambda f: f.order):
        rule = kb.rules_by_id[firing.rule]
        premises = []
        for condition, fact in zip(rule.when, firing.premises):
            premises.append(_premise_tree(assessment, condition, fact, seen))
        node["derivations"].append({
            "type": "rule", "rule": rule.id, "title": rule.title, "at": str(rule.span),
            "text": f"rule {rule.id}: {rule.title}", "rationale": rule.rationale, "note": rule.note,
            "because": grounds[rule.id].because if rule.id in grounds else None,
            "premises": premises,
            "rests_on": [c for c in (kb.citation_of(ref) for ref in rule.rests_on) if c],
            "context": [c for c in (kb.citation_of(ref) for ref in rule.context) if c],
            "plan_points": list(rule.plan_points),
            "floor": {"level": rule.floor.level, "reason": rule.floor.reason, "trigger": rule.floor.trigger,
                      "at": rule.floor.at} if rule.floor else None,
            "no_basis": _no_basis(rule, premises),
        })
    return node


def _no_basis(rule, premises: list[dict]) -> str | None:
    """What a rule that cites no legal basis rests on, in words (None when it cites one)."""
    if rule.rests_on:
        return None
    if premises and all(p["type"] == "conclusion" for p in premises):
        return "no legal basis of its own: it follows from the conclusions above"
    if rule.context:
        return "no legal basis of its own: what it cites is context, not a basis"
    return "no legal basis cited"


def _premise_tree(assessment, condition, fact: dict, seen: set) -> dict:
    test = describe(condition)
    if fact["t"] == "c":
        subtree = _conclusion_tree(assessment, fact["cid"], seen)
        subtree["test"] = test
        return subtree
    if fact["t"] == "in":
        value = assessment.loaded.inputs[fact["n"]]
        origin = {"scenario": "set by the scenario", "not-stated": "not stated by the scenario",
                  "derived": f"derived: {value.formula}" if value.formula else "derived"}[value.origin]
        point = f", plan point {value.point}" if value.point else ""
        node = {"type": "input", "name": value.name, "value": value.value, "test": test,
                "text": f"{value.name} = {show_value(value.value)} ({origin}{point}; {value.span})",
                "children": []}
        for read in value.derived_from:
            node["children"].append(_value_node(assessment, read))
        return node
    node = _value_node(assessment, fact["n"])
    node["test"] = test
    return node


def worked_out_from(assessment, name: str) -> list[dict]:
    """The values a derived input is worked out from, as the why-tree shows them under it (inputs and baselines)."""
    return [_value_node(assessment, read) for read in assessment.loaded.inputs[name].derived_from]


def _value_node(assessment, name: str) -> dict:
    loaded, kb = assessment.loaded, assessment.kb
    if name in loaded.inputs:
        value = loaded.inputs[name]
        return {"type": "input", "name": name, "value": value.value, "children": [],
                "text": f"{name} = {show_value(value.value)} (set by the scenario; {value.span})"}
    value = loaded.baselines[name]
    baseline = kb.baselines[name]
    unit = f" {baseline.unit}" if baseline.unit else ""
    citation = kb.citation_of(name)
    text = f"{baseline.title} = {show_value(value.value)}{unit} ({value.holds_for or baseline.holds_for})"
    if value.assumed:
        text += f", assumed by the scenario from {value.source} (knowledge base: {show_value(value.kb_value)}{unit})"
    elif value.disputed:
        others = "; ".join(f"{v.source} says {show_value(v.value)}" for v in baseline.values if v.value != value.value)
        text += f"; sources differ: {others}"
    return {"type": "baseline", "name": name, "value": value.value, "assumed": value.assumed,
            "disputed": value.disputed, "citation": citation, "text": text, "children": []}


# ---------------------------------------------------------------- why not


def why_not(assessment, conclusion_id: str, level: str | None = None) -> dict:
    """For each rule that could conclude it: which test failed and with what value, or what defeated it."""
    rules = _concludable(assessment, conclusion_id)
    current = assessment.get(conclusion_id)
    if level is not None and level not in assessment.kb.scale.names:
        raise InputError([Problem(Span("<command line>"), (), f"unknown level '{level}'",
                                  suggest(level, list(assessment.kb.scale.names)) + "; levels: " +
                                  ", ".join(assessment.kb.scale.names), code="bad-word")])
    holds = current is not None and (level is None or current.level == level)
    day = assessment.loaded.as_of
    result = {"id": conclusion_id, "level": level, "holds": holds, "as_of": day.isoformat() if day else None,
              "current_level": current.level if current else None, "rules": []}
    for rule in rules:
        if level is not None and rule.then.level != level:
            continue
        tests = []
        for condition in rule.when:
            actual = _actual(assessment, condition)
            ok = _condition_holds(assessment, condition, actual)
            tests.append({"test": describe(condition), "holds": ok, "actual": show_value(actual),
                          "unknown": actual == UNKNOWN})
        day = assessment.loaded.as_of
        if day is not None:
            for lapsed in not_in_force(rule.id, assessment.kb, day):
                tests.append({"test": f"legal basis in force on {day.isoformat()}", "holds": False,
                              "actual": lapsed, "unknown": False})
        defeat = next((d for d in assessment.defeats if d.rule == rule.id), None)
        if defeat:
            verdict = defeat.reason
        elif all(t["holds"] for t in tests):
            verdict = f"{rule.id} applies"
        else:
            failed = [t for t in tests if not t["holds"]]
            verdict = f"{rule.id} does not apply: " + "; ".join(
                f"{t['test']} fails (it is {t['actual']})" for t in failed)
        result["rules"].append({"rule": rule.id, "title": rule.title, "at": str(rule.span),
                                "concludes_level": rule.then.level, "tests": tests, "verdict": verdict,
                                "defeated_by": defeat.by if defeat else None})
    return result


def _actual(assessment, condition) -> Any:
    if condition.subject_kind == "conclusion":
        matches = [c for c in assessment.conclusions.values() if reads_conclusion(condition.subject, c.id)]
        if not matches:
            return None
        levels = [c.level for c in matches if c.level]
        return max(levels, key=assessment.kb.scale.rank) if levels else True
    return current_value(condition, assessment.loaded)


def _condition_holds(assessment, condition, actual) -> bool:
    if condition.subject_kind == "conclusion":
        if condition.subject.endswith(".*") and condition.op != "present":
            matches = [c.level for c in assessment.conclusions.values()
                       if reads_conclusion(condition.subject, c.id) and c.level]
            return any(value_holds(condition, lv, assessment.kb.scale.rank) for lv in matches)
        return value_holds(condition, actual, assessment.kb.scale.rank)
    return value_holds(condition, actual)


# ---------------------------------------------------------------- what if


def what_if(assessment, conclusion_id: str, limit: int = 5) -> dict:
    """The smallest change of one scenario input that changes the conclusion (its level, or whether it holds)."""

    _concludable(assessment, conclusion_id)
    kb, loaded = assessment.kb, assessment.loaded
    current = assessment.get(conclusion_id)
    now = current.level or "holds" if current else "does not hold"
    changes = []
    for name, parameter in sorted(kb.parameters.items()):
        if parameter.derived or name not in loaded.inputs or loaded.inputs[name].origin == "derived":
            continue  # an input derived from what the plan states (the share from its regions): change those
        original = loaded.inputs[name]
        best = None
        for candidate, distance in _candidates(kb, parameter, original.value):
            variant = with_inputs(loaded, kb, {name: candidate})
            outcome = assessment.reassess(variant).get(conclusion_id)
            then = (outcome.level or "holds") if outcome else "does not hold"
            if then != now and (best is None or distance < best[1]):
                best = (candidate, distance, then)
        if best:
            changes.append({"input": name, "from": original.value, "to": best[0], "distance": round(best[1], 4),
                            "result": best[2],
                            "text": f"if {name} were {show_value(best[0])} instead of {show_value(original.value)}, "
                                    f"{conclusion_id} would be {best[2]} (now {now})"})
    changes.sort(key=lambda c: (c["distance"], c["input"]))
    return {"id": conclusion_id, "now": now, "changes": changes[:limit]}


def _candidates(kb, parameter, value: Any) -> list[tuple[Any, float]]:
    """Values worth trying for one input, each with its distance from the current value (0..1)."""
    found: list[tuple[Any, float]] = []
    if parameter.type in ("number", "integer"):
        low = parameter.min if parameter.min is not None else 0
        high = parameter.max if parameter.max is not None else max(_thresholds(kb, parameter.id) + [low + 1]) * 2
        points = set()
        for t in _thresholds(kb, parameter.id) + [low, high]:
            step = 1 if parameter.type == "integer" else 0.5
            points.update({t - step, t, t + step})
        for point in sorted(points):
            if low <= point <= high:
                point = int(point) if parameter.type == "integer" or float(point).is_integer() else point
                distance = abs(point - value) / (high - low or 1) if isinstance(value, (int, float)) else 1.0
                found.append((point, distance))
    elif parameter.type == "choice":
        choices = parameter.choices or []
        for index, choice in enumerate(choices):
            distance = abs(index - choices.index(value)) / max(len(choices) - 1, 1) if value in choices else 1.0
            found.append((choice, distance))
    elif parameter.type == "boolean":
        found += [(True, 1.0), (False, 1.0)]
    elif parameter.type == "record":
        for key, spec in (parameter.fields or {}).items():
            low, high = spec.min or 0, spec.max if spec.max is not None else 1_000_000
            steps = 20
            current = value.get(key) if isinstance(value, dict) else None
            for i in range(steps + 1):
                point = low + (high - low) * i / steps
                point = int(point) if spec.type == "integer" or float(point).is_integer() else point
                distance = abs(point - current) / (high - low or 1) if current is not None else 0.5 + i / (2 * steps)
                found.append(({key: point}, distance))
    if parameter.nullable:
        found.append((None, 1.0))
    return [(v, d) for v, d in found if v != value]


def _thresholds(kb, name: str) -> list[float]:
    values = []
    for rule in kb.rules:
        for condition in rule.when + rule.unless:
            if condition.subject == name and isinstance(condition.operand, (int, float)) \
                    and not isinstance(condition.operand, bool):
                values.append(condition.operand)
    return values
