"""Explanations for a reader who does not program: the derivation of a conclusion in words.

`why_for_reader(assessment, conclusion_id)` reshapes the derivation (reasoning.explain.why, or why-not when the
conclusion does not hold) into what the web page's "Why?" panel shows: the rule that holds first and the rules set
aside after it; each test in words with the plan's value (an input by its title, a figure with its unit, a record
in words, a fact by its title, a source by its title); internal ids, snake_case names, file positions and the
`<scenario>` placeholder only under each item's `details`, for researchers. It computes no conclusion: every
verdict is the assessment's.
"""
from __future__ import annotations

import re

from ppexpert.knowledge.model import Condition
from ppexpert.knowledge.words import (  # noqa: F401  (the words of the knowledge base, used here and re-exported)
    condition_words,
    conclusion_words,
    input_words,
    subject_words,
    value_words,
)

def _source(kb, citation: dict | None) -> dict | None:
    """A citation by the source's title; a baseline's figure with its unit, as everywhere else."""
    if not citation:
        return None
    text = citation.get("text")
    baseline = kb.baselines.get(citation.get("ref", ""))
    if baseline is not None:
        text = f"{baseline.title}: {value_words(kb, baseline.id, baseline.value)} ({baseline.holds_for})"
    return {"title": citation.get("title"), "locator": citation.get("locator"), "address": citation.get("address"),
            "text": text}


def premise_in_words(assessment, node: dict, condition: Condition | None) -> dict:
    """One premise of a derivation (an input, a fact, or a conclusion it rests on) for a reader."""
    kb, loaded = assessment.kb, assessment.loaded
    test = condition_words(kb, condition) if condition is not None else None
    if node.get("type") == "conclusion":
        return {"kind": "conclusion", "test": test, "conclusion": _conclusion(assessment, node),
                "details": {"conclusion": node.get("id")}}
    name = node["name"]
    if node["type"] == "input":
        value = loaded.inputs.get(name)
        parameter = kb.parameters.get(name)
        origin = {"scenario": "set by the plan", "not-stated": "not stated by the plan",
                  "derived": "worked out from the values below"}.get(value.origin if value else "", "")
        if value is not None and value.point:
            origin += f", point {value.point}"
        return {"kind": "input", "test": test,
                "text": f"{parameter.title if parameter else name.replace('_', ' ')}: {value_words(kb, name, node['value'])}",
                "origin": origin, "note": value.note if value is not None and value.origin == "scenario" else None,
                "children": [premise_in_words(assessment, child, None) for child in node.get("children", [])],
                "details": {"input": name, "written at": str(value.span) if value is not None else None}}
    baseline = kb.baselines[name]
    used = loaded.baselines.get(name)
    text = f"{baseline.title}: {value_words(kb, name, node['value'])}"
    period = (used.holds_for if used and used.holds_for else baseline.holds_for)
    note = None
    if used is not None and used.assumed:
        source = kb.sources.get(used.source)
        note = (f"the plan assumes this value, from {source.title if source else 'its own source'}; the knowledge "
                f"base's value is {value_words(kb, name, used.kb_value)}")
    elif used is not None and used.disputed:
        others = "; ".join(f"{_title(kb, v.source)} says {value_words(kb, name, v.value)}" for v in baseline.values
                           if v.value != used.value)
        note = f"sources differ: {others}"
    origin = "" if not period else period if period.startswith(("from", "until")) else f"as of {period}"
    return {"kind": "fact", "test": test, "text": text, "origin": origin,
            "note": note, "source": _source(kb, node.get("citation")), "children": [],
            "details": {"baseline": name}}


_RULE_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


def prose(kb, text: str | None) -> str | None:
    """A rule's note or rationale for a reader: another rule named by its id is named by its title."""
    if not text:
        return text
    return _RULE_ID.sub(lambda m: f"“{kb.rules_by_id[m.group(0)].title}”" if m.group(0) in kb.rules_by_id
                        else m.group(0), text)


def _title(kb, source_id: str) -> str:
    source = kb.sources.get(source_id)
    return source.title if source else "another source"


def set_aside_reason(kb, defeat: dict) -> str:
    """Why a rule's conclusion does not stand, in words (a Defeat as JSON: rule, by)."""
    by = defeat.get("by")
    if by in kb.rules_by_id:
        return f"the rule “{kb.rules_by_id[by].title}” takes precedence"
    if by == "unless":
        rule = kb.rules_by_id.get(defeat.get("rule"))
        return "its exception applies" + (f": {rule.unless_reason}" if rule and rule.unless_reason else "")
    if by == "not-in-force":
        return "its legal basis is not in force on the day assessed"
    return "another rule takes precedence"


def set_aside_words(kb, defeat: dict) -> str:
    return "set aside: " + set_aside_reason(kb, defeat)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _conclusion(assessment, node: dict) -> dict:
    kb = assessment.kb
    conclusion = assessment.get(node["id"])
    rules = []
    for derivation in node.get("derivations", []):
        rule = kb.rules_by_id[derivation["rule"]]
        rules.append({
            "role": "holds", "title": rule.title,
            "premises": [premise_in_words(assessment, p, c) for c, p in zip(rule.when, derivation["premises"])],
            "sources": [_source(kb, c) for c in derivation["rests_on"]],
            "context": [_source(kb, c) for c in derivation.get("context", [])],
            "rationale": prose(kb, rule.rationale), "note": prose(kb, rule.note),
            "points": ("Plan points: " + ", ".join(p.split(":", 1)[-1] for p in rule.plan_points))
            if rule.plan_points else None,
            "details": {"rule": rule.id, "written at": derivation["at"]}})
    for defeat in node.get("defeated", []):
        rule = kb.rules_by_id.get(defeat["rule"])
        rules.append({"role": "set aside", "title": rule.title if rule else "another rule",
                      "verdict": _capital(set_aside_reason(kb, defeat)) + (
                          f" (it would have said {defeat['level']})" if defeat.get("level") else ""),
                      "details": {"rule": defeat["rule"], "set aside by": defeat.get("by")}})
    return {"id": node["id"], "holds": True,
            "headline": conclusion_words(kb, node["id"], node.get("level")),
            "sentence": conclusion.sentence if conclusion is not None else None,
            "shown_above": node.get("text", "").endswith("(shown above)"),
            "rules": rules, "details": {"conclusion": node["id"]}}


def why_for_reader(assessment, conclusion_id: str) -> dict:
    """The "Why?" of one conclusion in words (see the module's docstring)."""
    tree = assessment.why(conclusion_id)
    kb = assessment.kb
    if tree.get("holds") is not False:
        return _conclusion(assessment, tree)
    rules = []
    for verdict in tree["why_not"]["rules"]:
        rule = kb.rules_by_id[verdict["rule"]]
        tests = [{"text": condition_words(kb, condition), "holds": test["holds"],
                  "actual": _actual_words(assessment, condition, test)}
                 for condition, test in zip(rule.when, verdict["tests"])]
        tests += [{"text": "its legal basis is in force on the day assessed", "holds": False, "actual": None}
                  for test in verdict["tests"][len(rule.when):]]
        defeated = verdict.get("defeated_by")
        rules.append({"role": "set aside" if defeated else "applies" if all(t["holds"] for t in tests)
                      else "does not apply", "title": rule.title,
                      "verdict": _capital(set_aside_reason(kb, {"by": defeated, "rule": rule.id}))
                      if defeated else None,
                      "tests": tests, "details": {"rule": rule.id, "written at": verdict["at"]}})
    day = tree["why_not"].get("as_of")
    return {"id": conclusion_id, "holds": False, "headline": conclusion_words(kb, conclusion_id),
            "sentence": "This does not follow from the plan" + (f" as of {day}" if day else "") + ".",
            "rules": rules, "details": {"conclusion": conclusion_id}}


def _actual_words(assessment, condition: Condition, test: dict) -> str | None:
    kb, loaded = assessment.kb, assessment.loaded
    if condition.input is not None and condition.input in loaded.inputs:
        return value_words(kb, condition.input, loaded.inputs[condition.input].value)
    if condition.fact is not None:
        baseline = kb.baseline(condition.fact)
        if baseline is not None and baseline.id in loaded.baselines:
            return value_words(kb, baseline.id, loaded.baselines[baseline.id].value)
    if condition.conclusion is not None:
        return "it holds" if test["holds"] else ("it does not hold" if test["actual"] in ("none", "") else
                                                  f"it is {test['actual']}")
    return None
