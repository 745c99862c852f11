"""Cells: the rules' thresholds cut every input's domain into classes within which each condition's truth is constant.

Every rule compares an input (or a baseline) with a literal, so for one input the literals it is compared with are
the only points where any condition on it can change its truth. A *class* of an input is a maximal set of its values
on which every condition over it (in any rule's `when` or `unless`) has the same truth; a *cell* is one class per
input. Within a cell every rule fires, and every conclusion stands, exactly the same way.

Two views, both exact:

- `Tests`: per input the engine sees (scenario inputs, derived inputs, baselines), the id of the truth vector of the
  conditions on it for a value. The tuple of these ids over every tested input is `cell_key` -- the cell cache's key
  (never the raw values). `unknown` always has its own id: explanations say what an unknown input leaves open.
- `classes`: per *scenario* input (what a plan writes), its domain cut into classes, carrying thresholds on derived
  inputs back to the input they are derived from (a threshold on the troop ceiling is one on the cap's share or
  head count). Each class has closed bounds on the values the scenario can take as written (integers step 1; numbers
  step 0.0001, the precision a scenario keeps), a representative value, and the boundary points with their sides.

Derivations are assumed monotone in the scenario input they derive from (each of `knowledge/derive.py`'s is: a
share times a baseline, rounded); `classes` checks that assumption at both ends of every class and refuses a
derivation that breaks it.
"""
from __future__ import annotations

import json
import math
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Callable

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import describe, is_number, normalise_number, show_value, value_holds
from ppexpert.knowledge.derive import DERIVATIONS, derived_value
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN, Condition, Parameter

NUMBER_STEP = 0.0001  # normalise_number keeps four decimals: the finest difference a scenario can write
UNKNOWN_ID = -1  # the vector id of `unknown`, whatever the conditions say


_PLAIN = frozenset((str, int, float, bool, type(None)))


def _operand_key(condition: Condition) -> tuple | str:
    """Equal for conditions that test the same thing: the operator and the operand with its type (1, 1.0 and true
    apart, as their JSON texts are); lists and mappings by their JSON text."""
    operand = condition.operand
    if operand.__class__ in _PLAIN:
        return (condition.op, operand.__class__.__name__, operand)
    return json.dumps([condition.op, operand], sort_keys=True, default=str)


# ---------------------------------------------------------------- atoms: the distinct input and fact conditions


@dataclass
class Atoms:
    """The distinct conditions on inputs and baselines over all rules (`when` and `unless`), numbered."""

    conditions: list[Condition] = field(default_factory=list)
    index: dict[tuple[str, str, object], int] = field(default_factory=dict)
    by_subject: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, condition: Condition) -> int:
        key = (condition.subject_kind, condition.subject, _operand_key(condition))
        if key not in self.index:
            self.index[key] = len(self.conditions)
            self.conditions.append(condition)
            self.by_subject.setdefault((condition.subject_kind, condition.subject), []).append(self.index[key])
        return self.index[key]

    def of(self, condition: Condition) -> int:
        return self.index[(condition.subject_kind, condition.subject, _operand_key(condition))]


class Tests:
    """The conditions on one engine-visible input or baseline, and the id of their truth vector for any value."""

    def __init__(self, kind: str, name: str, atoms: list[int], conditions: list[Condition]) -> None:
        self.kind, self.name, self.atoms, self.conditions = kind, name, tuple(atoms), tuple(conditions)
        self._vectors: dict[tuple[bool, ...], int] = {}
        self._words: dict[tuple[type, Any], int] = {}
        self.points = sorted({c.operand for c in conditions if is_number(c.operand)} |
                             {v for c in conditions if c.op in ("in", "not_in") for v in c.operand if is_number(v)})
        # elementary classes of the real line: (-inf, p0), {p0}, (p0, p1), ..., {pn}, (pn, inf)
        reps: list[float] = []
        for i, point in enumerate(self.points):
            reps.append(point - 1 if i == 0 else (self.points[i - 1] + point) / 2)
            reps.append(point)
        reps.append(self.points[-1] + 1 if self.points else 0)
        # each elementary class's vector id, computed when a value first falls in it (a knowledge base of thousands of
        # thresholds on one input would otherwise cost the square of their number before its first assessment)
        self._reps = reps
        self._numeric: list[int | None] = [None] * len(reps) if self.points else []

    def vector(self, value: Any) -> tuple[bool, ...]:
        return tuple(value_holds(c, value) for c in self.conditions)

    def _intern(self, vector: tuple[bool, ...]) -> int:
        return self._vectors.setdefault(vector, len(self._vectors))

    def vector_id(self, value: Any) -> int:
        kind = value.__class__
        if kind is str and value == UNKNOWN:
            return UNKNOWN_ID
        if (kind is int or kind is float) and self._numeric:
            i = bisect_left(self.points, value)
            slot = 2 * i + 1 if i < len(self.points) and self.points[i] == value else 2 * i
            found = self._numeric[slot]
            if found is None:
                found = self._numeric[slot] = self._intern(self.vector(self._reps[slot]))
            return found
        if value is None or kind is str or kind is bool or kind is int or kind is float:
            key = (kind, value)
            found = self._words.get(key)
            if found is None:
                found = self._words[key] = self._intern(self.vector(value))
            return found
        return self._intern(self.vector(value))


@dataclass
class Structure:
    """The cell structure of one knowledge base (computed once, kept with it)."""

    atoms: Atoms
    tests: list[Tests]  # sorted by (kind, name)

    def key(self, loaded: LoadedScenario) -> tuple[int, ...]:
        inputs, baselines = loaded.inputs, loaded.baselines
        key = []
        for tests in self.tests:
            source = inputs if tests.kind == "input" else baselines
            value = source.get(tests.name)
            key.append(tests.vector_id(value.value if value is not None else UNKNOWN))
        return tuple(key)

    def truth(self, values: dict[tuple[str, str], Any]) -> list[bool]:
        """The truth of every atom for engine-visible values keyed by (kind, name); a missing one is unknown."""
        return [value_holds(c, values.get((c.subject_kind, c.subject), UNKNOWN)) for c in self.atoms.conditions]


def structure_of(kb: KnowledgeBase) -> Structure:
    found = kb.__dict__.get("_cells")
    if found is None:
        atoms = Atoms()
        for rule in kb.rules:
            for condition in [*rule.when, *rule.unless]:
                if condition.subject_kind != "conclusion":
                    atoms.add(condition)
        tests = [Tests(kind, name, indices, [atoms.conditions[i] for i in indices])
                 for (kind, name), indices in sorted(atoms.by_subject.items())]
        found = kb.__dict__["_cells"] = Structure(atoms, tests)
    return found


def cell_key(loaded: LoadedScenario, kb: KnowledgeBase) -> tuple[int, ...]:
    """The cell of a scenario: the truth-vector id of every tested input and baseline (never their raw values)."""
    return structure_of(kb).key(loaded)


def engine_values(loaded: LoadedScenario) -> dict[tuple[str, str], Any]:
    values = {("input", name): value.value for name, value in loaded.inputs.items()}
    values.update({("fact", name): value.value for name, value in loaded.baselines.items()})
    return values


# ---------------------------------------------------------------- classes of the scenario's own inputs


@dataclass(frozen=True)
class Class:
    """One class of a scenario input: values on which every condition over it (and its derived inputs) agrees."""

    input: str
    index: int
    kind: str  # "values" (words, booleans, null, unknown) | "range" (numbers)
    values: tuple = ()  # for "values"
    field: str | None = None  # for a record input: the key the range is on
    low: float | None = None  # for "range": the least and greatest values the scenario can write, both included
    high: float | None = None
    representative: Any = None  # a value the scenario can take as written
    text: str = ""
    truth: tuple[tuple[int, bool], ...] = ()  # (atom, truth) for every atom on the input and its derived inputs

    def contains(self, value: Any) -> bool:
        if self.kind == "values":
            return any(_same(value, v) for v in self.values)
        if self.field is not None:
            if not isinstance(value, dict) or self.field not in value:
                return False
            value = value[self.field]
        return is_number(value) and self.low <= value <= self.high

    def nearest(self, value: Any) -> Any:
        """The value of this class nearest to `value` (for a range: its nearer end), as a scenario writes it."""
        if self.kind == "values":
            return self.representative
        current = value.get(self.field) if isinstance(value, dict) and self.field else value
        if not is_number(current):
            return self.representative
        point = self.low if abs(current - self.low) <= abs(current - self.high) else self.high
        point = self.high if current > self.high else self.low if current < self.low else current
        return {self.field: point} if self.field else point

    def nearest_end(self, value: Any) -> Any:
        """The end of this range nearest to `value` (a value outside it): the least change that enters it."""
        if self.kind == "values":
            return self.representative
        current = value.get(self.field) if isinstance(value, dict) and self.field else value
        if not is_number(current) or (isinstance(value, dict) and self.field not in value):
            return self.representative
        point = self.high if current > self.high else self.low
        return {self.field: point} if self.field else point


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _derivations_of(kb: KnowledgeBase, name: str) -> list[tuple[str, tuple[str, ...], Callable]]:
    return [(derived, reads, compute) for derived, (reads, compute) in sorted(DERIVATIONS.items())
            if reads and reads[0] == name and derived in kb.parameters and kb.parameters[derived].derived]


def derived_values(kb: KnowledgeBase, loaded: LoadedScenario, name: str, value: Any) -> dict[str, Any]:
    """The derived inputs that `name` = `value` gives, as knowledge/derive.py computes them."""
    result = {}
    for derived, reads, _compute in _derivations_of(kb, name):
        others = [loaded.inputs[r].value if r in loaded.inputs else
                  (loaded.baselines[r].value if r in loaded.baselines else UNKNOWN) for r in reads[1:]]
        result[derived] = derived_value(derived, [value, *others])
    return result


def _truth_for(structure: Structure, kb: KnowledgeBase, loaded: LoadedScenario, name: str,
               value: Any) -> tuple[tuple[int, bool], ...]:
    """(atom, truth) for the atoms on `name` and on the inputs derived from it, when `name` = `value`."""
    found = []
    visible = {name: value, **derived_values(kb, loaded, name, value)}
    for subject, shown in visible.items():
        for index in structure.atoms.by_subject.get(("input", subject), ()):
            found.append((index, value_holds(structure.atoms.conditions[index], shown)))
    return tuple(found)


def _grid(kind: str, low: float | None, high: float | None) -> tuple[float, int, int]:
    step = 1 if kind == "integer" else NUMBER_STEP
    low = 0 if low is None else low
    high = 10 ** 9 if high is None else high
    return step, math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)


def _at(step: float, k: int) -> Any:
    return k if step == 1 else normalise_number(round(k * step, 4))


def _thresholds_for(structure: Structure, kb: KnowledgeBase, name: str) -> list[tuple[str, Condition]]:
    """(engine input, condition) pairs over `name` and its derived inputs whose truth a number can change."""
    subjects = [name] + [d for d, _, _ in _derivations_of(kb, name)]
    return [(s, structure.atoms.conditions[i]) for s in subjects for i in structure.atoms.by_subject.get(("input", s), ())]


def _range_classes(structure: Structure, kb: KnowledgeBase, loaded: LoadedScenario, name: str, kind: str,
                   low: float | None, high: float | None, wrap: Callable[[Any], Any]) -> list[tuple[int, int, tuple]]:
    """Cut the grid of `name`'s values into maximal runs of equal truth; returns (first k, last k, truth)."""
    step, first, last = _grid(kind, low, high)

    def truth(k: int) -> tuple:
        return _truth_for(structure, kb, loaded, name, wrap(_at(step, k)))

    cuts = {first}
    for subject in [name] + [d for d, _, _ in _derivations_of(kb, name)]:
        tests = next((t for t in structure.tests if t.kind == "input" and t.name == subject), None)
        for point in tests.points if tests else ():
            def seen(k: int, subject=subject) -> Any:
                value = wrap(_at(step, k))
                return value if subject == name else derived_values(kb, loaded, name, value)[subject]
            for strict in (False, True):
                _transitions(lambda k, p=point, s=strict: is_number(seen(k)) and (seen(k) > p if s else seen(k) >= p),
                             first, last, cuts)
    runs = []
    for start, end in zip(sorted(cuts), [*sorted(cuts)[1:], last + 1]):
        if start > last:
            continue
        end -= 1
        begin_truth, end_truth = truth(start), truth(end)
        if begin_truth != end_truth:
            raise ValueError(f"a derivation from {name} is not monotone between {_at(step, start)} and "
                             f"{_at(step, end)}: the cells cannot be computed exactly")
        if runs and runs[-1][2] == begin_truth:
            runs[-1] = (runs[-1][0], end, begin_truth)
        else:
            runs.append((start, end, begin_truth))
    return runs


def _transitions(holds: Callable[[int], bool], first: int, last: int, cuts: set[int]) -> None:
    """Add where a monotone predicate over first..last changes (bisection)."""
    a, b = holds(first), holds(last)
    if a == b:
        return
    lo, hi = first, last  # holds(lo) == a, holds(hi) != a
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if holds(mid) == a:
            lo = mid
        else:
            hi = mid
    cuts.add(hi)


def classes(kb: KnowledgeBase, loaded: LoadedScenario, name: str) -> list[Class]:
    """The classes of one scenario input's domain (plus `unknown` only where some rule tests for it).

    They depend on the scenario only through the other values its derivations read (baselines, mostly): kept by
    those (with their types), per knowledge base."""
    reads = tuple((r, *_typed(loaded.inputs[r].value if r in loaded.inputs else
                              loaded.baselines[r].value if r in loaded.baselines else UNKNOWN))
                  for _, others, _ in _derivations_of(kb, name) for r in others[1:])
    memo = kb.__dict__.setdefault("_classes_memo", {})
    key = (name, reads)
    found = memo.get(key)
    if found is None:
        if len(memo) > 4096:
            memo.clear()
        found = memo[key] = tuple(_classes(kb, loaded, name))
    return list(found)


def _typed(value: Any) -> tuple:
    return (value.__class__.__name__, value if value is None or isinstance(value, (str, int, float, bool)) else
            json.dumps(value, sort_keys=True, default=str))


def _classes(kb: KnowledgeBase, loaded: LoadedScenario, name: str) -> list[Class]:
    structure = structure_of(kb)
    parameter: Parameter = kb.parameters[name]
    found: list[Class] = []

    def add(kind: str, **data) -> None:
        found.append(Class(name, len(found), kind, **data))

    def values_class(values: list, truth: tuple) -> None:
        texts = [_word(parameter, v) for v in values]
        add("values", values=tuple(values), representative=values[0], text=" or ".join(texts), truth=truth)

    words: list[tuple[Any, tuple]] = []
    if parameter.type == "choice":
        words = [(w, _truth_for(structure, kb, loaded, name, w)) for w in parameter.choices or []]
    elif parameter.type == "boolean":
        words = [(v, _truth_for(structure, kb, loaded, name, v)) for v in (False, True)]
    grouped: dict[tuple, list] = {}
    for value, truth in words:
        grouped.setdefault(truth, []).append(value)
    for truth, values in grouped.items():
        values_class(values, truth)
    if parameter.type in ("number", "integer"):
        for start, end, truth in _range_classes(structure, kb, loaded, name, parameter.type, parameter.min,
                                                parameter.max, lambda v: v):
            step = 1 if parameter.type == "integer" else NUMBER_STEP
            lo, hi = _at(step, start), _at(step, end)
            add("range", low=lo, high=hi, representative=_nice(lo, hi, step), text=_range_text(lo, hi, parameter),
                truth=truth)
    elif parameter.type == "record":
        for key, spec in sorted((parameter.fields or {}).items()):
            step = 1 if spec.type == "integer" else NUMBER_STEP
            for start, end, truth in _range_classes(structure, kb, loaded, name, spec.type, spec.min, spec.max,
                                                    lambda v, key=key: {key: v}):
                lo, hi = _at(step, start), _at(step, end)
                add("range", field=key, low=lo, high=hi, representative={key: _nice(lo, hi, step)},
                    text=f"{key} {_range_text(lo, hi, spec)}", truth=truth)
    if parameter.nullable:
        values_class([None], _truth_for(structure, kb, loaded, name, None))
    if any(c.op in ("is", "in") and UNKNOWN in (c.operand if c.op == "in" else [c.operand])
           for c in _conditions_on(structure, kb, name)):
        values_class([UNKNOWN], _truth_for(structure, kb, loaded, name, UNKNOWN))
    return found


def _conditions_on(structure: Structure, kb: KnowledgeBase, name: str) -> list[Condition]:
    return [c for _, c in _thresholds_for(structure, kb, name)]


def _word(parameter: Parameter, value: Any) -> str:
    if value is None:
        return f"null ({parameter.null_means})" if parameter.null_means else "null"
    return show_value(value)


def _range_text(lo: Any, hi: Any, spec) -> str:
    unit = spec.unit if spec.unit and spec.unit != "%" else ""
    pct = "%" if spec.unit == "%" else ""

    def shown(v):
        text = f"{v:,}" if isinstance(v, int) else f"{v:,.4f}".rstrip("0").rstrip(".")
        return f"{text}{pct}" + (f" {unit}" if unit else "")
    if lo == hi:
        return f"exactly {shown(lo)}"
    bottom = spec.min if spec.min is not None else None
    top = spec.max if spec.max is not None else None
    if bottom is not None and lo <= bottom and top is not None and hi >= top:
        return "any value"
    if bottom is not None and lo <= bottom:
        return f"at most {shown(hi)}"
    if top is not None and hi >= top:
        return f"at least {shown(lo)}"
    return f"from {shown(lo)} to {shown(hi)}"


def _nice(lo: Any, hi: Any, step: float) -> Any:
    """A round value inside [lo, hi]: the coarsest multiple of a power of ten that fits, nearest the middle."""
    if lo == hi:
        return lo
    middle = (lo + hi) / 2
    for exponent in range(9, -5, -1):
        unit = 10 ** exponent
        for candidate in (round(middle / unit) * unit, math.floor(middle / unit) * unit, math.ceil(middle / unit) * unit):
            if lo <= candidate <= hi:
                value = normalise_number(round(candidate, 4)) if step != 1 else int(candidate)
                if lo <= value <= hi:
                    return value
    return lo


def class_of(kb: KnowledgeBase, loaded: LoadedScenario, name: str, value: Any, found: list[Class] | None = None) -> Class | None:
    for cls in found if found is not None else classes(kb, loaded, name):
        if cls.contains(value):
            return cls
    return None


def boundaries(kb: KnowledgeBase, loaded: LoadedScenario, name: str) -> list[dict]:
    """The ordered boundary points of a number input's classes: where a class ends and the next begins.

    Each point says which side includes it: `{"at": 25, "closed": "above"}` means values of 25 and more are in the
    class above, `{"at": 0, "closed": "below"}` that 0 belongs to the class below and anything above it to the next.
    """
    found = classes(kb, loaded, name)
    ranges = [c for c in found if c.kind == "range"]
    points = []
    for below, above in zip(ranges, ranges[1:]):
        if below.field != above.field:
            continue
        literals = {c.operand for c in _conditions_on(structure_of(kb), kb, name) if is_number(c.operand)}
        if below.high in literals and above.low not in literals:
            points.append({"field": below.field, "at": below.high, "closed": "below"})
        else:
            points.append({"field": below.field, "at": above.low, "closed": "above"})
    return points


def describe_truth(structure: Structure, truth: tuple[tuple[int, bool], ...]) -> list[str]:
    return [describe(structure.atoms.conditions[i]) + ("" if ok else " fails") for i, ok in truth]
