"""The evaluator's speed-ups give exactly what the plain semantics give (issue 13, goal 2): conclusion tests decided
ahead of time as (conclusion, level) pairs, and cells that differ from a base cell in a few atoms evaluated only over
the rules those atoms reach. The oracle here restates the semantics test by test, with no table and no shortcut."""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from ppexpert.knowledge.conditions import value_holds
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.knowledge.scenario import load_scenario
from ppexpert.reasoning import knowledge_for
from ppexpert.reasoning.cells import classes, engine_values, structure_of
from ppexpert.reasoning.evaluate import evaluator_of
from ppexpert.reasoning.prepared import plan_of

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _plain_standing(truth) -> tuple[dict[str, set], set[str]]:
    """Every rule in the settle order, every test evaluated against the conclusions standing so far."""
    structure, plan, rank = structure_of(KB), plan_of(KB), KB.scale.rank

    def holds(condition, standing):
        if condition.subject_kind != "conclusion":
            return truth[structure.atoms.of(condition)]
        return any(reads_conclusion(condition.subject, cid) and any(value_holds(condition, lv, rank) for lv in lvs)
                   for cid, lvs in standing.items())
    standing: dict[str, set] = {}
    stood: set[str] = set()
    for rule_id in plan.settle_order:
        rule = KB.rules_by_id[rule_id]
        if not all(holds(c, standing) for c in rule.when):
            continue
        if rule.unless and all(holds(c, standing) for c in rule.unless):
            continue
        if any(d in stood for d in plan.defeaters.get(rule_id, ())):
            continue
        stood.add(rule_id)
        standing.setdefault(rule.then.conclusion_id, set()).add(rule.then.level or True)
    return standing, stood


def _cells(loaded, names, limit, rng):
    """Truth vectors of the cells of `names` (all of them, or `limit` drawn at random), beside the base cell's."""
    structure = structure_of(KB)
    base = structure.truth(engine_values(loaded))
    table = [classes(KB, loaded, name) for name in names]
    combos = list(itertools.product(*table))
    if len(combos) > limit:
        combos = rng.sample(combos, limit)
    for combo in combos:
        truth = list(base)
        for cls in combo:
            for index, value in cls.truth:
                truth[index] = value
        yield base, truth


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_evaluator_and_its_restricted_steps_agree_with_the_plain_semantics(example):
    rng = random.Random(13)
    evaluator = evaluator_of(KB)
    loaded = load_scenario(example, KB)
    inputs = sorted(name for name, value in loaded.inputs.items() if value.origin != "derived")
    # the cells of one, two and three inputs at a time, around the example as written
    structure = structure_of(KB)
    base_truth = structure.truth(engine_values(loaded))
    base_standing, base_rules = evaluator.standing(base_truth)
    assert (base_standing, base_rules) == _plain_standing(base_truth)
    for names in [rng.sample(inputs, k) for k in (1, 1, 2, 2, 3)]:
        atoms = {i for name in names for cls in classes(KB, loaded, name) for i, _ in cls.truth}
        steps = evaluator.steps_for(atoms, base_rules)
        for _, truth in _cells(loaded, names, 60, rng):
            plain = _plain_standing(truth)
            assert evaluator.standing(truth) == plain
            assert evaluator.standing(truth, steps) == plain


def test_what_unknown_inputs_leave_open_is_the_same_from_the_memo_as_computed_afresh():
    """possible_outcomes keeps its answers by the base cell and the unknown inputs' classes (their truths and texts):
    scenarios of one cell with other values, met after each other, get exactly a fresh computation's answer."""
    import yaml

    from ppexpert.reasoning import assess
    from ppexpert.reasoning.unknowns import _Memo

    rng = random.Random(7)
    plan = yaml.safe_load((ROOT / "examples" / "seed-calculator.yaml").read_text())["parameters"]
    for trial in range(12):
        parameters = {**plan, "territory_ceded_pct": rng.choice([0, 2.5, 3, 6.5, 19.5, 20, 24, 40, 75]),
                      "military_cap": {"pct_of_current": rng.randint(0, 100)}}
        for name in rng.sample(["us_commitment", "war_crimes_amnesty", "election_within_days",
                                "territory_ceded_pct", "military_cap"], 2):
            parameters[name] = "unknown"
        scenario = {"id": f"t{trial}", "title": "T", "parameters": parameters}
        remembered = assess(scenario, KB).possible
        KB.__dict__["_possible_memo"] = _Memo()  # forget everything: a fresh computation
        assert assess(scenario, KB).possible == remembered, parameters
