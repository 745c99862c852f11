"""Compile rules into durable_rules ruleset definitions: pure data, golden-testable without an engine.

Fact shapes (the engine sees nothing else):
  value facts       {"t": "in"|"fact", "n": name, "s": "known"|"none"|"unknown"|"not_addressed"|"not_applicable",
                     "num"|"word"|"flag": value}
  conclusion facts  {"t": "c", "cid": "risk.sovereignty", "k": "risk", "lv": "high", "rank": 2}

Numbers, words and booleans sit in separate fields so that the engine's loose comparisons ("9" > 10,
1 == True) can never mix them. Rules never compare two facts' fields with each other (relational joins
crash durable_rules 2.0.28), only fields with literals.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ppexpert.knowledge.conditions import is_number, normalise_number
from ppexpert.knowledge.model import STATED_SPECIALS, UNKNOWN, Condition, Rule, Scale

SINK_RULE = "__sink__"
START_RULE = "__start__"
START_FACT = {"id": "start", "t": "__start__"}

# durable_rules 2.0.28 limits (ENGINE-NOTES.md); exceeding them hangs or crashes the engine.
MAX_RULES = 4096
MAX_CONDITIONS = 32
MAX_IDENTICAL_PATTERNS = 256
MAX_FACT_PROPERTIES = 255


@dataclass(frozen=True)
class CompiledRuleset:
    name: str  # content hash: durable_rules cannot re-register a name
    definition: dict  # rule id -> {"all": [...]} (actions are attached by the engine adapter)
    conclusions: dict  # rule id -> the conclusion fact its action asserts (without ids)


class LimitError(ValueError):
    """The rules exceed a durable_rules limit; the message says which and what to do."""


def encode_value(kind: str, name: str, value: Any) -> dict:
    """The engine fact for an input ('in') or a baseline ('fact')."""
    fact = {"id": f"{kind}:{name}", "t": kind, "n": name}
    if value == UNKNOWN or value in STATED_SPECIALS:
        fact["s"] = value
    elif value is None:
        fact["s"] = "none"
    else:
        fact["s"] = "known"
        fact[_field(value)] = normalise_number(value)
    return fact


def encode_conclusion(then_fact: dict) -> dict:
    return {"id": "c:" + then_fact["cid"] + (":" + then_fact["lv"] if "lv" in then_fact else ""), **then_fact}


def _field(value: Any) -> str:
    if isinstance(value, bool):
        return "flag"
    if is_number(value):
        return "num"
    return "word"


def conclusion_fact(rule: Rule, scale: Scale) -> dict:
    then = rule.then
    fact = {"t": "c", "cid": then.conclusion_id, "k": then.kind}
    if then.level is not None:
        fact["lv"] = then.level
        fact["rank"] = scale.rank(then.level)
    return fact


def compile_condition(condition: Condition, scale: Scale) -> dict:
    """One condition as a durable_rules pattern."""
    if condition.subject_kind == "conclusion":
        subject = condition.conclusion or ""
        tests: list[dict] = [{"t": "c"}]
        if subject.endswith(".*"):
            tests += [{"k": subject[:-2]}, {"$neq": {"cid": subject[:-2] + ".overall"}}]
        else:
            tests.append({"cid": subject})
        op, operand = condition.op, condition.operand
        if op != "present":
            tests.append(_level_test(op, operand, scale))
        return {"$and": tests}
    kind = "in" if condition.subject_kind == "input" else "fact"
    return {"$and": [{"t": kind}, {"n": condition.subject}, _value_test(condition.op, condition.operand)]}


def _equals(value: Any) -> dict:
    if value == UNKNOWN or value in STATED_SPECIALS:
        return {"s": value}
    if value is None:
        return {"s": "none"}
    return {_field(value): value}


def _value_test(op: str, operand: Any) -> dict:
    if op == "is":
        return _equals(operand)
    if op == "in":
        return {"$or": [_equals(v) for v in operand]} if len(operand) > 1 else _equals(operand[0])
    if op == "is_not":
        if operand == UNKNOWN or operand in STATED_SPECIALS:
            return {"$neq": {"s": operand}}
        if operand is None:
            return {"s": "known"}
        return {"$and": [{"s": "known"}, {"$neq": {_field(operand): operand}}]}
    if op == "not_in":
        tests = [{"s": "known"}] + [{"$neq": {_field(v): v}} for v in operand
                                    if v is not None and v != UNKNOWN and v not in STATED_SPECIALS]
        return {"$and": tests}
    comparison = {"at_least": "$gte", "at_most": "$lte", "above": "$gt", "below": "$lt"}[op]
    return {comparison: {"num": operand}}


def _level_test(op: str, operand: Any, scale: Scale) -> dict:
    if op == "is":
        return {"lv": operand}
    if op == "in":
        return {"$or": [{"lv": v} for v in operand]}
    if op == "is_not":
        return {"$neq": {"lv": operand}}
    if op == "not_in":
        return {"$and": [{"$neq": {"lv": v}} for v in operand]}
    comparison = {"at_least": "$gte", "at_most": "$lte", "above": "$gt", "below": "$lt"}[op]
    return {comparison: {"rank": scale.rank(operand)}}


def compile_rules(rules: list[Rule], scale: Scale) -> CompiledRuleset:
    """Translate rules into one ruleset definition; raise LimitError before the engine would hang."""
    if len(rules) + 1 > MAX_RULES:
        raise LimitError(f"{len(rules)} rules exceed durable_rules' limit of {MAX_RULES - 1} per ruleset; "
                         "split the knowledge base or merge rules")
    definition: dict[str, dict] = {}
    conclusions: dict[str, dict] = {}
    patterns: Counter = Counter()
    for rule in rules:
        if len(rule.when) > MAX_CONDITIONS:
            raise LimitError(f"rule {rule.id} ({rule.span}) has {len(rule.when)} conditions; durable_rules takes at "
                             f"most {MAX_CONDITIONS}: split it into two rules with an intermediate conclusion")
        all_of = [{f"c{index}": compile_condition(c, scale)} for index, c in enumerate(rule.when)]
        definition[rule.id] = {"all": all_of}
        conclusions[rule.id] = conclusion_fact(rule, scale)
        patterns[repr([list(p.values())[0] for p in all_of])] += 1  # built in one order: repr identifies it
    worst = max(patterns.values(), default=0)
    if worst > MAX_IDENTICAL_PATTERNS:
        raise LimitError(f"{worst} rules share an identical pattern; durable_rules takes at most "
                         f"{MAX_IDENTICAL_PATTERNS}: merge them")
    # Every asserted fact must reach some node, or durable_rules rejects the whole batch (jruizgit/rules#350).
    definition[SINK_RULE] = {"all": [{"a": {"$nex": {"__never__": 1}}}, {"b": {"t": "__never__"}}]}
    # A state in which no action ever ran crashes delete_state (segfault, measured here): one rule always fires.
    definition[START_RULE] = {"all": [{"s": {"t": START_FACT["t"]}}]}
    digest = hashlib.sha256(json.dumps([definition, conclusions], sort_keys=True).encode()).hexdigest()[:16]
    return CompiledRuleset(f"ppexpert_{digest}", definition, conclusions)
