"""Rules that can never fire: a test no allowed value meets, or a premise no rule can conclude."""
from __future__ import annotations

import itertools
from collections import defaultdict

from ppexpert.check._common import _THRESHOLDS, _domain, _outside, _p, _same_value
from ppexpert.check.conflicts import never_both
from ppexpert.knowledge.conditions import describe, is_number, value_holds
from ppexpert.knowledge.model import Condition, Rule
from ppexpert.knowledge.problems import Problem
from ppexpert.knowledge.rulegraph import reads_conclusion


def check_never_fires(kb) -> list[Problem]:
    """Rules whose conditions no scenario can meet, given the parameters' declared domains and what the
    other rules can conclude (a rule that reads only conclusions of dead rules is dead too)."""
    dead: dict[str, tuple[Condition, str]] = {}
    producers = _Producers(kb.rules)
    changed = True
    while changed:
        changed = False
        for rule in kb.rules:
            if rule.id in dead:
                continue
            found = _why_never(kb, rule, dead, producers)
            if found is not None:
                dead[rule.id] = found
                changed = True
    problems = []
    for rule in kb.rules:
        if rule.id in dead:
            condition, reason = dead[rule.id]
            problems.append(_p(kb, condition, (condition.op if condition.op != "present" else "conclusion",),
                               f"rule {rule.id} can never fire: {reason}",
                               "change the condition, or the parameter's min/max/choices in parameters.yaml, or "
                               "remove the rule", "never-fires", rule.id, value=True))
    return problems


class _Producers(dict):
    """Condition subject -> the rules whose conclusion it reads (computed once per subject)."""

    def __init__(self, rules: list[Rule]):
        super().__init__()
        self.by_id: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            self.by_id[rule.then.conclusion_id].append(rule)

    def __missing__(self, subject: str) -> list[Rule]:
        if not subject.endswith(".*"):
            return self.setdefault(subject, list(self.by_id.get(subject, [])))
        found = [r for cid, rules in self.by_id.items() if reads_conclusion(subject, cid) for r in rules]
        self[subject] = found
        return found


def _why_never(kb, rule: Rule, dead: dict, producers: _Producers) -> tuple[Condition, str] | None:
    for condition in rule.when:
        reason = _impossible(kb, condition, dead, producers)
        if reason:
            return condition, reason
    for a, b in itertools.combinations(rule.when, 2):
        if a.subject_kind == b.subject_kind == "input" and a.subject == b.subject and never_both(a, b):
            return b, f"'{describe(a)}' and '{describe(b)}' cannot both hold"
    return None


def _impossible(kb, condition: Condition, dead: dict, producing: _Producers) -> str | None:
    """Why no scenario can meet this one condition, or None."""
    if condition.subject_kind == "conclusion":
        producers = producing[condition.subject]
        if not producers or kb.scale is None:
            return None  # reported as an unknown reference
        live = [r for r in producers if r.id not in dead]
        if not live:
            return (f"it needs {condition.subject}, which only {', '.join(r.id for r in producers)} "
                    f"conclude{'s' if len(producers) == 1 else ''}, and {'it' if len(producers) == 1 else 'they'} "
                    "can never fire")
        if condition.op == "present":
            return None
        names = kb.scale.names
        levels = {r.then.level for r in live if r.then.level in names}
        operand = condition.operand
        if any(v not in names for v in (operand if isinstance(operand, list) else [operand])):
            return None  # reported as a bad word
        if levels and not any(value_holds(condition, level, kb.scale.rank) for level in levels):
            return (f"'{describe(condition)}' never holds: the rules concluding {condition.subject} give only "
                    f"{', '.join(sorted(levels, key=kb.scale.rank))}")
        return None
    if condition.subject_kind != "input":
        return None
    parameter = kb.parameters.get(condition.subject)
    if parameter is None or parameter.type == "record":
        return None
    op, operand = condition.op, condition.operand
    values = operand if isinstance(operand, list) else [operand]
    if op in ("is", "in"):
        if all(_outside(parameter, v) for v in values):
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
        return None
    if op in ("is_not", "not_in") and parameter.type in ("choice", "boolean"):
        possible = parameter.choices if parameter.type == "choice" else [True, False]
        if all(any(_same_value(p, v) for v in values) for p in possible):
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
        return None
    if op in _THRESHOLDS and is_number(operand) and parameter.type in ("number", "integer"):
        low, high = parameter.min, parameter.max
        never = {"at_least": high is not None and operand > high, "above": high is not None and operand >= high,
                 "at_most": low is not None and operand < low, "below": low is not None and operand <= low}[op]
        if never:
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
    return None
