"""The assessment as one JSON document: the single result every presentation reads.

Deterministic: lists are sorted by id or by the knowledge base's order, and nothing depends on the clock.
"""
from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from ppexpert._version import __version__
from ppexpert.knowledge.conditions import show_value

SCHEMA_VERSION = 1


def _plain(value: Any) -> Any:
    """A copy as JSON data (dates as ISO text, tuples as lists). Applied only where such values can occur: the
    rest of the document is built from fresh lists, dicts and text, and a firing's premises are engine facts,
    which are JSON by construction; copying the whole document cost more than the assessment itself."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: v if type(v) in _SCALARS else _plain(v) for k, v in value.items()}
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_SCALARS = frozenset((str, int, float, bool, type(None)))


def possible_json(possible) -> dict:
    """An undetermined conclusion: each outcome it can have, and the classes of the unknown inputs each needs."""
    return {"undetermined": True,
            "possible_levels": list(possible.outcomes),
            # one entry per alternative: the level follows when the unknown inputs fall in every class it names
            # (several entries for one level are alternatives, exact together)
            "decided_by": [{"level": outcome,
                            "needs": [{"input": name, "one_of": list(texts)} for name, texts in needs]}
                           for outcome, alternatives in possible.decided_by.items() for needs in alternatives],
            "unknown_inputs": list(possible.inputs),
            "bounded": possible.bounded}


def ground_json(ground) -> dict:
    """One standing rule's reason for a conclusion: its sentence and its own citations."""
    return {"rule": ground.rule, "because": ground.because, "sources": [_plain(s) for s in ground.sources],
            "area": ground.area, "label": ground.label}


def conclusion_json(assessment, conclusion) -> dict:
    possible = assessment.possible.get(conclusion.id)
    return {
        "id": conclusion.id,
        "kind": conclusion.kind,
        "area": conclusion.area,
        "level": None if possible else conclusion.level,
        **(possible_json(possible) if possible else {"undetermined": False}),
        "label": conclusion.label,
        "rule": conclusion.rule,
        "rules": list(conclusion.rules),
        "because": conclusion.sentence,
        "sources": [_plain(s) for s in conclusion.sources],
        "grounds": [ground_json(g) for g in conclusion.grounds],
        "premises": list(conclusion.premises),
        "disputed": [_plain(d) for d in conclusion.disputed],
        "rests_on_disputed_value": bool(conclusion.disputed),
        "caveats": list(conclusion.caveats),
        **({"requirement": conclusion.requirement} if conclusion.requirement is not None else {}),
    }


def assessment_json(assessment) -> dict:
    kb, loaded = assessment.kb, assessment.loaded
    scenario = loaded.scenario
    order = {rule.id: index for index, rule in enumerate(kb.rules)}

    def ordered(items):
        return sorted(items, key=lambda c: (order.get(c.rule, 0), c.id))

    conclusions = {kind: [conclusion_json(assessment, c) for c in ordered(assessment.by_kind(kind))]
                   for kind in ("violation", "requirement", "commitment", "consequence", "finding")}
    risks = [conclusion_json(assessment, c) for c in sorted(assessment.risks, key=lambda c: c.id)]
    overall = assessment.overall
    areas = []
    # a line on an area's card for each ground drawn in that area: a conclusion several rules reach shows each
    lines_of: dict[str, list] = {}
    for c in assessment.conclusions.values():
        if c.kind != "risk":
            for g in c.grounds:
                lines_of.setdefault(g.area, []).append(((order.get(g.rule, 0), c.id), {
                    "id": c.id, "kind": c.kind, "label": g.label, "text": g.because, "rule": g.rule}))
    rated = {rule.then.conclusion_id for rule in kb.rules if rule.then.kind == "risk"}
    for area in kb.areas.values():
        if area.id == "overall":
            continue
        risk = assessment.get(f"risk.{area.id}")
        lines = [line for _, line in sorted(lines_of.get(area.id, ()), key=lambda item: item[0])]
        open_questions = [u.words for u in sorted(
            (u for u in assessment.undetermined if u.conclusion == f"risk.{area.id}"),
            key=lambda u: (kb.scale.rank(u.level) if u.level else -1, u.rule))]
        possible = assessment.possible.get(f"risk.{area.id}")
        areas.append({"id": area.id, "title": area.title, "question": area.question, "dial": area.dial,
                      "level": risk.level if risk and not possible else None,
                      "undetermined": possible is not None,
                      "possible_levels": list(possible.outcomes) if possible else [],
                      "because": risk.sentence if risk else None,
                      "grounds": [{"rule": g.rule, "because": g.because} for g in risk.grounds] if risk else [],
                      "rated": f"risk.{area.id}" in rated, "open": open_questions, "lines": lines})
    document = {
        "ppexpert": __version__,
        "schema_version": SCHEMA_VERSION,
        "knowledge_version": kb.version,
        "scenario": {"id": scenario.id, "title": scenario.title, "description": scenario.description,
                     "plan": scenario.plan, "date": _plain(scenario.date), "file": loaded.file,
                     "content_hash": loaded.content_hash},
        "as_of": _plain(loaded.as_of),
        "scale": list(kb.scale.names),
        "overall": conclusion_json(assessment, overall) if overall else None,
        "areas": areas,
        "risks": risks,
        "violations": conclusions["violation"],
        "requirements": conclusions["requirement"],
        "commitments": conclusions["commitment"],
        "consequences": conclusions["consequence"],
        "findings": conclusions["finding"],
        "defeated": [{"rule": d.rule, "conclusion": d.conclusion, "level": d.level, "by": d.by, "reason": d.reason}
                     for d in sorted(assessment.defeats, key=lambda d: (d.conclusion, d.rule))],
        "undetermined": [{"rule": u.rule, "conclusion": u.conclusion, "level": u.level, "unknown": list(u.unknown),
                          "needs": list(u.needs), "sentence": u.sentence, "words": u.words}
                         for u in sorted(assessment.undetermined, key=lambda u: (u.conclusion, u.rule))],
        "inputs": [{"name": v.name, "value": _plain(v.value), "shown": show_value(v.value), "origin": v.origin,
                    "point": v.point, "note": v.note, "derived_from": list(v.derived_from), "formula": v.formula,
                    "at": str(v.span)}
                   for v in sorted(loaded.inputs.values(), key=lambda v: v.name)],
        "assumptions": [{"baseline": b.id, "value": _plain(b.value), "kb_value": _plain(b.kb_value), "source": b.source,
                         "note": b.note} for b in sorted(loaded.baselines.values(), key=lambda b: b.id) if b.assumed],
        "firings": [{"order": f.order, "rule": f.rule, "concludes": f.conclusion["cid"], "level": f.conclusion.get("lv"),
                     "matched": [_premise(p) for p in f.premises],
                     "standing": assessment.standing(f)}
                    for f in assessment.firings],
    }
    return document


def _premise(fact: dict) -> dict:
    if fact["t"] == "c":
        return {"conclusion": fact["cid"], "level": fact.get("lv")}
    value = fact.get("num", fact.get("word", fact.get("flag")))
    if fact["s"] != "known":
        value = None if fact["s"] == "none" else fact["s"]  # unknown, not_addressed or not_applicable
    return {("input" if fact["t"] == "in" else "fact"): fact["n"], "value": value}


def dumps(document: dict, compact: bool = False) -> str:
    """Stable text: byte-identical for identical inputs. Compact (no indentation, no spaces) for the web API: the
    same data, written by json's C encoder in a third of the time."""
    if compact:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
