"""Comparison of scenarios (compare.py): rows side by side, and what appears, disappears or changes level, with
the reason from both traces. Scenarios are mappings built here, so the tests do not depend on example files."""
from __future__ import annotations

import pytest
from test_report_support import ROOT, from_the_project_folder, kb  # noqa: F401  (shared fixtures)

from test_server_support import KNOWLEDGE

from ppexpert import assess
from ppexpert.knowledge.shipped import examples
from ppexpert.present.compare import compare
from ppexpert.present.report import build_report, render_report

HARSH = {"id": "harsh", "title": "Harsh plan",
         "parameters": {"territory_ceded_pct": 20, "recognition_of_annexation": "de-jure",
                        "military_cap": {"troops": 600000}, "election_within_days": 100,
                        "war_crimes_amnesty": "full", "us_commitment": "vague",
                        # stated: an unstated waiver of claims could breach GC Art. 148, which the scale's floor
                        # makes a high accountability risk, so the milder plans' low would be open
                        "waiver_of_claims": False}}
MILDER = {"id": "milder", "title": "Milder plan",
          "parameters": {**HARSH["parameters"], "war_crimes_amnesty": "none", "military_cap": {"troops": 800000}}}
RESTORING = {"id": "restoring", "title": "Restoring plan",
             "parameters": {"territory_ceded_pct": 0, "military_cap": None, "election_within_days": None,
                            "war_crimes_amnesty": "none", "us_commitment": "treaty", "waiver_of_claims": False}}


@pytest.fixture(scope="module")
def assessed(kb):
    return {m["id"]: assess(m, kb) for m in (HARSH, MILDER, RESTORING)}


def _change(step: dict, cid: str) -> dict:
    for key in ("changed", "appeared", "disappeared", "restated"):
        for change in step[key]:
            if change["id"] == cid:
                return change
    raise AssertionError(f"{cid} does not change in this step")


def test_a_lower_level_is_reported_with_the_reason_from_both_traces(assessed):
    harsh, milder = assessed["harsh"], assessed["milder"]
    assert harsh.get("risk.accountability").level != milder.get("risk.accountability").level
    step = compare([harsh, milder])["steps"][0]
    change = _change(step, "risk.accountability")
    assert change in step["changed"]
    assert change["direction"] == "lowered"
    assert (change["from"], change["to"]) == ("high", "low")
    before, after = change["before"], change["after"]
    assert before["sentence"] == harsh.get("risk.accountability").sentence
    assert any(m["test"] == "war_crimes_amnesty is full" for m in before["matched"])
    assert any("war_crimes_amnesty = none" in m["text"] for m in after["matched"])
    assert before["verdicts_title"] == "why not low here"
    assert any("does not apply" in v["text"] and "(it is full)" in v["text"] for v in before["verdicts"])
    assert after["verdicts_title"] == "why not high here"
    assert any("(it is none)" in v["text"] for v in after["verdicts"])


def test_a_conclusion_that_no_longer_holds_says_which_test_fails_in_the_second_scenario(assessed):
    step = compare([assessed["harsh"], assessed["restoring"]])["steps"][0]
    change = _change(step, "violation.ua.constitution.art-2")
    assert change in step["disappeared"] and change["direction"] == "disappears"
    assert change["before"]["holds"] and not change["after"]["holds"]
    assert change["after"]["verdicts_title"] == "why it does not hold here"
    assert any("territory_ceded_pct" in v["text"] and "(it is 0)" in v["text"] for v in change["after"]["verdicts"])
    assert change["before"]["verdicts"] == []


def test_a_conclusion_that_appears_has_the_first_scenarios_failing_test_and_the_second_ones_sentence(assessed):
    step = compare([assessed["restoring"], assessed["harsh"]])["steps"][0]
    change = _change(step, "violation.ua.constitution.art-2")
    assert change in step["appeared"] and change["direction"] == "appears"
    assert not change["before"]["holds"] and change["before"]["verdicts"]
    assert change["after"]["sentence"] == assessed["harsh"].get("violation.ua.constitution.art-2").sentence


def test_a_derived_line_with_other_values_is_reported_with_both_sentences(assessed):
    step = compare([assessed["harsh"], assessed["milder"]])["steps"][0]
    change = _change(step, "finding.post-plan-limit")
    assert change in step["restated"] and change["direction"] == "restated"
    assert change["text"] == "finding.post-plan-limit holds in both, with other values"
    assert change["before"]["sentence"].startswith("600,000 troops")
    assert change["after"]["sentence"].startswith("800,000 troops")
    assert change["before"]["verdicts"] == change["after"]["verdicts"] == []


def test_identical_scenarios_change_nothing(assessed):
    harsh = assessed["harsh"]
    step = compare([harsh, harsh])["steps"][0]
    assert step["changed"] == step["appeared"] == step["disappeared"] == step["restated"] == []
    assert step["inputs_changed"] == []
    assert step["unchanged"] == len(harsh.conclusions)


def test_rows_hold_each_scenarios_level_and_say_whether_they_agree(assessed):
    result = compare([assessed["harsh"], assessed["milder"], assessed["restoring"]])
    assert [s["id"] for s in result["scenarios"]] == ["harsh", "milder", "restoring"]
    assert len(result["steps"]) == 2
    rows = {row["id"]: row for row in result["conclusions"]}
    assert result["conclusions"][0]["id"] == "risk.overall"
    assert set(rows) == {cid for a in assessed.values() for cid in a.conclusions}
    accountability = rows["risk.accountability"]
    assert [c["shown"] for c in accountability["cells"]] == ["high", "low", "low"]
    assert accountability["same"] is False
    art2 = rows["violation.ua.constitution.art-2"]
    assert [c["holds"] for c in art2["cells"]] == [True, True, False]
    inputs = {row["name"]: row for row in result["inputs"]}
    assert [c["shown"] for c in inputs["war_crimes_amnesty"]["cells"]] == ["full", "none", "none"]
    assert inputs["territory_ceded_pct"]["cells"][0]["shown"] == "20%"  # figures with their unit, one way
    assert inputs["military_cap_pct"]["derived"] is True


def test_inputs_that_differ_between_two_scenarios_are_listed(assessed):
    step = compare([assessed["harsh"], assessed["milder"]])["steps"][0]
    changed = {i["name"]: i for i in step["inputs_changed"]}
    assert changed["war_crimes_amnesty"]["from"] == "full" and changed["war_crimes_amnesty"]["to"] == "none"
    assert "territory_ceded_pct" not in changed
    assert changed["military_cap_troops"]["derived"] is True


def test_a_comparison_needs_two_scenarios(assessed):
    with pytest.raises(ValueError):
        compare([assessed["harsh"]])


def test_a_report_of_two_scenarios_renders_the_comparison_in_every_format(assessed):
    document = build_report([assessed["harsh"], assessed["restoring"]])
    assert document["comparison"] == compare([assessed["harsh"], assessed["restoring"]])
    assert document["title"] == "Comparison: Harsh plan / Restoring plan"
    html = render_report(document, "html")
    assert "From “Harsh plan” to “Restoring plan”" in html
    assert "Violation of Constitution of Ukraine (1996, as amended), Art. 2</a> · Constitutional impact: holds → " in html
    markdown = render_report(document, "md")
    assert "### From “Harsh plan” to “Restoring plan”" in markdown
    assert "violation.ua.constitution.art-2 no longer holds" in markdown
    assert "why it does not hold here" in markdown
    assert build_report([assessed["harsh"]])["comparison"] is None


def test_comparing_the_example_files_through_the_cli(tmp_path):
    """The examples that exist today; the 20-point framework joins them when it is written."""
    from ppexpert.cli import main

    examples = [p for p in ("examples/seed-calculator.yaml", "examples/us-28-point-plan.yaml",
                            "examples/ukraine-peace-formula.yaml", "examples/20-point-framework-2025-12.yaml")
                if (ROOT / p).is_file()]
    assert len(examples) >= 2
    out = tmp_path / "compare.html"
    assert main(["report", *examples, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.count('<section class="step"') == len(examples) - 1


def test_where_a_plan_is_silent_the_comparison_says_open_not_stated_and_names_inputs_in_words():
    plans = examples(KNOWLEDGE)
    us, formula = (assess(plans[name], KNOWLEDGE) for name in ("us-28-point-plan", "ukraine-peace-formula"))
    silent = [name for name, value in formula.loaded.inputs.items() if value.origin == "not-stated"]
    assert silent
    result = compare([us, formula])
    rows = {row["name"]: row for row in result["inputs"]}
    for name in silent:
        assert rows[name]["cells"][1]["shown"] == "open (not stated)"
    assert rows["military_cap"]["cells"][0]["shown"] == "head count: 600,000 troops"  # not {'troops': 600000}
    html = render_report(build_report([us, formula]), "html")
    assert "open (not stated)" in html and "{'" not in html
    assert f"<code>{silent[0]}" not in html  # the inputs' rows are headed by their titles
