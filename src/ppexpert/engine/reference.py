"""A second opinion on the engine: a small pure-Python forward chainer over the same compiled ruleset dicts.

durable_rules stays the engine of record (`durable.py`); this one never serves users. It exists to check the
first (tests/test_reference_engine.py runs every YAML case and thousands of generated scenarios through both
and compares the firings and conclusions) and to show how fast matching itself is (benchmarks/bench_assess.py
prints it beside durable_rules: the floor to aim at).

Semantics copied from durable_rules 2.0.28, each measured there:
- a rule fires once for every combination of distinct facts, one per pattern, each matching its pattern
  (the same fact never fills two patterns of one rule);
- a field test (`{f: v}`, `$neq`, `$gt`, `$gte`, `$lt`, `$lte`) fails when the fact has no field `f`
  (`$neq` included); `$ex`/`$nex` test presence; `$and`/`$or` combine;
- an action asserts its conclusion once; a conclusion already asserted is recorded as a firing that is not new.
The order of firings is this engine's own (facts in arrival order); callers compare firings as sets.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

from ppexpert.engine.compile import SINK_RULE, START_RULE, CompiledRuleset, encode_conclusion
from ppexpert.engine.durable import Firing

Test = Callable[[dict], bool]

_COMPARISONS = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
                "$neq": operator.ne}


def compile_pattern(pattern: dict) -> Test:
    """One durable_rules pattern as a Python predicate over a fact."""
    tests = [_test(key, value) for key, value in pattern.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda fact: all(test(fact) for test in tests)


def _test(key: str, value: Any) -> Test:
    if key == "$and":
        parts = [compile_pattern(p) for p in value]
        return lambda fact: all(part(fact) for part in parts)
    if key == "$or":
        parts = [compile_pattern(p) for p in value]
        return lambda fact: any(part(fact) for part in parts)
    if key == "$ex":
        (name,) = value
        return lambda fact: name in fact
    if key == "$nex":
        (name,) = value
        return lambda fact: name not in fact
    if key in _COMPARISONS:
        compare = _COMPARISONS[key]
        ((name, operand),) = value.items()
        return lambda fact: name in fact and compare(fact[name], operand)
    if key.startswith("$"):
        raise ValueError(f"the reference engine does not know the operator {key}")
    return lambda fact: key in fact and fact[key] == value


class _Rule:
    __slots__ = ("id", "tests", "conclusion")

    def __init__(self, rule_id: str, definition: dict, conclusion: dict):
        self.id = rule_id
        self.tests = [compile_pattern(next(iter(p.values()))) for p in definition["all"]]
        self.conclusion = conclusion


def _keys(fact: dict) -> tuple:
    """The index keys a fact can be found under (see `_key_of`)."""
    if fact.get("t") == "c":
        return ("*",), ("c", fact.get("cid")), ("k", fact.get("k"))
    return ("*",), (fact.get("t"), fact.get("n"))


def _key_of(pattern: dict) -> tuple:
    """Where to look for a pattern's facts: compiled patterns start with their fact's type and name (or conclusion
    id, or kind); anything else is tried against every fact."""
    parts = pattern.get("$and", [])
    if len(pattern) == 1 and len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1 and "t" in parts[0]:
        ((field, value),) = parts[1].items()
        kind = parts[0]["t"]
        if kind == "c" and field in ("cid", "k"):
            return ("c" if field == "cid" else "k", value)
        if kind != "c" and field == "n":
            return (kind, value)
    return ("*",)


class _Prepared:
    """A compiled ruleset's patterns as predicates, indexed by the fact type and name each one needs."""

    def __init__(self, ruleset: CompiledRuleset):
        self.rules = [_Rule(rule_id, definition, encode_conclusion(ruleset.conclusions[rule_id]))
                      for rule_id, definition in ruleset.definition.items() if rule_id not in (SINK_RULE, START_RULE)]
        self.index: dict[tuple, list[tuple[int, int]]] = {}  # key -> (rule position, pattern position)
        for position, (rule_id, rule) in enumerate((r.id, r) for r in self.rules):
            for slot, pattern in enumerate(ruleset.definition[rule_id]["all"]):
                self.index.setdefault(_key_of(next(iter(pattern.values()))), []).append((position, slot))


class ReferenceEngine:
    """Runs compiled rulesets in pure Python; same interface as `durable.Engine.run`."""

    def __init__(self) -> None:
        self._prepared: dict[str, _Prepared] = {}

    def run(self, ruleset: CompiledRuleset, facts: list[dict]) -> list[Firing]:
        """Assert `facts` and chain to the end; every combination of facts is joined once, when its newest
        fact arrives."""
        prepared = self._prepared.get(ruleset.name)
        if prepared is None:
            prepared = self._prepared[ruleset.name] = _Prepared(ruleset)
        rules, index = prepared.rules, prepared.index
        matches: dict[int, list[list[dict]]] = {}  # rule position -> pattern position -> matched facts
        firings: list[Firing] = []
        asserted: set[str] = set()
        agenda = list(facts)
        for fact in agenda:  # the agenda grows as conclusions are asserted
            hits: dict[int, list[int]] = {}
            for key in _keys(fact):
                for position, slot in index.get(key, ()):
                    if rules[position].tests[slot](fact):
                        hits.setdefault(position, []).append(slot)
            for position in sorted(hits):
                rule = rules[position]
                matched = matches.get(position)
                if matched is None:
                    matched = matches[position] = [[] for _ in rule.tests]
                slots = sorted(hits[position])
                for slot in slots:  # this fact at this pattern, the others from facts that came before it
                    for combination in _combinations(matched, slot, fact):
                        conclusion = rule.conclusion
                        new = conclusion["id"] not in asserted
                        firings.append(Firing(len(firings), rule.id, combination, dict(conclusion), new))
                        if new:
                            asserted.add(conclusion["id"])
                            agenda.append(dict(conclusion))
                for slot in slots:
                    matched[slot].append(fact)
        return firings


def _combinations(matched: list[list[dict]], index: int, fact: dict) -> list[tuple[dict, ...]]:
    partial: list[tuple[dict, ...]] = [()]
    for position, candidates in enumerate(matched):
        if position == index:
            partial = [done + (fact,) for done in partial]
        else:  # distinct facts: one fact never fills two patterns (durable_rules does the same)
            partial = [done + (other,) for done in partial for other in candidates
                       if all(other is not taken for taken in done)]
        if not partial:
            return []
    return partial
