"""The fast enumeration of unknown inputs (bit-parallel over a component's cells, what decides an outcome worked out
once for every conclusion that shares it) gives exactly what the straightforward one gives, cell by cell: the same
possible levels, the same decided_by, the same bounds, over every example, every YAML case and random plans with
unknown inputs."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from ppexpert.authoring.cases import case_scenario, default_case_files, load_case_document
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.scenario import load_scenario
from ppexpert.knowledge.yamlfile import load_document
from ppexpert.reasoning import assess, assess_loaded, knowledge_for, unknowns
from ppexpert.reasoning.cells import classes

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _both(loaded):
    result = assess_loaded(loaded, KB, cache=False)
    actual = {c.id: (c.level or "holds") for c in result.conclusions.values()}
    fast = unknowns.possible_outcomes(KB, loaded, actual)
    plain = unknowns.possible_outcomes(KB, loaded, actual, plain=True)
    return fast, plain


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_enumerated_alike_by_both_paths(path):
    fast, plain = _both(load_scenario(path, KB))
    assert fast == plain
    assert fast or path.stem == "us-28-point-plan"  # the examples do leave inputs unknown


def test_every_yaml_case_is_enumerated_alike_by_both_paths():
    checked = 0
    for path in default_case_files(ROOT):
        cases, problems = load_case_document(load_document(path))
        assert problems == []
        for case in cases:
            fast, plain = _both(case_scenario(case, KB))
            assert fast == plain, (path.name, case.case.name)
            checked += bool(fast)
    assert checked > 20


def test_random_plans_with_unknown_inputs_are_enumerated_alike_by_both_paths():
    rng = random.Random(10)
    opened = 0
    for _ in range(40):
        base = load_scenario(rng.choice(EXAMPLES), KB)
        parameters = {}
        for name, value in sorted(base.inputs.items()):
            if value.origin == "derived" or name not in KB.parameters or KB.parameters[name].derived:
                continue
            draw = rng.random()
            if draw < 0.35:
                parameters[name] = UNKNOWN
            elif draw < 0.7 and classes(KB, base, name):
                parameters[name] = rng.choice(classes(KB, base, name)).representative
        loaded = assess({"id": "random", "title": "Random", "date": "2025-12-24", "parameters": parameters},
                        KB).loaded
        fast, plain = _both(loaded)
        assert fast == plain, parameters
        opened += len(fast)
    assert opened > 100
