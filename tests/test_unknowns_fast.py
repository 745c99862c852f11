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


def _merged_reference(alternatives: list[dict], full: dict) -> list[dict]:
    """unknowns._merged as it was before it remembered the pairs found apart: every pair compared on each pass."""
    unique = list({tuple(sorted(a.items())): a for a in alternatives}.values())
    if len(unique) > 400:
        return unique
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(unique):
            for j in range(i + 1, len(unique)):
                b = unique[j]
                differ = [n for n in set(a) | set(b) if a.get(n, full[n]) != b.get(n, full[n])]
                if len(differ) != 1:
                    continue
                name = differ[0]
                joined = {**a, name: a.get(name, full[name]) | b.get(name, full[name])}
                if joined[name] == full[name]:
                    del joined[name]
                unique = [x for k, x in enumerate(unique) if k not in (i, j)] + [joined]
                unique = list({tuple(sorted(x.items())): x for x in unique}.values())
                changed = True
                break
            if changed:
                break
    return unique


def test_joining_alternatives_gives_what_comparing_every_pair_on_each_pass_gives():
    rng = random.Random(13)
    full = {name: frozenset(range(size)) for name, size in (("a", 2), ("b", 3), ("c", 4), ("d", 2), ("e", 3))}
    joined = 0
    for _ in range(400):
        alternatives = []
        for _ in range(rng.randint(1, 30)):
            alternative = {}
            for name in rng.sample(sorted(full), rng.randint(1, 4)):
                part = frozenset(i for i in full[name] if rng.random() < 0.5) or frozenset({0})
                if part != full[name]:
                    alternative[name] = part
            alternatives.append(alternative)
        expected = _merged_reference(alternatives, full)
        assert unknowns._merged(alternatives, full) == expected
        joined += len(expected) < len({tuple(sorted(a.items())) for a in alternatives})
    assert joined > 100
