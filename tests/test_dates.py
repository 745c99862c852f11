"""Law and facts as of a date: the scenario's date by default, --as-of (or `as_of`) otherwise. A baseline takes
the value recorded for the day, or is unknown; a rule whose legal basis is not in force on the day does not fire."""
import datetime as dt

import pytest
from fastapi.testclient import TestClient

from _support import EXAMPLES, KNOWLEDGE, run_cli
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.reasoning import assess, knowledge_for
from ppexpert.web.server import create_app

PLAN_28 = EXAMPLES / "us-28-point-plan.yaml"
BEFORE_THE_WAR = dt.date(2021, 6, 1)
MARTIAL_LAW = ("requirement.election-under-martial-law", "consequence.lift-martial-law-first")


@pytest.fixture(scope="module")
def kb():
    return knowledge_for(KNOWLEDGE)


def test_the_scenario_date_is_the_default_day_and_the_document_names_it(kb):
    assessment = assess(PLAN_28, kb)
    assert assessment.to_json()["as_of"] == "2025-11-20"
    assert all(assessment.get(cid) is not None for cid in MARTIAL_LAW)


def test_the_28_point_plan_as_of_june_2021_has_no_martial_law_conclusion(kb):
    assessment = assess(PLAN_28, kb, BEFORE_THE_WAR)
    document = assessment.to_json()
    assert document["as_of"] == "2021-06-01"
    assert [cid for cid in MARTIAL_LAW if assessment.get(cid)] == []
    assert not any("martial-law" in c["id"] for key in ("violations", "requirements", "consequences") for c in document[key])
    assert assessment.loaded.baselines["ua.martial-law.in-force"].value is False


def test_a_dated_baseline_takes_the_value_of_the_day_or_is_unknown(kb):
    martial_law = kb.baselines["ua.martial-law.in-force"]
    assert martial_law.value_on(dt.date(2021, 6, 1)) is False
    assert martial_law.value_on(dt.date(2022, 2, 24)) is True
    assert martial_law.value_on(dt.date(2010, 1, 1)) == UNKNOWN  # nothing recorded for that day
    assert martial_law.value_on(None) is True  # no day: the knowledge base's current value
    state_party = kb.baselines["intl.icc.ukraine-state-party"]
    assert (state_party.value_on(dt.date(2024, 12, 31)), state_party.value_on(dt.date(2025, 1, 1))) == (False, True)


def test_an_undated_baseline_still_loads_and_holds_on_every_day(kb):
    occupied = kb.baselines["ua.territory.occupied-share"]
    assert not occupied.dated
    assert assess(PLAN_28, kb, BEFORE_THE_WAR).loaded.baselines[occupied.id].value == occupied.value


def test_troop_strengths_with_no_value_for_the_day_leave_the_ratios_unknown(kb):
    assessment = assess(PLAN_28, kb, BEFORE_THE_WAR)
    assert assessment.loaded.baselines["ua.armed-forces.personnel"].value == UNKNOWN
    assert assessment.loaded.inputs["military_cap_pct"].value == UNKNOWN
    assert assessment.get("finding.post-plan-limit") is None
    assert round(assess(PLAN_28, kb).loaded.inputs["military_cap_pct"].value, 1) == 68.2


def test_why_not_names_the_dates_of_a_legal_basis_not_in_force(kb):
    result = assess(PLAN_28, kb, BEFORE_THE_WAR).why_not("finding.rome-statute-status")
    assert result["as_of"] == "2021-06-01"
    verdict = next(r["verdict"] for r in result["rules"] if r["rule"] == "ACC-ROME-STATUS")
    assert "legal basis in force on 2021-06-01 fails" in verdict
    assert "in force from 2025-01-01" in verdict


def test_a_rule_that_would_fire_does_not_when_its_basis_is_not_yet_in_force(kb):
    # The 2019 amendment (Art. 102(3)) is in force from 2019-02-21; with martial law assumed on a day before it,
    # the rule resting on it would fire, but its basis does not apply yet.
    scenario = {"id": "early", "title": "An early plan", "date": "2018-06-01",
                "parameters": {"nato_non_membership": "constitutional", "martial_law_lifted_first": False},
                "assumptions": {"martial_law_in_force": {"value": True, "source": "ua-decree-64-2022-martial-law"}}}
    early = assess(scenario, kb)
    defeat = next(d for d in early.defeats if d.rule == "CON-ART-157-MARTIAL-LAW")
    assert defeat.by == "not-in-force"
    assert "not in force on 2018-06-01" in defeat.reason and "in force from 2019-02-21" in defeat.reason
    amendment = early.get("requirement.amendment-under-martial-law")
    assert amendment is None or "CON-ART-157-MARTIAL-LAW" not in amendment.rules
    later = assess({**scenario, "date": "2019-06-01"}, kb)
    assert "CON-ART-157-MARTIAL-LAW" in later.get("requirement.amendment-under-martial-law").rules


def test_as_of_overrides_the_scenario_date_in_a_mapping_and_as_an_argument(kb):
    scenario = {"id": "s", "title": "S", "date": "2025-11-20", "parameters": {"election_within_days": 100}}
    assert assess(scenario, kb).get("requirement.election-under-martial-law") is not None
    assert assess({**scenario, "as_of": "2021-06-01"}, kb).get("requirement.election-under-martial-law") is None
    assert assess(scenario, kb, BEFORE_THE_WAR).get("requirement.election-under-martial-law") is None


def test_the_cli_takes_as_of_and_names_the_day():
    result = run_cli("assess", str(PLAN_28), "--as-of", "2021-06-01")
    assert result.returncode == 0, result.stderr
    assert "Law and facts as of 2021-06-01" in result.stdout
    assert "requirement.election-under-martial-law" not in result.stdout
    why_not = run_cli("why-not", str(PLAN_28), "finding.rome-statute-status", "--as-of", "2021-06-01")
    assert "in force from 2025-01-01" in why_not.stdout
    report = run_cli("report", str(PLAN_28), "--format", "md", "--as-of", "2021-06-01")
    assert "Law and facts as of: 2021-06-01" in report.stdout
    bad = run_cli("assess", str(PLAN_28), "--as-of", "June 2021")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_the_web_api_takes_as_of_in_the_scenario():
    client = TestClient(create_app(KNOWLEDGE))
    scenario = {"id": "s", "title": "S", "date": "2025-11-20", "as_of": "2021-06-01",
                "parameters": {"election_within_days": 100}}
    document = client.post("/api/assess", json=scenario).json()
    assert document["as_of"] == "2021-06-01"
    assert document["violations"] == []
    bad = client.post("/api/assess", json={**scenario, "as_of": "not a day"})
    assert bad.status_code == 422


def test_check_refuses_overlapping_periods_and_an_unknown_source(tmp_path):
    import shutil

    from ppexpert.check import load_knowledge
    from ppexpert.knowledge.problems import InputError

    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    path = copy / "baselines" / "ua" / "martial-law.yaml"
    text = path.read_text()
    broken = text.replace("{from: 2022-02-24, value: true, source: ua-decree-64-2022-martial-law",
                          "{from: 2022-02-01, value: true, source: no-such-source")
    assert broken != text
    path.write_text(broken)
    with pytest.raises(InputError) as error:
        load_knowledge(copy)
    messages = [p.message for p in error.value.problems]
    assert any("overlaps 2018-12-27 to 2022-02-23" in m for m in messages), messages
    assert any("no-such-source" in m for m in messages), messages
