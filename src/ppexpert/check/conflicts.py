"""Two rules that conclude different levels for one conclusion with no precedence between them."""
from __future__ import annotations

import itertools

from ppexpert.check._common import _p
from ppexpert.knowledge.conditions import is_number
from ppexpert.knowledge.model import Condition, Rule
from ppexpert.knowledge.problems import Problem
from ppexpert.knowledge.rulegraph import reaches


def check_conflicts(kb) -> list[Problem]:
    """Two rules that may both conclude different levels for one risk need precedence between them."""
    problems = []
    overrides: dict[str, dict[str, None]] = {}  # the override edges' graph (its nodes are the edges' ends)
    for rule in kb.rules:
        for other in rule.overrides:
            overrides.setdefault(rule.id, {})[other] = None
            overrides.setdefault(other, {})
    by_conclusion: dict[str, list[Rule]] = {}
    for rule in kb.rules:
        if rule.then.level is not None:
            by_conclusion.setdefault(rule.then.conclusion_id, []).append(rule)
    for conclusion_id, rules in by_conclusion.items():
        for a, b in itertools.combinations(rules, 2):
            if a.then.level == b.then.level or _disjoint(a, b):
                continue
            if a.id in overrides and b.id in overrides and (
                    reaches(overrides, a.id, b.id) or reaches(overrides, b.id, a.id)):
                continue
            problems.append(_p(kb, b, ("then",), f"rules {a.id} ({a.span}) and {b.id} ({b.span}) may both apply and "
                               f"conclude {conclusion_id} = {a.then.level} and = {b.then.level}, with no precedence",
                               f"add `overrides: [{a.id}]` to {b.id} (or the reverse), or make their conditions "
                               "exclusive", "conflict", b.id))
    return problems


def _disjoint(a: Rule, b: Rule) -> bool:
    """True when some input tested by both rules can never satisfy both tests at once."""
    for ca in a.when:
        for cb in b.when:
            if ca.subject_kind != "input" or cb.subject_kind != "input" or ca.subject != cb.subject:
                continue
            if never_both(ca, cb):
                return True
    return False


def never_both(a: Condition, b: Condition) -> bool:
    sa, sb = _as_set(a), _as_set(b)
    if sa is not None and sb is not None:
        return not (sa & sb)
    ia, ib = _as_interval(a), _as_interval(b)
    if ia and ib:
        return _empty(ia, ib)
    if (sa is not None and ib) or (sb is not None and ia):
        words, interval = (sa, ib) if sa is not None else (sb, ia)
        return not any(kind == "n" and _empty((value, True, value, True), interval) is False for kind, value in words)
    return False


def _as_set(c: Condition):
    if c.op == "is":
        return {_key(c.operand)}
    if c.op == "in":
        return {_key(v) for v in c.operand}
    return None


def _key(value):
    return ("n", float(value)) if is_number(value) else (type(value).__name__, value)


def _as_interval(c: Condition):
    """(low, low_closed, high, high_closed) for a numeric comparison."""
    if not is_number(c.operand):
        return None
    inf = float("inf")
    return {"at_least": (c.operand, True, inf, False), "above": (c.operand, False, inf, False),
            "at_most": (-inf, False, c.operand, True), "below": (-inf, False, c.operand, False)}.get(c.op)


def _empty(a: tuple, b: tuple) -> bool:
    """Whether two intervals share no number."""
    low = max(a[0], b[0])
    low_closed = all(i[1] for i in (a, b) if i[0] == low)
    high = min(a[2], b[2])
    high_closed = all(i[3] for i in (a, b) if i[2] == high)
    return low > high or (low == high and not (low_closed and high_closed))
