"""The "Why?" of the web page in words (present/readable.py, POST /api/explain): the rule that holds first and the
rules set aside after it; no internal id, snake_case name, Python dict, `<scenario>` placeholder or file path in
what a reader sees (those stay under `details`); figures one way; sources by title."""
from __future__ import annotations

import pytest
from _readable_checks import problems, visible
from fastapi.testclient import TestClient
from test_server_support import KNOWLEDGE, preset, with_parameters

from ppexpert.knowledge.shipped import examples
from ppexpert.present.readable import condition_words, value_words, why_for_reader
from ppexpert.reasoning import assess, knowledge_for
from ppexpert.web.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def kb():
    return knowledge_for(KNOWLEDGE)


def _conclusions(assessment) -> list[str]:
    doc = assessment.to_json()
    held = [c["id"] for kind in ("risks", "violations", "requirements", "commitments", "consequences", "findings")
            for c in doc.get(kind, [])]
    could = [rule.then.conclusion_id for rule in assessment.kb.rules]
    return list(dict.fromkeys(held + could))


@pytest.mark.parametrize("plan", sorted(examples(KNOWLEDGE)), ids=str)
def test_no_explanation_of_a_shipped_plan_shows_a_reader_an_id_a_dict_or_a_path(kb, plan):
    assessment = assess(examples(KNOWLEDGE)[plan], kb)
    found = {}
    for conclusion_id in _conclusions(assessment):
        for text in visible(why_for_reader(assessment, conclusion_id)):
            for problem in problems(text, set(kb.sources)):
                found.setdefault(problem, (conclusion_id, text[:160]))
    assert found == {}


@pytest.mark.parametrize("plan", sorted(examples(KNOWLEDGE)), ids=str)
def test_what_a_plan_leaves_open_reads_in_words(kb, plan):
    """The "Left open" of a card and of the report, and a conclusion's caveat: each input by its label (no
    us_commitment), each conclusion as a heading; the ids stay in `sentence`, `unknown` and `needs`."""
    doc = assess(examples(KNOWLEDGE)[plan], kb).to_json()
    texts = [u["words"] for u in doc["undetermined"]] + [line for area in doc["areas"] for line in area["open"]]
    texts += [caveat for kind in ("risks", "violations", "requirements", "commitments", "consequences", "findings")
              for c in doc[kind] for caveat in c["caveats"]]
    found = {problem: text for text in texts for problem in problems(text, set(kb.sources))}
    assert found == {}
    for entry in doc["undetermined"]:
        for name in entry["unknown"]:
            assert kb.parameters[name].title.lower() in entry["words"].lower()


def test_the_checks_catch_what_the_researchers_tree_shows(kb):
    """The derivation as /api/why gives it (for programs) holds every kind of thing a reader must not see: the
    checks are not vacuous."""
    assessment = assess(with_parameters(preset("seed-calculator"), military_cap={"troops": 600000}), kb)
    texts = " ".join(visible(assessment.why("risk.defence"), skip=()))
    kinds = {problem.split(":")[0] for problem in problems(texts, set(kb.sources))}
    assert {"snake_case name", "Python dict", "<scenario> placeholder", "rule id", "conclusion id",
            "figure without its thousands separator"} <= kinds


def test_the_rule_that_holds_comes_first_and_rules_set_aside_after_it(kb):
    assessment = assess(examples(KNOWLEDGE)["us-28-point-plan"], kb)
    reader = why_for_reader(assessment, "risk.overall")
    roles = [rule["role"] for rule in reader["rules"]]
    assert roles[0] == "holds" and "set aside" in roles
    assert roles == sorted(roles, key=lambda role: role != "holds")
    aside = next(rule for rule in reader["rules"] if rule["role"] == "set aside")
    assert aside["verdict"].startswith("The rule “") and "takes precedence" in aside["verdict"]
    assert aside["details"]["rule"].startswith("OVR-")  # the id, for researchers
    assert reader["headline"] == f"Overall risk: {assessment.get('risk.overall').level} risk"


def test_values_and_tests_in_words(kb):
    assert value_words(kb, "military_cap", {"troops": 600000}) == "head count: 600,000 troops"
    assert value_words(kb, "military_cap", {"pct_of_current": 40}) == "share of today's strength: 40%"
    assert value_words(kb, "military_cap", None) == "no cap"
    assert value_words(kb, "territory_ceded_pct", "unknown") == "not stated by the plan"
    assert value_words(kb, "territory_ceded_pct", 19.25) == "19.2%"
    assert value_words(kb, "ua.armed-forces.personnel", 880000) == "880,000 troops"
    rule = kb.rules_by_id["SOV-ART-73"]
    assert condition_words(kb, rule.when[0]) == "Share of Ukraine's territory (1991 borders) left under Russian " \
                                                "control is above 0%"


def test_an_assumed_value_names_its_source_by_title(kb):
    assessment = assess(examples(KNOWLEDGE)["seed-calculator"], kb)
    reader = why_for_reader(assessment, "risk.defence")
    notes = [t for t in visible(reader) if t.startswith("the plan assumes this value, from ")]
    assert notes and kb.sources["seed-article"].title in notes[0]


def test_why_not_in_words_says_which_test_fails_with_the_plan_s_value(kb):
    scenario = with_parameters(preset("seed-calculator"), territory_ceded_pct=0)
    reader = why_for_reader(assess(scenario, kb), "violation.ua.constitution.art-2")
    assert reader["holds"] is False
    failed = [t for rule in reader["rules"] for t in rule["tests"] if not t["holds"]]
    assert any(t["text"].startswith("Share of Ukraine's territory") and t["actual"] == "0%" for t in failed)


def test_api_explain_answers_the_reader_s_derivation_and_422_for_an_unknown_id():
    client = TestClient(create_app(KNOWLEDGE))
    scenario = preset("seed-calculator")
    answer = client.post("/api/explain", json={"scenario": scenario, "id": "risk.defence"})
    assert answer.status_code == 200
    assert answer.json() == why_for_reader(assess(scenario, KNOWLEDGE), "risk.defence")
    assert client.post("/api/explain", json={"scenario": scenario, "id": "risk.weather"}).status_code == 422
