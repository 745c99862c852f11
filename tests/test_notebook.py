"""Notebooks: an Assessment prints as one line, shows its area cards as HTML, and becomes a DataFrame with one row
per conclusion; ppexpert.compare puts plans side by side."""
from __future__ import annotations

import html

import ppexpert

PLAN = "us-28-point-plan"


def test_the_repr_is_one_short_line_with_the_overall_and_area_levels():
    assessment = ppexpert.assess(PLAN)
    text = repr(assessment)
    assert "\n" not in text and len(text) < 400
    assert text.startswith(f"<Assessment {PLAN}: overall {assessment.overall.level}; ")
    for risk in assessment.risks:
        assert f"{risk.area} {risk.level}" in text
    assert f"{len(assessment.by_kind('violation'))} violations" in text


def test_the_html_shows_a_card_per_area_with_its_level_and_lines():
    assessment = ppexpert.assess(PLAN)
    page = assessment._repr_html_()
    document = assessment.to_json()
    for area in document["areas"]:
        assert html.escape(area["title"]) in page
        for line in area["lines"]:
            assert html.escape(line["text"]) in page
    assert page.count('border:1px solid #ccc') == len(document["areas"])
    assert f">{assessment.overall.level.upper()}</span>" in page


def test_to_frame_has_one_row_per_conclusion():
    assessment = ppexpert.assess(PLAN)
    frame = assessment.to_frame()
    assert sorted(frame.index) == sorted(assessment.conclusions)
    assert frame.loc["risk.accountability", "level"] == assessment.get("risk.accountability").level
    assert frame.loc["risk.accountability", "rule"] == assessment.get("risk.accountability").rule
    assert set(frame["kind"]) <= {"risk", "violation", "requirement", "commitment", "consequence", "finding"}
    assert "Rome Statute" in " ".join(frame.loc[frame["area"] == "accountability", "sources"])


def test_compare_puts_plans_side_by_side():
    plans = ["seed-calculator", PLAN, "ukraine-peace-formula"]
    frame = ppexpert.compare(plans)
    assert list(frame.columns) == plans
    for plan in plans:
        assessment = ppexpert.assess(plan)
        assert frame[plan].dropna().to_dict() == {c.id: c.level or "holds" for c in assessment.conclusions.values()}
