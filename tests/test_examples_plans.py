"""The example plans: each assesses, and each yields (or does not yield) the conclusions its text supports."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ppexpert
from ppexpert.reasoning.document import dumps

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PLAN_28 = EXAMPLES / "us-28-point-plan.yaml"
PLAN_20 = EXAMPLES / "20-point-framework-2025-12.yaml"
GENEVA = EXAMPLES / "geneva-19-point-framework.yaml"
FORMULA = EXAMPLES / "ukraine-peace-formula.yaml"
SEED = EXAMPLES / "seed-calculator.yaml"

# The conclusions the "done when" of the knowledge issue names for the 28-point plan.
BREACHES_OF_28 = (
    "violation.ua.constitution.art-2",
    "requirement.referendum-on-territory",
    "requirement.amendment-under-martial-law",
    "requirement.election-under-martial-law",
    "violation.intl.geneva-convention-iv.art-146",
    "violation.intl.geneva-convention-iv.art-148",
    "consequence.icc-admissibility",
    "violation.intl.rome-statute.art-86",
    "consequence.sequencing-conflict",
)
AMNESTY_BREACHES = (
    "violation.intl.geneva-convention-iv.art-146",
    "violation.intl.geneva-convention-iv.art-148",
    "consequence.icc-admissibility",
    "violation.intl.rome-statute.art-86",
)


@pytest.fixture(scope="module")
def assessed():
    return {path.stem: ppexpert.assess(path) for path in sorted(EXAMPLES.glob("*.yaml"))}


def _level(assessment, area: str) -> str | None:
    risk = assessment.get(f"risk.{area}")
    return risk.level if risk else None


def _rank(assessment, area: str) -> int:
    return assessment.kb.scale.rank(_level(assessment, area))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_assesses_and_its_json_is_stable(path):
    first = dumps(ppexpert.assess(path).to_json())
    second = dumps(ppexpert.assess(path).to_json())
    assert first == second
    assert json.loads(first)["scenario"]["id"] == path.stem


def test_the_seed_calculator_keeps_the_articles_five_levels(assessed):
    levels = {area: _level(assessed["seed-calculator"], area)
              for area in ("sovereignty", "defence", "elections", "accountability", "enforcement")}
    assert levels == {"sovereignty": "high", "defence": "high", "elections": "high", "accountability": "high",
                      "enforcement": "medium"}


@pytest.mark.parametrize("conclusion", BREACHES_OF_28)
def test_the_28_point_plan_breaches_the_constitution_martial_law_geneva_and_rome(assessed, conclusion):
    assert assessed["us-28-point-plan"].get(conclusion) is not None


def test_article_157_bars_the_28_point_plans_nato_amendment_and_the_recognition_in_law_of_its_buffer_only(assessed):
    """Review 2, row 9: accepting de facto control needs no amendment. The 28-point plan recognises Crimea, Luhansk
    and Donetsk de facto (21(a)) but the part of Donetsk Ukraine leaves "as territory belonging to the Russian
    Federation" (21(d)): that part alone is recognised in law, and only it needs the barred amendment."""
    import yaml
    plan = assessed["us-28-point-plan"]
    assert set(plan.get("requirement.amendment-under-martial-law").rules) == {"CON-ART-157-MARTIAL-LAW"}
    assert set(plan.get("requirement.amendment-on-territory").rules) == {"CON-ART-157-INDIVISIBILITY"}
    assert plan.get("violation.ua.constitution.art-2").sentence.startswith("Recognising 1% of Ukraine as Russian in law")
    scenario = yaml.safe_load(PLAN_28.read_text())
    del scenario["parameters"]["territory"]["donetsk"]["withdrawal_status"]  # the buffer takes 21(a)'s status
    de_facto = ppexpert.assess(scenario, REPO / "knowledge")
    assert de_facto.get("requirement.amendment-on-territory") is None
    assert de_facto.get("violation.ua.constitution.art-2") is None
    assert de_facto.get("finding.recognition-of-russian-claim") is not None
    assert de_facto.get("risk.sovereignty").level == plan.get("risk.sovereignty").level == "high"


def test_the_sequencing_conflict_comes_from_the_election_and_the_constitutional_nato_clause(assessed):
    conclusion = assessed["us-28-point-plan"].get("consequence.sequencing-conflict")
    assert set(conclusion.rules) == {"CON-SEQUENCE-ELECTION", "CON-SEQUENCE-AMENDMENT"}
    assert "input:election_within_days" in conclusion.premises
    assert "input:nato_non_membership" in conclusion.premises
    assert "fact:ua.martial-law.in-force" in conclusion.premises


def test_a_plan_that_lifts_martial_law_first_has_no_sequencing_conflict():
    import yaml
    scenario = yaml.safe_load(PLAN_28.read_text())
    scenario["parameters"]["martial_law_lifted_first"] = True
    assessment = ppexpert.assess(scenario, REPO / "knowledge")
    assert assessment.get("consequence.sequencing-conflict") is None
    assert {d.rule for d in assessment.defeats} >= {"CON-SEQUENCE-ELECTION", "CON-SEQUENCE-AMENDMENT"}
    # Once martial law has ended, its ban on elections, referendums and amendments no longer applies.
    assert assessment.get("requirement.election-under-martial-law") is None
    assert assessment.get("requirement.amendment-under-martial-law") is None
    assert {d.rule for d in assessment.defeats} >= {"ELE-MARTIAL-LAW-BAN", "CON-ART-157-MARTIAL-LAW"}


@pytest.mark.parametrize("conclusion", BREACHES_OF_28)
def test_the_peace_formula_yields_none_of_the_28_point_breaches(assessed, conclusion):
    assert assessed["ukraine-peace-formula"].get(conclusion) is None


def test_the_peace_formula_breaches_nothing_and_risks_little(assessed):
    formula = assessed["ukraine-peace-formula"]
    assert formula.by_kind("violation") == []
    assert {r.level for r in formula.risks} == {"low"}
    assert formula.get("finding.compensation-mechanism") is not None


@pytest.mark.parametrize("conclusion", AMNESTY_BREACHES)
def test_the_20_point_framework_has_no_amnesty_breach_where_the_28_point_plan_has(assessed, conclusion):
    assert assessed["us-28-point-plan"].get(conclusion) is not None
    assert assessed["20-point-framework-2025-12"].get(conclusion) is None


def test_the_20_point_framework_has_a_smaller_defence_risk_than_the_28_point_plan(assessed):
    twenty, twenty_eight = assessed["20-point-framework-2025-12"], assessed["us-28-point-plan"]
    assert _level(twenty, "defence") == "medium" and _level(twenty_eight, "defence") == "high"
    assert _rank(twenty, "defence") < _rank(twenty_eight, "defence")
    assert twenty.get("consequence.cap-below-russian-force") is None


def test_the_20_point_framework_differs_where_its_text_differs(assessed):
    twenty, twenty_eight = assessed["20-point-framework-2025-12"], assessed["us-28-point-plan"]
    assert _level(twenty, "accountability") == "low" and _level(twenty_eight, "accountability") == "high"
    assert _level(twenty, "enforcement") == "medium" and _level(twenty_eight, "enforcement") == "medium"
    assert twenty.get("finding.guarantee-model") is not None and twenty_eight.get("finding.guarantee-model") is None
    assert twenty.get("consequence.guarantee-for-payment") is None          # compensation clause removed
    assert twenty_eight.get("consequence.guarantee-for-payment") is not None
    assert twenty.get("consequence.guarantee-voidable") is not None         # kept in point 5
    assert twenty.get("commitment.intl.helsinki-final-act.principle-iv") is None  # no recognition


def test_what_the_20_point_framework_leaves_open_is_undetermined_not_concluded(assessed):
    twenty = assessed["20-point-framework-2025-12"]
    assert twenty.get("violation.ua.constitution.art-2") is None
    open_questions = {(u.conclusion, u.unknown) for u in twenty.undetermined}
    assert ("finding.land-control", ("territory_ceded_pct",)) in open_questions
    assert ("requirement.election-under-martial-law", ("election_within_days",)) in open_questions


def test_the_geneva_framework_drops_the_amnesty_and_leaves_the_rest_unknown(assessed):
    geneva = assessed["geneva-19-point-framework"]
    assert _level(geneva, "accountability") == "low"
    assert geneva.get("risk.defence") is None
    assert any(u.conclusion == "risk.defence" for u in geneva.undetermined)
    assert all(geneva.get(c) is None for c in AMNESTY_BREACHES)


@pytest.mark.parametrize("actor", ["russia", "ukraine", "united-states", "europe"])
def test_the_28_point_plan_says_what_each_actor_gains_or_pays_and_why(assessed, actor):
    lines = [c for c in assessed["us-28-point-plan"].conclusions.values() if c.area == actor]
    assert lines, f"no gains or costs for {actor}"
    assert all(c.id.startswith(f"consequence.{actor}-") for c in lines)
    # at least one line is derived from another conclusion, whose derivation the trace keeps
    assert any(any(not p.startswith(("input:", "fact:")) for p in c.premises) for c in lines)


def test_russia_gains_territory_rests_on_the_recognition_finding(assessed):
    gain = assessed["us-28-point-plan"].get("consequence.russia-gains-territory")
    assert "finding.recognition-of-russian-claim" in gain.premises
    assert gain.sentence.startswith("Russia keeps 20% of Ukraine")  # derived from the regions (point 21)


def test_the_plan_contradicts_itself_on_sovereignty(assessed):
    contradiction = assessed["us-28-point-plan"].get("consequence.contradiction-sovereignty-annexation")
    assert {"input:sovereignty_affirmed", "input:recognition_of_annexation"} <= set(contradiction.premises)


def test_the_zaporizhzhia_split_is_derived_from_the_plants_capacity(assessed):
    split = assessed["us-28-point-plan"].get("consequence.npp-power-split")
    assert "2,850 MW of the plant's 5,700 MW" in split.sentence
    assert assessed["us-28-point-plan"].loaded.inputs["npp_capacity_lost_mw"].derived_from == (
        "npp_ukraine_power_share_pct", "ua.energy.znpp-capacity")


def test_conclusions_resting_on_a_value_the_sources_dispute_are_marked(assessed):
    document = assessed["us-28-point-plan"].to_json()
    lines = {c["id"]: c for c in document["findings"] + document["violations"] + document["requirements"] + document["consequences"]}
    legal_basis = lines["finding.election-legal-basis"]
    assert legal_basis["rests_on_disputed_value"]
    assert [d["baseline"] for d in legal_basis["disputed"]] == ["ua.elections.regular-presidential-due"]
    assert lines["finding.rome-statute-status"]["rests_on_disputed_value"]
    assert not lines["requirement.referendum-on-territory"]["rests_on_disputed_value"]


def test_a_scenario_may_take_the_seed_articles_value_as_an_assumption():
    import yaml
    scenario = yaml.safe_load(PLAN_28.read_text())
    scenario["assumptions"] = {"regular_election_due": {"value": "2029", "source": "seed-article"}}
    finding = ppexpert.assess(scenario, REPO / "knowledge").get("finding.election-legal-basis")
    assert "the election due 2029" in finding.sentence
    assert finding.disputed[0]["assumed"] and finding.disputed[0]["source"] == "seed-article"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppexpert", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_the_cli_reports_the_28_point_breaches_in_json():
    result = _cli("assess", str(PLAN_28.relative_to(REPO)), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    ids = {c["id"] for key in ("violations", "requirements", "commitments", "consequences") for c in document[key]}
    assert set(BREACHES_OF_28) <= ids
    assert {c["kind"] for c in document["requirements"]} == {"requirement"}
    assert "commitment.intl.helsinki-final-act.principle-iv" in {c["id"] for c in document["commitments"]}


def test_the_cli_reports_no_breach_for_the_peace_formula():
    result = _cli("assess", str(FORMULA.relative_to(REPO)), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["violations"] == []
    assert not set(BREACHES_OF_28) & {c["id"] for key in ("requirements", "consequences") for c in document[key]}


def test_the_cli_shows_the_20_point_frameworks_open_questions_in_text():
    result = _cli("assess", str(PLAN_20.relative_to(REPO)))
    assert result.returncode == 0, result.stderr
    assert "Impact on defence capability: MEDIUM" in result.stdout


def test_why_follows_a_gain_back_through_its_finding_to_the_article():
    result = _cli("why", str(PLAN_28.relative_to(REPO)), "consequence.russia-gains-territory", "--format", "json")
    assert result.returncode == 0, result.stderr
    text = json.dumps(json.loads(result.stdout))
    assert "ACT-RUSSIA-GAINS-TERRITORY" in text and "REG-RECOGNITION" in text
    assert "ua.constitution.art-2" in text and "zakon.rada.gov.ua" in text
