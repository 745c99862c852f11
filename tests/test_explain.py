"""explain.py: why (proof tree to the cited articles), why-not (failed test with its value, or defeat), what-if."""
import pytest
from _support import EXAMPLES, MINI_KB, mini_scenario

from ppexpert import InputError, assess
from ppexpert.reasoning import knowledge_for


@pytest.fixture(scope="module")
def mini():
    return knowledge_for(MINI_KB)


def _walk(node):
    yield node
    for derivation in node.get("derivations", []):
        yield derivation
        for premise in derivation["premises"]:
            yield from _walk(premise)
    for child in node.get("children", []):
        yield from _walk(child)


def test_why_goes_from_the_conclusion_through_the_rule_to_inputs_and_cited_articles(mini):
    tree = assess(mini_scenario(ceded=20), mini).why("risk.land")
    assert tree["text"] == "risk.land = high: 20% of 100 km2 ceded."
    (derivation,) = tree["derivations"]
    assert derivation["rule"] == "LAND-HIGH" and derivation["at"].endswith("rules/land.yaml:33:5")
    (premise,) = derivation["premises"]
    assert premise["type"] == "input" and premise["value"] == 20 and premise["test"] == "ceded is at least 10"
    refs = {c["ref"]: c for c in derivation["rests_on"]}
    assert refs["xx.charter.art-1"]["locator"] == "Art. 1"
    assert refs["xx.charter.art-1"]["address"] == "https://example.org/charter"
    assert tree["defeated"][0]["rule"] == "LAND-MEDIUM"


def test_why_follows_conclusions_that_rest_on_other_conclusions(mini):
    tree = assess(mini_scenario(ceded=20, mood="tense"), mini).why("consequence.unrest")
    nested = [n for n in _walk(tree) if n.get("type") == "conclusion" and n is not tree]
    assert nested[0]["id"] == "violation.xx.charter.art-2"
    assert nested[0]["derivations"][0]["rule"] == "LAND-NO-VOTE"


def test_why_of_the_seed_calculators_accountability_reaches_the_rome_statute():
    tree = assess(EXAMPLES / "seed-calculator.yaml").why("risk.accountability")
    cited = {c["ref"] for n in _walk(tree) for c in n.get("rests_on", [])}
    context = {c["ref"] for n in _walk(tree) for c in n.get("context", [])}
    assert {"intl.rome-statute.art-17", "intl.geneva-convention-iv.art-146"} <= cited
    assert "intl.rome-statute.preamble" in context and "intl.rome-statute.preamble" not in cited
    inputs = {n["name"]: n["value"] for n in _walk(tree) if n.get("type") == "input"}
    assert inputs["war_crimes_amnesty"] == "full"


def test_why_of_a_conclusion_that_does_not_hold_explains_why_not(mini):
    tree = assess(mini_scenario(ceded=0), mini).why("violation.xx.charter.art-1")
    assert tree["holds"] is False
    assert tree["why_not"]["rules"][0]["tests"][0] == {"test": "ceded is above 0", "holds": False, "actual": "0",
                                                       "unknown": False}


def test_why_not_names_the_failed_test_and_the_actual_value(mini):
    result = assess(mini_scenario(ceded=20), mini).why_not("risk.land", "critical")
    assert result["holds"] is False and result["current_level"] == "high"
    (rule,) = result["rules"]
    assert rule["rule"] == "LAND-CRITICAL"
    assert rule["verdict"] == "LAND-CRITICAL does not apply: ceded is at least 50 fails (it is 20)"


def test_why_not_names_the_exception_that_defeated_a_rule(mini):
    result = assess(mini_scenario(ceded=60), mini).why_not("risk.land", "high")
    (rule,) = result["rules"]
    assert rule["defeated_by"] == "LAND-CRITICAL"
    assert "LAND-CRITICAL overrides it" in rule["verdict"]


def test_why_not_marks_tests_on_unknown_inputs(mini):
    result = assess(mini_scenario(ceded=20), mini).why_not("consequence.unrest")
    test = result["rules"][0]["tests"][1]
    assert test["unknown"] is True and test["actual"] == "unknown"


def test_what_if_finds_the_nearest_threshold_that_changes_a_level(mini):
    result = assess(mini_scenario(ceded=20), mini).what_if("risk.land")
    assert result["now"] == "high"
    nearest = result["changes"][0]
    assert nearest["input"] == "ceded" and nearest["result"] == "medium"
    assert nearest["to"] == 9.5  # just below the high threshold (10), nearer than 50


def test_what_if_on_the_seed_calculator_moves_sovereignty_to_critical_at_25_percent():
    result = assess(EXAMPLES / "seed-calculator.yaml").what_if("risk.sovereignty")
    assert result["changes"][0]["input"] == "territory_ceded_pct"
    assert result["changes"][0]["to"] == 25 and result["changes"][0]["result"] == "critical"


def test_asking_about_a_conclusion_no_rule_draws_is_an_input_error(mini):
    with pytest.raises(InputError, match="no rule concludes 'risk.weather'"):
        assess(mini_scenario(ceded=20), mini).why("risk.weather")
