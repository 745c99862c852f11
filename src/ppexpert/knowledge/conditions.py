"""The meaning of a rule condition, in Python: used for `unless`, why-not and the checker's domain analysis.

The engine evaluates `when` conditions itself (compile.py translates them); this module states the same
semantics once more so explanations can say which test failed and with what value. A property test checks
that both agree.
"""
from __future__ import annotations

from typing import Any

from ppexpert.knowledge.model import STATED_SPECIALS, UNKNOWN, Condition


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalise_number(value: Any) -> Any:
    """The number as the engine can read it: whole numbers as int, others to 4 decimals, never an exponent.

    durable_rules 2.0.28 segfaults on JSON numbers in exponent notation (1e-05, 1e+20: measured here), which
    is how Python writes floats below 1e-4 or from 1e16 up.
    """
    if not is_number(value) or isinstance(value, int):
        return value
    if value != value or value in (float("inf"), float("-inf")):
        return value
    if float(value).is_integer():
        return int(value)
    rounded = round(value, 4)
    if abs(rounded) < 1e-4:
        return 0
    return int(rounded) if rounded.is_integer() else rounded


def value_holds(condition: Condition, value: Any, rank_of=None) -> bool:
    """Whether `value` (a known value, None, or UNKNOWN) satisfies the condition's operator.

    For conclusions `value` is the level (or True for a conclusion without a level) and `rank_of` maps
    levels to their position on the scale. Comparisons never hold for unknown values: the plan
    does not settle them.
    """
    op, operand = condition.op, condition.operand
    if op == "present":
        return value is not None and value is not False
    if op == "is":
        return _same(value, operand)
    if op == "in":
        return any(_same(value, item) for item in operand)
    if value == UNKNOWN and operand != UNKNOWN:
        return False
    if value in STATED_SPECIALS:  # a stated silence (or inapplicability) meets only a test naming a special word
        return op == "is_not" and (operand == UNKNOWN or operand in STATED_SPECIALS) and operand != value
    if op == "is_not":
        return not _same(value, operand) and (value is not None or operand is None)
    if op == "not_in":
        return not any(_same(value, item) for item in operand) and value is not None
    if rank_of is not None and isinstance(operand, str):
        if value is None or value is True:
            return False
        value, operand = rank_of(value), rank_of(operand)
    if not is_number(value) or not is_number(operand):
        return False
    return {
        "at_least": value >= operand,
        "at_most": value <= operand,
        "above": value > operand,
        "below": value < operand,
    }[op]


def _same(value: Any, operand: Any) -> bool:
    # Types matter: 1 is not True, "10" is not 10 (the engine is told the same way, see compile.py).
    if isinstance(value, bool) or isinstance(operand, bool):
        return isinstance(value, bool) and isinstance(operand, bool) and value == operand
    if is_number(value) and is_number(operand):
        return value == operand
    return type(value) is type(operand) and value == operand


def describe(condition: Condition) -> str:
    """A condition in words, e.g. 'territory_ceded_pct is at least 7'."""
    op, operand = condition.op, condition.operand
    if op == "present":
        return f"{condition.subject} holds"
    words = {"is": "is", "is_not": "is not", "in": "is one of", "not_in": "is none of", "at_least": "is at least",
             "at_most": "is at most", "above": "is above", "below": "is below"}[op]
    return f"{condition.subject} {words} {show_value(operand)}"


def show_value(value: Any) -> str:
    if value is None:
        return "none"
    if value in STATED_SPECIALS:
        return value.replace("_", " ")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def with_unit(value: Any, unit: str | None) -> str:
    """A value as a reader sees it, with its unit: 19.2%, 600,000 troops, 100 days; words and yes/no as they are; a
    record such as {'pct_of_current': 40} in words (40 pct of current). The one way every presentation shows a
    figure."""
    if isinstance(value, dict):
        return ", ".join(f"{show_value(v)} {str(k).replace('_', ' ')}" for k, v in value.items())
    text = show_value(value)
    if unit and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{text}%" if unit == "%" else f"{text} {unit}"
    return text
