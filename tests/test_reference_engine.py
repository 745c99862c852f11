"""The reference engine as an oracle: durable_rules (the engine of record) and the pure-Python forward chainer give
the same firings and conclusions on every YAML case and on 5,000 generated scenarios."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppexpert.authoring.cases import case_scenario, default_case_files, load_case_document
from ppexpert.engine import shared_engine
from ppexpert.engine.compile import SINK_RULE, START_FACT, START_RULE, CompiledRuleset
from ppexpert.engine.reference import ReferenceEngine
from ppexpert.knowledge.derive import derivation_reads, listed_parameters
from ppexpert.knowledge.model import NOT_ADDRESSED, NOT_APPLICABLE, UNKNOWN
from ppexpert.knowledge.scenario import load_scenario
from ppexpert.knowledge.yamlfile import load_document
from ppexpert.reasoning import compiled_for, engine_facts, knowledge_for
from ppexpert.reasoning.run import _assessment

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")
COMPILED = compiled_for(KB)
REFERENCE = ReferenceEngine()


def _firings(firings) -> Counter:
    """Firings as a multiset: the engines fire in different orders, never on different facts."""
    return Counter((f.rule, tuple(tuple(sorted(p.items())) for p in f.premises), f.conclusion["id"]) for f in firings)


def _conclusions(assessment) -> dict:
    return {cid: (c.level, sorted(c.rules), sorted(c.premises), c.caveats, c.disputed)
            for cid, c in assessment.conclusions.items()}


def _both(loaded):
    facts = engine_facts(loaded, KB)
    return shared_engine().run(COMPILED, facts), REFERENCE.run(COMPILED, facts)


def _cases():
    for path in default_case_files(ROOT):
        cases, problems = load_case_document(load_document(path))
        assert problems == []
        yield from cases


def test_every_yaml_case_gives_the_same_firings_and_conclusions_on_both_engines():
    compared = 0
    for case in _cases():
        loaded = case_scenario(case, KB)
        durable, reference = _both(loaded)
        assert _firings(durable) == _firings(reference), case.where
        first, second = _assessment(loaded, KB, durable), _assessment(loaded, KB, reference)
        assert _conclusions(first) == _conclusions(second), case.where
        assert sorted(map(repr, first.defeats)) == sorted(map(repr, second.defeats)), case.where
        assert first.undetermined == second.undetermined, case.where
        compared += 1
    assert compared >= 50  # every shipped case, not an empty loop


def _thresholds(name: str) -> list:
    """The literals the rules compare an input with, and their neighbours: where the engines could disagree."""
    found = set()
    for rule in KB.rules:
        for condition in (*rule.when, *rule.unless):
            if condition.subject_kind == "input" and condition.subject == name:
                operands = condition.operand if isinstance(condition.operand, list) else [condition.operand]
                for operand in operands:
                    if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                        found.update((operand - 1, operand, operand + 1, operand + 0.5))
    return sorted(found)


def _numbers(low, high, integer: bool, near: list) -> list:
    """The thresholds and their neighbours within bounds, the bounds, and a few values between."""
    low = 0 if low is None else low
    high = 1_000_000 if high is None else high
    values = {low, high, (low + high) / 3, (low + high) / 2, 2 * (low + high) / 3, *near}
    values = [v for v in values if low <= v <= high]
    return sorted({int(v) for v in values} if integer else values)


def _values(parameter, derived_near: list) -> list:
    """Every value worth trying for one parameter (sampling from lists keeps 5,000 scenarios fast)."""
    if parameter.type == "choice":
        values = list(parameter.choices)
    elif parameter.type == "boolean":
        values = [True, False]
    elif parameter.type == "set":  # a list of its words: none, one, several
        values = [[], parameter.choices[:1], parameter.choices[-2:]]
    elif parameter.type == "record":
        values = [{key: v} for key, f in parameter.fields.items()
                  for v in _numbers(f.min, f.max, f.type == "integer", derived_near)]
    else:
        values = _numbers(parameter.min, parameter.max, parameter.type == "integer", _thresholds(parameter.id))
    return values + [UNKNOWN, NOT_ADDRESSED, NOT_APPLICABLE] + ([None] if parameter.nullable else [])


_LEFT_OUT = object()


def _read() -> set:
    """The group fields some rule reads, directly, through a set's member or through a derivation (the others
    cannot change a firing, and trying them would only slow the test)."""
    read = set(listed_parameters(KB))
    read |= {KB.parameters[name].member_of for name in list(read) if name in KB.parameters}
    for name in list(read):
        read.update(derivation_reads(KB, name))
    return read


def _scenarios():
    derived = [p.id for p in KB.parameters.values() if p.derived]
    derived_near = sorted({v for name in derived for v in _thresholds(name)} | {v * 10_000 for name in derived
                                                                             for v in _thresholds(name)})
    given_ = {name: st.sampled_from(_values(p, derived_near) + [_LEFT_OUT])
              for name, p in KB.parameters.items() if not p.derived and (p.group is None or name in _read())}
    return st.fixed_dictionaries(given_).map(lambda d: _derivable({k: v for k, v in d.items() if v is not _LEFT_OUT}))


def _derivable(parameters: dict) -> dict:
    """A parameter derived from a group the scenario gives may not be given too (the loader refuses both)."""
    return {name: value for name, value in parameters.items()
            if not (KB.parameters[name].derived_when and any(
                other.startswith(KB.parameters[name].derived_when) for other in parameters if other != name))}


@settings(max_examples=int(os.environ.get('N', 5000)), deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_scenarios())
def test_generated_scenarios_give_the_same_firings_and_conclusions_on_both_engines(parameters):
    loaded = load_scenario({"id": "generated", "title": "Generated", "parameters": parameters}, KB)
    durable, reference = _both(loaded)
    assert _firings(durable) == _firings(reference)
    assert {f.conclusion["id"] for f in durable} == {f.conclusion["id"] for f in reference}


def _ruleset(definition: dict, conclusions: dict) -> CompiledRuleset:
    sink = {"all": [{"a": {"$nex": {"__never__": 1}}}, {"b": {"t": "__never__"}}]}
    start = {"all": [{"s": {"t": START_FACT["t"]}}]}
    return CompiledRuleset("reference_edges", {**definition, SINK_RULE: sink, START_RULE: start}, conclusions)


def test_the_edges_it_copies_from_durable_rules_hold_on_both():
    """A missing field fails `$neq` and comparisons; one fact never fills two patterns of a rule."""
    ruleset = _ruleset({
        "neq": {"all": [{"c0": {"$and": [{"t": "x"}, {"$neq": {"lv": "high"}}]}}]},
        "gte": {"all": [{"c0": {"$and": [{"t": "x"}, {"$gte": {"rank": 1}}]}}]},
        "nex": {"all": [{"c0": {"$and": [{"t": "x"}, {"$nex": {"lv": 1}}]}}]},
        "pair": {"all": [{"c0": {"t": "x"}}, {"c1": {"$or": [{"lv": "high"}, {"lv": "low"}]}}]},
    }, {name: {"t": "c", "cid": f"finding.{name}", "k": "finding"} for name in ("neq", "gte", "nex", "pair")})
    facts = [{"id": "1", "t": "x"}, {"id": "2", "t": "x", "lv": "high", "rank": 2},
             {"id": "3", "t": "x", "lv": "low", "rank": 0}]
    durable, reference = shared_engine().run(ruleset, facts), REFERENCE.run(ruleset, facts)
    assert _firings(durable) == _firings(reference)
    fired = sorted((f.rule, tuple(p["id"] for p in f.premises)) for f in reference)
    assert fired == [("gte", ("2",)), ("neq", ("3",)), ("nex", ("1",)),
                     ("pair", ("1", "2")), ("pair", ("1", "3")), ("pair", ("2", "3")), ("pair", ("3", "2"))]
