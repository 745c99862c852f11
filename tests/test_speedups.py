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
        around = evaluator.around(atoms, base_rules)
        for _, truth in _cells(loaded, names, 60, rng):
            plain = _plain_standing(truth)
            assert evaluator.standing(truth) == plain
            assert around.whole(truth) == plain


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


def test_a_cell_key_is_the_truth_vector_of_the_value_whatever_order_values_come_in():
    """Vector ids are made as values first fall in each elementary class (not all up front): two values get one id
    exactly when every condition on the input says the same of both, in any order of arrival."""
    from ppexpert.reasoning.cells import Tests

    rng = random.Random(3)
    structure = structure_of(KB)
    for tests in structure.tests:
        if not tests.points:
            continue
        lo, hi = tests.points[0] - 2, tests.points[-1] + 2
        values = tests.points + [rng.uniform(lo, hi) for _ in range(30)] + [int(p) for p in tests.points]
        for order in range(3):
            rng.shuffle(values)
            fresh = Tests(tests.kind, tests.name, list(tests.atoms), list(tests.conditions))
            ids = [fresh.vector_id(v) for v in values]
            vectors = [fresh.vector(v) for v in values]
            for a in range(len(values)):
                for b in range(a + 1, len(values)):
                    assert (ids[a] == ids[b]) == (vectors[a] == vectors[b]), (tests.name, values[a], values[b])


def test_conditions_testing_the_same_thing_share_one_atom_and_others_do_not():
    """The atom key: operator and operand with its type; 1, 1.0 and true are three different operands, as their
    JSON texts are."""
    import json as _json

    from ppexpert.reasoning.cells import _operand_key

    conditions = [c for rule in KB.rules for c in [*rule.when, *rule.unless] if c.subject_kind != "conclusion"]
    for a in conditions[:300]:
        for b in conditions[:300]:
            same_text = _json.dumps([a.op, a.operand], sort_keys=True, default=str) == \
                _json.dumps([b.op, b.operand], sort_keys=True, default=str)
            assert (_operand_key(a) == _operand_key(b)) == same_text, (a, b)
    c = conditions[0]
    keys = {_operand_key(c.model_copy(update={"operand": v})) for v in (1, 1.0, True, "1")}
    assert len(keys) == 4


@pytest.mark.parametrize("code", [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
def test_every_control_character_in_text_is_refused_at_its_path_and_tabs_and_newlines_are_not(code):
    """The loader looks for control characters only in text that is not printable (printable text holds none)."""
    from ppexpert.knowledge.problems import InputError
    from ppexpert.knowledge.yamlfile import parse_document

    with pytest.raises(InputError) as refused:
        parse_document(f'rules:\n  - title: "a\\x{code:02x}b"\n', "t.yaml")
    (problem,) = refused.value.problems
    assert f"U+{code:04X}" in problem.message and problem.path == ("rules", 0, "title") and problem.span.line == 2
    doc = parse_document('rules:\n  - title: "a\\tb\\nc\\u00a0d\\u2028e"\n', "t.yaml")
    assert doc.data["rules"][0]["title"] == "a\tb\nc\u00a0d\u2028e"


def test_a_loaded_knowledge_base_is_out_of_the_collectors_sight_and_later_garbage_is_still_collected(tmp_path):
    """gc.freeze after loading: the knowledge base's objects are not scanned again, yet the collector still frees
    the cycles made afterwards."""
    import gc
    import weakref

    from ppexpert.reasoning.prepared import _collector_paused

    with _collector_paused():
        kept = [{"n": i} for i in range(100)]
    assert gc.get_freeze_count() >= len(kept) and gc.isenabled()

    class Node:
        pass
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("setting, stand_in", [(None, True), ("", False)])
def test_the_command_line_stands_in_for_pydantics_plugin_loader_only_where_plugins_are_off(tmp_path, setting, stand_in):
    """In its own process the command line turns pydantic plugins off, and then needs no plugin loader (nor the
    package metadata it reads); validation still reports every problem. A user who turns plugins on keeps them."""
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nparameters:\n  territory_ceded_pct: lots\n")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    probe = ("import sys; from ppexpert.cli import main; rc = main(['--knowledge', sys.argv[1], 'assess', sys.argv[2]]); "
             "loader = sys.modules.get('pydantic.plugin._loader'); "
             "print(rc, loader is not None and not hasattr(loader, 'entry_points'), list(loader.get_plugins()) if loader else [])")
    done = subprocess.run([sys.executable, "-c", probe, str(ROOT / "knowledge"), str(bad)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.stdout.split() == ["2", str(stand_in), "[]"], done.stdout + done.stderr
    assert "territory_ceded_pct" in done.stderr and "lots" in done.stderr


def test_the_server_answers_a_cell_a_worker_has_run_in_its_own_process_with_the_same_text():
    """Goal 4: a worker hands the server each new cell's skeleton with its answer; another scenario of that cell is
    then answered in the server's process (no worker round trip, never the engine), byte-identical to the library's
    compact document. A scenario in a new cell still goes to the pool, and bad input is still a 422."""
    import sys as _sys

    _sys.path.insert(0, str(ROOT / "tests"))
    from test_server_support import KNOWLEDGE, preset, server_in_thread, with_parameters

    from ppexpert.reasoning import assess
    from ppexpert.reasoning.document import dumps
    from ppexpert.web.server import create_app

    app = create_app(KNOWLEDGE, workers=1)
    pool = app.state.calculator.pool
    with server_in_thread(app) as port:
        assert pool.wait_ready(120)
        import http.client
        import json as _json

        def post(body):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/api/assess", _json.dumps(body).encode(), {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read().decode()

        first = with_parameters(preset(), territory_ceded_pct=41, us_commitment="vague")
        assert post(first)[0] == 200
        ran = pool.submitted
        for share in (42, 43.5, 44):  # the same cell (no rule's threshold between 41 and 44)
            scenario = with_parameters(first, territory_ceded_pct=share)
            status, text = post(scenario)
            assert status == 200 and text == dumps(assess(scenario, KNOWLEDGE).to_json(), compact=True)
        assert pool.submitted == ran, "a scenario of a cell already run went to a worker"
        other = with_parameters(first, territory_ceded_pct=2)  # another cell: the engine, in a worker
        status, text = post(other)
        assert status == 200 and text == dumps(assess(other, KNOWLEDGE).to_json(), compact=True)
        assert pool.submitted == ran + 1
        status, text = post(with_parameters(first, territory_ceded_pct="lots"))
        assert status == 422 and "territory_ceded_pct" in text


@pytest.mark.parametrize("troops", [None, 600_000, 1_000_000, 880_000])
def test_the_classes_of_an_input_are_kept_by_the_values_its_derivations_read(troops):
    """classes() keeps its answer by input and by the other values its derivations read (a baseline the scenario
    may replace): from the memo, the same classes as computed afresh, for every input of every example."""
    import yaml

    from ppexpert.reasoning.cells import _classes
    from ppexpert.reasoning.run import load_plan

    for example in EXAMPLES:
        document = yaml.safe_load(example.read_text())
        if troops is not None:
            document["assumptions"] = {"ukraine_troops": {"value": troops, "source": "seed-article"}}
        _, loaded = load_plan(document, KB)
        for name in sorted(n for n, v in loaded.inputs.items() if v.origin != "derived"):
            assert classes(KB, loaded, name) == _classes(KB, loaded, name), (example.name, name)
            assert classes(KB, loaded, name) == _classes(KB, loaded, name), (example.name, name)
