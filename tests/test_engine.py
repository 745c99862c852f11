"""engine.py: the durable_rules adapter, around the sharp edges of ENGINE-NOTES.md."""
import gc
import resource
import threading

import pytest
from _support import MINI_KB, mini_scenario

from ppexpert.engine.compile import CompiledRuleset, encode_value
from ppexpert.engine.durable import Engine, shared_engine
from ppexpert.knowledge.problems import EngineFailure
from ppexpert.knowledge.scenario import load_scenario
from ppexpert.reasoning import assess, compiled_for, engine_facts, knowledge_for


@pytest.fixture(scope="module")
def kb():
    return knowledge_for(MINI_KB)


def _run(kb, **parameters):
    loaded = load_scenario(mini_scenario(**parameters), kb)
    return shared_engine().run(compiled_for(kb), engine_facts(loaded, kb))


def test_every_firing_records_its_rule_the_facts_it_matched_and_what_it_concluded(kb):
    firings = _run(kb, ceded=20, mood="calm")
    violation = next(f for f in firings if f.rule == "LAND-VIOLATION")
    assert violation.premises == ({"id": "in:ceded", "t": "in", "n": "ceded", "s": "known", "num": 20},)
    assert violation.conclusion == {"id": "c:violation.xx.charter.art-1", "t": "c", "cid": "violation.xx.charter.art-1",
                                    "k": "violation"}


def test_forward_chaining_reaches_rules_that_read_earlier_conclusions(kb):
    rules = {f.rule for f in _run(kb, ceded=20, mood="tense")}
    assert {"LAND-NO-VOTE", "LAND-TENSE", "ALL-MEDIUM", "ALL-HIGH"} <= rules


def test_runs_are_isolated_a_fresh_state_each_time(kb):
    first = {f.rule for f in _run(kb, ceded=60, mood="tense")}
    second = {f.rule for f in _run(kb, ceded=0, mood="calm")}
    assert "LAND-CRITICAL" in first
    assert second == {"LAND-LOW", "ALL-LOW"}


def test_the_same_input_gives_the_same_firings_in_the_same_order(kb):
    runs = [[(f.rule, f.conclusion["id"]) for f in _run(kb, ceded=60, mood="tense")] for _ in range(5)]
    assert all(run == runs[0] for run in runs)


def test_a_conclusion_drawn_twice_is_asserted_once_and_both_firings_are_kept(kb):
    firings = [f for f in _run(kb, ceded=60, mood="tense") if f.rule == "ALL-HIGH"]
    assert len(firings) == 2  # once for risk.land = high, once for risk.land = critical
    assert [f.new for f in firings].count(True) == 1


def test_a_word_that_looks_like_a_number_never_matches_a_numeric_test():
    engine = Engine()
    ruleset = CompiledRuleset("ppexpert_test_types", {
        "R": {"all": [{"c0": {"$and": [{"t": "in"}, {"n": "x"}, {"$gt": {"num": 10}}]}}]},
        "__sink__": {"all": [{"a": {"$nex": {"__never__": 1}}}, {"b": {"t": "__never__"}}]},
        "__start__": {"all": [{"s": {"t": "__start__"}}]},
    }, {"R": {"t": "c", "cid": "finding.x", "k": "finding"}})
    assert engine.run(ruleset, [encode_value("in", "x", "9")]) == []
    assert engine.run(ruleset, [encode_value("in", "x", "unknown")]) == []
    assert [f.rule for f in engine.run(ruleset, [encode_value("in", "x", 11)])] == ["R"]


def test_an_error_inside_an_action_surfaces_instead_of_being_swallowed(kb, monkeypatch):
    import ppexpert.engine.durable as engine_module

    def broken(*args):
        raise ValueError("premise unreadable")

    monkeypatch.setattr(engine_module, "Firing", broken)
    with pytest.raises(EngineFailure, match="LAND-LOW: ValueError: premise unreadable"):
        shared_engine().run(compiled_for(kb), [encode_value("in", "ceded", 0)])


def test_a_failed_run_leaves_the_engine_usable(kb, monkeypatch):
    import ppexpert.engine.durable as engine_module

    original = engine_module.Firing
    monkeypatch.setattr(engine_module, "Firing", lambda *args: 1 / 0)
    with pytest.raises(EngineFailure):
        shared_engine().run(compiled_for(kb), [encode_value("in", "ceded", 20)])
    monkeypatch.setattr(engine_module, "Firing", original)
    assert {f.rule for f in shared_engine().run(compiled_for(kb), [encode_value("in", "ceded", 20)])} >= {"LAND-MEDIUM"}


def test_a_fact_no_rule_tests_does_not_make_the_engine_reject_the_batch(kb):
    facts = [encode_value("in", "ceded", 20), encode_value("in", "never_tested", 1)]
    assert {f.rule for f in shared_engine().run(compiled_for(kb), facts)} >= {"LAND-MEDIUM"}


def test_a_run_in_which_no_rule_fires_cleans_up_without_crashing(kb):
    # Regression: delete_state segfaulted on a state in which no action had run.
    for _ in range(3):
        assert _run(kb, mood="calm") == []


def test_one_thousand_assessments_in_one_process_keep_memory_flat(kb):
    for _ in range(100):  # warm up caches
        assess(mini_scenario(ceded=30, mood="tense"), kb)
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for index in range(1000):
        assess(mini_scenario(ceded=index % 100, mood="tense" if index % 2 else "calm"), kb)
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 20 * 1024, f"peak memory grew by {grown_kib} KiB over 1,000 assessments"


def test_concurrent_assessments_from_many_threads_all_answer_correctly(kb):
    results, errors = {}, []

    def work(index: int) -> None:
        try:
            ceded = (index * 7) % 100
            results[index] = (ceded, assess(mini_scenario(ceded=ceded, mood="calm"), kb).get("risk.land").level)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = {0: "low"}
    for ceded, level in results.values():
        want = expected.get(ceded) or ("critical" if ceded >= 50 else "high" if ceded >= 10 else "medium")
        assert level == want, (ceded, level)


@pytest.mark.parametrize("value, engine_value", [(1e-7, 0), (0.00001, 0), (2.5e-3, 0.0025), (1e20, 10**20),
                                                 (20.0, 20), (20.123456, 20.1235)])
def test_numbers_python_writes_with_an_exponent_are_normalised_before_the_engine_reads_them(value, engine_value):
    # Regression: durable_rules segfaults on JSON numbers such as 1e-05 or 1e+20.
    assert encode_value("in", "x", value)["num"] == engine_value


def test_a_scenario_with_a_vanishingly_small_share_is_assessed_like_zero(kb):
    assessment = assess(mini_scenario(ceded=5e-324, mood="calm"), kb)
    assert assessment.get("risk.land").level == "low"
