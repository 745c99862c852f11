"""assessment.py: settling precedence, the trace graph, conclusions and the JSON document."""
import json

import networkx as nx
import pytest
from _support import EXAMPLES, MINI_KB, mini_scenario, run_cli

from ppexpert import assess
from ppexpert.reasoning import knowledge_for
from ppexpert.reasoning.conclusions import render


@pytest.fixture(scope="module")
def mini():
    return knowledge_for(MINI_KB)


def levels(assessment) -> dict:
    return {c.area: c.level for c in assessment.by_kind("risk")}


# ---------------------------------------------------------------- the seed article's calculator

def test_the_seed_calculator_reproduces_the_articles_five_levels():
    assessment = assess(EXAMPLES / "seed-calculator.yaml")
    assert {k: v for k, v in levels(assessment).items() if k in
            ("sovereignty", "defence", "elections", "accountability", "enforcement")} == {
        "sovereignty": "high", "defence": "high", "elections": "high", "accountability": "high",
        "enforcement": "medium"}


def test_the_seed_calculator_shows_the_articles_derived_lines():
    document = assess(EXAMPLES / "seed-calculator.yaml").to_json()
    lines = {area["id"]: [line["text"] for line in area["lines"]] for area in document["areas"]}
    assert "20% of Ukraine under Russian control" in lines["sovereignty"]
    assert "1,000,000 troops (Armed Forces of Ukraine, 2024-25)" in lines["defence"]
    assert "400,000 troops (40% of today's strength)" in lines["defence"]


def test_the_seed_calculator_cites_the_correct_articles_not_the_articles_mistaken_ones():
    assessment = assess(EXAMPLES / "seed-calculator.yaml")
    sovereignty = {s["ref"] for c in assessment.conclusions.values() if c.area == "sovereignty" for s in c.sources}
    assert {"ua.constitution.art-2", "ua.constitution.art-73"} <= sovereignty  # the seed's de facto recognition
    assert "ua.constitution.art-14" not in {s["ref"] for c in assessment.conclusions.values() for s in c.sources}
    elections = {s["ref"] for c in assessment.conclusions.values() if c.area == "elections" for s in c.sources}
    assert "ua.constitution.art-103" in elections and "ua.constitution.art-110" not in elections
    accountability = {s["ref"] for c in assessment.conclusions.values() if c.area == "accountability" for s in c.sources}
    assert "intl.rome-statute.preamble" in accountability and "intl.rome-statute.art-25" not in accountability


def test_a_plan_that_restores_everything_is_low_in_every_area():
    assessment = assess({"id": "best", "title": "Best case", "parameters": {
        "territory_ceded_pct": 0, "military_cap": None, "election_within_days": None,
        "war_crimes_amnesty": "none", "us_commitment": "treaty"}})
    assert set(levels(assessment).values()) == {"low"}
    assert assessment.overall.level == "low"
    assert not assessment.by_kind("violation")


@pytest.mark.parametrize("parameter, value, area, level", [
    ("territory_ceded_pct", 5, "sovereignty", "medium"),
    ("territory_ceded_pct", 30, "sovereignty", "critical"),
    ("military_cap", {"troops": 800000}, "defence", "medium"),
    ("military_cap", {"pct_of_current": 20}, "defence", "critical"),
    ("military_cap", None, "defence", "low"),
    ("election_within_days", 365, "elections", "medium"),  # the ban makes a requirement, not a violation: no floor
    ("election_within_days", None, "elections", "low"),
    ("war_crimes_amnesty", "partial", "accountability", "high"),  # breaches GC Art. 146: the scale's high
    ("war_crimes_amnesty", "none", "accountability", "low"),
    ("us_commitment", "none", "enforcement", "high"),
    ("us_commitment", "treaty", "enforcement", "low"),
])
def test_each_dial_moves_its_area_level(parameter, value, area, level):
    parameters = {"territory_ceded_pct": 20, "military_cap": {"pct_of_current": 40}, "election_within_days": 100,
                  "war_crimes_amnesty": "full", "us_commitment": "vague", parameter: value}
    assert levels(assess({"id": "dial", "title": "Dial", "parameters": parameters}))[area] == level


# ---------------------------------------------------------------- settlement of precedence (mini knowledge base)

def test_an_overriding_rule_defeats_the_rule_it_overrides_and_the_defeat_is_recorded(mini):
    assessment = assess(mini_scenario(ceded=20), mini)
    assert assessment.get("risk.land").level == "high"
    (defeat,) = [d for d in assessment.defeats if d.conclusion == "risk.land"]
    assert defeat.rule == "LAND-MEDIUM" and defeat.by == "LAND-HIGH"
    assert "LAND-MEDIUM would conclude risk.land = medium; LAND-HIGH overrides it" in defeat.reason


def test_overrides_are_transitive_critical_defeats_medium_through_high(mini):
    assessment = assess(mini_scenario(ceded=60), mini)
    assert assessment.get("risk.land").level == "critical"
    assert {(d.rule, d.by) for d in assessment.defeats if d.conclusion == "risk.land"} == {
        ("LAND-HIGH", "LAND-CRITICAL"), ("LAND-MEDIUM", "LAND-CRITICAL")}


def test_an_unless_exception_defeats_a_rule_and_says_why(mini):
    assessment = assess(mini_scenario(ceded=20, vote=True), mini)
    assert assessment.get("violation.xx.charter.art-2") is None
    (defeat,) = [d for d in assessment.defeats if d.rule == "LAND-NO-VOTE"]
    assert defeat.by == "unless" and "a referendum is held" in defeat.reason


def test_what_rested_on_a_defeated_conclusion_falls_with_it(mini):
    assert assess(mini_scenario(ceded=20, vote=False, mood="tense"), mini).get("consequence.unrest") is not None
    assert assess(mini_scenario(ceded=20, vote=True, mood="tense"), mini).get("consequence.unrest") is None


def test_an_unknown_input_never_satisfies_a_test_and_is_reported_as_undetermined(mini):
    assessment = assess(mini_scenario(ceded=20), mini)  # mood not stated: unknown
    assert assessment.get("consequence.unrest") is None
    (open_question,) = [u for u in assessment.undetermined if u.rule == "LAND-TENSE"]
    assert open_question.unknown == ("mood",)
    assert "if mood is tense" in open_question.sentence


def test_an_unless_on_an_unknown_input_does_not_defeat_the_rule(mini):
    assert assess(mini_scenario(ceded=20), mini).get("violation.xx.charter.art-2") is not None


def test_a_baseline_whose_sources_disagree_marks_the_conclusions_resting_on_it(mini):
    risk = assess(mini_scenario(ceded=20), mini).get("risk.land")
    assert risk.disputed == ({"baseline": "xx.land.size", "value": 100, "kb_value": 100, "assumed": False,
                              "source": "almanac"},)


def test_a_scenario_assumption_replaces_a_baseline_and_is_flagged(mini):
    scenario = {**mini_scenario(ceded=20), "assumptions": {"land_size": {"value": 120, "source": "charter"}}}
    risk = assess(scenario, mini).get("risk.land")
    assert risk.sentence == "20% of 120 km2 ceded."
    assert risk.disputed[0]["assumed"] is True and risk.disputed[0]["kb_value"] == 100


# ---------------------------------------------------------------- the trace

def test_the_trace_runs_from_inputs_through_firings_to_conclusions_and_cited_sources(mini):
    graph = assess(mini_scenario(ceded=60, mood="tense"), mini).graph
    assert nx.is_directed_acyclic_graph(graph)
    ancestors = nx.ancestors(graph, "risk.land")
    assert {"input:ceded", "fact:xx.land.guarded", "provision:xx.charter.art-1", "source:charter"} <= ancestors
    firing = next(n for n in graph.predecessors("risk.land"))
    assert graph.nodes[firing]["rule"] == "LAND-CRITICAL" and graph.nodes[firing]["standing"]


def test_defeated_firings_stay_in_the_trace_but_conclude_nothing(mini):
    graph = assess(mini_scenario(ceded=60), mini).graph
    defeated = [n for n, d in graph.nodes(data=True) if d.get("defeated_by") == "LAND-CRITICAL"]
    assert defeated and all(graph.out_degree(n) == 0 for n in defeated)


# ---------------------------------------------------------------- the JSON document

def test_the_json_document_has_the_promised_shape():
    document = assess(EXAMPLES / "seed-calculator.yaml").to_json()
    assert {"scenario", "risks", "violations", "consequences", "overall"} <= set(document)
    for risk in document["risks"]:
        assert {"id", "area", "level", "rule", "because", "sources"} <= set(risk)
        assert risk["id"] == f"risk.{risk['area']}"
        assert risk["sources"], risk["id"]
    assert document["overall"]["id"] == "risk.overall"
    json.dumps(document)  # plain JSON types only


def test_the_same_inputs_give_byte_identical_json_across_processes():
    first = run_cli("assess", "examples/us-28-point-plan.yaml", "--format", "json")
    second = run_cli("assess", "examples/us-28-point-plan.yaml", "--format", "json")
    assert first.returncode == 0 and first.stdout == second.stdout


def test_sentences_insert_values_with_thousands_separators_and_leave_unknown_names_visible():
    assert render("{a} and {b:.1f} and {c}", {"a": 1000000, "b": 2.25}) == "1,000,000 and 2.2 and {c}"


def test_a_conclusion_whose_exception_rests_on_an_unknown_input_carries_a_caveat(mini):
    open_vote = assess(mini_scenario(ceded=20), mini).get("violation.xx.charter.art-2")
    assert open_vote.caveats == ("stands unless a referendum is held (A referendum is held: not stated by the plan)",)
    assert assess(mini_scenario(ceded=20, vote=False), mini).get("violation.xx.charter.art-2").caveats == ()


def test_caveats_reach_the_json_and_the_why_tree(mini):
    assessment = assess(mini_scenario(ceded=20), mini)
    (violation,) = [v for v in assessment.to_json()["violations"] if v["id"] == "violation.xx.charter.art-2"]
    assert violation["caveats"] == ["stands unless a referendum is held (A referendum is held: not stated by the plan)"]
    assert assessment.why("violation.xx.charter.art-2")["caveats"] == violation["caveats"]
