"""Comparison of two or more assessments (one knowledge base, scenarios in the order given).

compare() returns plain data that the report templates render as they are:

- ``scenarios``: id, title and anchor of each scenario, in order;
- ``conclusions``: one row per conclusion that holds in any scenario, with its level (or that it holds, or
  not) in each, and whether all agree;
- ``inputs``: one row per scenario input, with its value in each;
- ``steps``: for each consecutive pair (first to second, second to third, ...), the conclusions that appear,
  disappear or change level, and those that hold at the same level with other values (a derived line such
  as the post-plan limit), each with the reason from both traces: where it holds, the sentence, the rules
  and the inputs and facts they matched; where it does not (or holds at another level), the verdict of each
  rule that could conclude it (the failing test with its actual value, or what defeated it).
"""
from __future__ import annotations

from typing import Sequence

from ppexpert.present.readable import conclusion_words, input_words

_KIND_ORDER = {"risk": 0, "violation": 1, "requirement": 2, "commitment": 3, "consequence": 4, "finding": 5}


def compare(assessments: Sequence) -> dict:
    """Side-by-side rows and step-by-step changes for assessments that share one knowledge base."""
    if len(assessments) < 2:
        raise ValueError("a comparison needs at least two assessments")
    kb = assessments[0].kb
    rule_order = {rule.id: index for index, rule in enumerate(kb.rules)}
    ids = {cid for a in assessments for cid in a.conclusions}

    def order(cid: str) -> tuple:
        holding = next(a.get(cid) for a in assessments if a.get(cid))
        overall = cid == "risk.overall"
        return (not overall, _KIND_ORDER.get(holding.kind, 9), _area_rank(kb, holding.area),
                rule_order.get(holding.rule, 0), cid)

    ordered = sorted(ids, key=order)
    return {
        "scenarios": [{"id": a.scenario.id, "title": a.scenario.title, "anchor": f"s{i + 1}"}
                      for i, a in enumerate(assessments)],
        "conclusions": [_row(assessments, cid) for cid in ordered],
        "inputs": _inputs(assessments),
        "steps": [_anchored(_step(before, after, ordered), index)
                  for index, (before, after) in enumerate(zip(assessments, assessments[1:]))],
    }


def _anchored(step: dict, index: int) -> dict:
    """Each change points to the conclusion's place in a report (scenario n's anchor is s<n>): in the later
    scenario where it holds there, else in the earlier one."""
    for kind in ("appeared", "disappeared", "changed", "restated"):
        for change in step[kind]:
            side = index + 1 if change["direction"] == "disappears" else index + 2
            change["anchor"] = f"s{side}-{change['id']}"
    return step


def _area_rank(kb, area: str | None) -> int:
    names = list(kb.areas)
    return names.index(area) if area in names else len(names)


def _shown(assessment, cid: str) -> str:
    if cid in assessment.possible:  # left open by the scenario's unknown inputs: never "does not hold"
        return "open"
    conclusion = assessment.get(cid)
    if conclusion is None:
        return "does not hold"
    return conclusion.level or "holds"


def _row(assessments: Sequence, cid: str) -> dict:
    holding = next(a.get(cid) for a in assessments if a.get(cid))
    cells = [{"scenario": a.scenario.id, "holds": a.get(cid) is not None and cid not in a.possible,
              "open": cid in a.possible,
              "possible_levels": list(a.possible[cid].outcomes) if cid in a.possible else [],
              "level": a.get(cid).level if a.get(cid) and cid not in a.possible else None,
              "shown": _shown(a, cid)}
             for a in assessments]
    return {"id": cid, "heading": conclusion_words(assessments[0].kb, cid), "kind": holding.kind,
            "area": holding.area, "label": holding.label, "cells": cells,
            "same": len({c["shown"] for c in cells}) == 1}


def _inputs(assessments: Sequence) -> list[dict]:
    names = sorted({name for a in assessments for name in a.loaded.inputs})
    rows = []
    for name in names:
        cells = []
        for a in assessments:
            value = a.loaded.inputs.get(name)
            cells.append({"scenario": a.scenario.id, "value": value.value if value else None,
                          "shown": input_words(a.kb, name, value.value)[1] if value else "open (not stated)",
                          "origin": value.origin if value else None, "point": value.point if value else None})
        rows.append({"name": name, "title": input_words(assessments[0].kb, name, None)[0],
                     "derived": any(c["origin"] == "derived" for c in cells), "cells": cells,
                     "same": len({c["shown"] for c in cells}) == 1})
    return rows


def _step(before, after, ordered: list[str]) -> dict:
    rank = before.kb.scale.rank
    appeared, disappeared, changed, restated, unchanged = [], [], [], [], 0
    for cid in ordered:
        old, new = before.get(cid), after.get(cid)
        if old is None and new is None:
            continue
        if old is not None and new is not None and old.level == new.level and old.sentence == new.sentence:
            unchanged += 1
            continue
        subject = new or old
        change = {"id": cid, "heading": conclusion_words(before.kb, cid), "kind": subject.kind, "area": subject.area, "label": subject.label,
                  "from": _shown(before, cid), "to": _shown(after, cid), "from_level": old.level if old else None,
                  "to_level": new.level if new else None}
        if old is None:
            change["direction"] = "appears"
            change["text"] = f"{cid} appears" + (f" at {new.level}" if new.level else "")
            appeared.append(change)
        elif new is None:
            change["direction"] = "disappears"
            change["text"] = f"{cid} no longer holds" + (f" (was {old.level})" if old.level else "")
            disappeared.append(change)
        elif old.level == new.level:
            change["direction"] = "restated"
            change["text"] = f"{cid} holds in both" + (f" at {new.level}" if new.level else "") + \
                ", with other values"
            restated.append(change)
        else:
            change["direction"] = "raised" if rank(new.level) > rank(old.level) else "lowered"
            change["text"] = f"{cid} {change['direction']} from {old.level} to {new.level}"
            changed.append(change)
        change["before"] = _reason(before, cid, other=new)
        change["after"] = _reason(after, cid, other=old)
    inputs = [{"name": name, "title": input_words(before.kb, name, None)[0], "from": _input_shown(before, name),
               "to": _input_shown(after, name),
               "derived": (after.loaded.inputs.get(name) or before.loaded.inputs[name]).origin == "derived"}
              for name in sorted(set(before.loaded.inputs) | set(after.loaded.inputs))
              if _input_shown(before, name) != _input_shown(after, name)]
    return {"from": before.scenario.id, "to": after.scenario.id, "from_title": before.scenario.title,
            "to_title": after.scenario.title, "appeared": appeared, "disappeared": disappeared, "changed": changed,
            "restated": restated, "unchanged": unchanged, "inputs_changed": inputs}


def _input_shown(assessment, name: str) -> str:
    value = assessment.loaded.inputs.get(name)
    return input_words(assessment.kb, name, value.value)[1] if value else "open (not stated)"


def _reason(assessment, cid: str, other) -> dict:
    """Why `cid` stands as it does in this assessment, from its trace.

    `other` is the conclusion in the scenario compared with (or None); where this one differs from it, the
    verdicts say why the other's level (or its holding at all) does not follow here.
    """
    conclusion = assessment.get(cid)
    result = {"scenario": assessment.scenario.id, "holds": conclusion is not None,
              "level": conclusion.level if conclusion else None, "shown": _shown(assessment, cid),
              "sentence": None, "rules": [], "matched": [], "verdicts_title": None, "verdicts": []}
    if conclusion is not None:
        tree = assessment.why(cid)
        result["sentence"] = conclusion.sentence
        result["rules"] = list(conclusion.rules)
        result["matched"] = [{"rule": d["rule"], "test": p.get("test"), "text": p["text"]}
                             for d in tree["derivations"] for p in d["premises"]]
    if other is not None:
        level = other.level
        if conclusion is None or conclusion.level != level:
            result["verdicts_title"] = f"why not {level} here" if level else "why it does not hold here"
            result["verdicts"] = [{"rule": r["rule"], "text": r["verdict"]}
                                  for r in assessment.why_not(cid, level)["rules"]]
    return result
