"""The classes of one input's domain: the values between which no rule's test on it (or on what is derived from
it) changes its truth, with the other inputs held at a plan's values.

Every rule compares an input with a literal, so for a number the classes are intervals cut at the thresholds, and
a threshold on a derived value (the cap's head count, its share of the Russian force) is carried back to the input
it is derived from by bisection on the real derivation over the values a scenario can hold (whole numbers, or
numbers to 4 decimals, as the loader normalises them). Derivations are monotone, so each test flips at most once
per threshold and the cut is exact. Words, yes/no, null and unknown are classes of their own.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import is_number, normalise_number, value_holds
from ppexpert.knowledge.derive import DERIVATIONS, with_inputs
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN, Condition

_FINE = Decimal("0.0001")  # numbers are read to 4 decimals (conditions.normalise_number)
_BIG = 10**9  # the bound of an input whose domain has none
_STRICTNESS = {"at_least": (False,), "below": (False,), "above": (True,), "at_most": (True,),
               "is": (False, True), "is_not": (False, True), "in": (False, True), "not_in": (False, True),
               "present": ()}


@dataclass(frozen=True)
class Axis:
    """One input (or a record's field) cut into classes; `breaks` are the values where a class begins."""

    parameter: str
    field: str | None
    kind: str  # number | integer | choice | boolean
    low: Any
    high: Any
    breaks: tuple[Any, ...]  # ascending: each is the least value of the class it opens
    conditions: tuple[Condition, ...]  # the tests this input decides (on itself or on what derives from it)

    def class_of(self, value: Any) -> Any:
        """A key equal for two values exactly when every test in `conditions` agrees on them."""
        if self.kind in ("number", "integer") and is_number(value):
            return bisect.bisect_right(self.breaks, value)
        return (type(value).__name__, value if not isinstance(value, dict) else tuple(sorted(value.items())))

    def intervals(self) -> list[tuple[Any, Any]]:
        """The numeric classes as [start, end) pairs from low to high (the last one closed)."""
        edges = [self.low] + [b for b in self.breaks if self.low < b <= self.high] + [self.high]
        return [(a, b) for a, b in zip(edges, edges[1:]) if a < b] or [(self.low, self.high)]


def reads(name: str) -> set[str]:
    """The input itself and the derived inputs computed from it."""
    return {name} | {derived for derived, (inputs, _) in DERIVATIONS.items() if inputs[0] == name}


def conditions_on(kb: KnowledgeBase, names: set[str]) -> tuple[Condition, ...]:
    """The distinct tests of `when` and `unless` on these inputs, in knowledge-base order."""
    seen: dict[tuple, Condition] = {}
    for rule in kb.rules:
        for condition in rule.when + rule.unless:
            if condition.subject_kind == "input" and condition.subject in names:
                seen.setdefault((condition.subject, condition.op, repr(condition.operand)), condition)
    return tuple(seen.values())


def axis(kb: KnowledgeBase, base: LoadedScenario, parameter: str, field: str | None = None) -> Axis:
    """Cut one input's domain (with the plan's other inputs as they are) into classes."""
    spec = kb.parameters[parameter]
    if field:
        inner = (spec.fields or {})[field]
        kind, low, high = inner.type, inner.min, inner.max
    else:
        kind, low, high = spec.type, spec.min, spec.max
    conditions = conditions_on(kb, reads(parameter))
    if kind not in ("number", "integer"):
        return Axis(parameter, field, kind, None, None, (), conditions)
    low = low if low is not None else -_BIG
    high = high if high is not None else _BIG
    step = Decimal(1) if kind == "integer" else _FINE
    breaks: set[Any] = set()
    for condition in conditions:
        for threshold in _numbers(condition.operand):
            # at_least/below turn at `>= t`, above/at_most at `> t`; equality tests at both
            for strict in _STRICTNESS[condition.op]:
                found = _flip(kb, base, parameter, field, condition.subject, threshold, strict, low, high, step)
                if found is not None:
                    breaks.add(found)
    return Axis(parameter, field, kind, low, high, tuple(sorted(breaks)), conditions)


def _numbers(operand: Any) -> list[Any]:
    items = operand if isinstance(operand, list) else [operand]
    return [item for item in items if is_number(item)]


def _flip(kb, base, parameter, field, subject, threshold, strict, low, high, step) -> Any:
    """The least value of the input from which `subject >= threshold` (or `>`) turns, or None if it never does."""
    def test(value: Any) -> bool:
        derived = value_of(kb, base, parameter, field, value, subject)
        return is_number(derived) and (derived > threshold if strict else derived >= threshold)

    lo, hi = int(Decimal(str(low)) / step), int(Decimal(str(high)) / step)  # grid indices
    at_low = test(_at(lo, step))
    if test(_at(hi, step)) == at_low:
        return None
    while hi - lo > 1:  # invariant: test(lo) == at_low != test(hi)
        middle = (lo + hi) // 2
        if test(_at(middle, step)) == at_low:
            lo = middle
        else:
            hi = middle
    return _at(hi, step)


def _at(index: int, step: Decimal) -> Any:
    value = Decimal(index) * step
    return int(value) if value == value.to_integral_value() else normalise_number(float(value))


def value_of(kb: KnowledgeBase, base: LoadedScenario, parameter: str, field: str | None, value: Any,
             subject: str) -> Any:
    """What `subject` (the input or something derived from it) is when the input is `value`."""
    written = {field: value} if field and value is not None and value != UNKNOWN else value
    if subject == parameter:
        return written
    return with_inputs(base, kb, {parameter: written}).inputs[subject].value


def truth(axis_: Axis, kb: KnowledgeBase, base: LoadedScenario, value: Any) -> tuple[bool, ...]:
    """The truth of every test the input decides, at `value` (what the classes promise to keep constant)."""
    return tuple(value_holds(c, value_of(kb, base, axis_.parameter, axis_.field, value, c.subject))
                 for c in axis_.conditions)
