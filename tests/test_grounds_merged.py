"""A requirement several rules conclude keeps every ground's parts (issue 10 §3 and §5: the step, what bars or
conditions it and how it could be met, merged across grounds, not the first rule's alone); a conclusion whose
citations are all context says in the reports and the terminal that it has no legal basis of its own."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from ppexpert.present.report import build_report, render_report
from ppexpert.present.text import render_assessment, render_why, to_text
from ppexpert.reasoning import assess, assess_loaded, cellcache, knowledge_for

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "us-28-point-plan.yaml"

# a second ground for the election under martial law: the Rada's own term (Constitution Art. 83(4))
SECOND_GROUND = """
rules:
  - id: ELE-TEST-RADA-TERM
    title: An election deadline while martial law lasts meets the Rada's extended term
    rests_on: [ua.constitution.art-83, ua.martial-law.in-force]
    when:
      - input: election_within_days
        at_least: 0
      - fact: ua.martial-law.in-force
        is: true
    then:
      requirement: election-under-martial-law
      step: "an election of the Rada within {election_within_days} days"
      conditioned_by: [ua.constitution.art-83]
      met_by: only after martial law ends, when the Rada's extended term runs out (Art. 83(4))
      area: elections
      label: Martial law
    because: "The Rada's term runs until a new Rada meets after martial law ends (Art. 83(4))"
"""


@pytest.fixture(scope="module")
def two_grounds(tmp_path_factory):
    root = tmp_path_factory.mktemp("grounds") / "knowledge"
    shutil.copytree(ROOT / "knowledge", root)
    (root / "rules" / "zz-test.yaml").write_text(textwrap.dedent(SECOND_GROUND).lstrip())
    return knowledge_for(root)


def test_a_requirement_on_two_grounds_keeps_each_grounds_step_bar_condition_and_way_to_meet_it(two_grounds):
    result = assess(PLAN, two_grounds)
    requirement = result.get("requirement.election-under-martial-law")
    assert requirement.rules == ("ELE-MARTIAL-LAW-BAN", "ELE-TEST-RADA-TERM")
    parts = requirement.requirement
    assert parts["step"] == "a presidential election within 100 days; and an election of the Rada within 100 days"
    assert parts["met_by"].startswith("by ending martial law before the vote")
    assert parts["met_by"].endswith("; and only after martial law ends, when the Rada's extended term runs out (Art. 83(4))")
    assert [c["ref"] for c in parts["barred_by"]] == ["ua.martial-law.art-19"]
    assert [c["ref"] for c in parts["conditioned_by"]] == ["ua.constitution.art-83"]
    text = " ".join(to_text(render_assessment, result.to_json()).split())
    assert "an election of the Rada within 100 days" in text and "Rada's extended term runs out" in text


def test_the_cell_cache_fills_every_grounds_parts_with_the_new_values(two_grounds, monkeypatch):
    monkeypatch.delenv("PPEXPERT_CELL_CACHE", raising=False)
    cellcache.clear()
    plan = yaml.safe_load(PLAN.read_text())
    assess(plan, two_grounds)
    plan["parameters"]["sequence"]["elections"]["within_days"] = 90  # the same cell, another number
    cached = assess(plan, two_grounds)
    fresh = assess_loaded(cached.loaded, two_grounds, cache=False)
    assert cached.to_json() == fresh.to_json()
    assert "an election of the Rada within 90 days" in cached.get("requirement.election-under-martial-law").requirement["step"]


def test_a_single_ground_keeps_its_own_parts_unchanged():
    requirement = assess(PLAN, knowledge_for(ROOT / "knowledge")).get("requirement.election-under-martial-law")
    assert requirement.rules == ("ELE-MARTIAL-LAW-BAN",)
    assert requirement.requirement["step"] == "a presidential election within 100 days"
    assert "; and " not in requirement.requirement["met_by"]


def test_a_conclusion_cited_only_for_context_says_it_has_no_legal_basis_of_its_own():
    result = assess(PLAN, knowledge_for(ROOT / "knowledge"))
    enforcement = result.get("risk.enforcement")  # ENF-RISK-*: Budapest para. 4, an analogy, is context
    assert enforcement.sources and all(s["role"] == "context" for s in enforcement.sources)
    report = build_report([result])
    markdown, html = render_report(report, "md"), render_report(report, "html")
    assert f"{enforcement.sentence} (no legal basis of its own)" in " ".join(markdown.split())
    assert f'{enforcement.sentence} <span class="no-basis">(no legal basis of its own)</span>' in " ".join(html.split())
    for text in (markdown, html):
        assert "no legal basis of its own: what it cites is context, not a basis" in text
        assert "no legal basis of its own: it follows from the conclusions above" in text  # the overall risk
    # a conclusion with a basis never says so
    art_2 = result.get("violation.ua.constitution.art-2")
    assert f"{art_2.sentence} (no legal basis" not in " ".join(markdown.split())
    terminal = " ".join(to_text(render_assessment, result.to_json()).split())
    assert ("The United States is compensated for its security guarantee. no legal basis of its own | context, not a "
            "basis: The North Atlantic Treaty, Art. 5") in terminal
    why = " ".join(to_text(render_why, result.why("risk.enforcement")).split())
    assert "no legal basis of its own: what it cites is context, not a basis" in why


def test_the_reports_show_the_floor_as_a_step_of_the_derivation():
    plan = {"id": "floored", "title": "Floored", "date": "2025-11-20",
            "parameters": {"territory_ceded_pct": 5, "recognition_of_annexation": "de-jure"}}
    report = build_report([assess(plan, knowledge_for(ROOT / "knowledge"))])
    for fmt in ("md", "html"):
        text = " ".join(render_report(report, fmt).split())
        assert "floor: the scale makes the area at least high because" in text and "SOV-ART-2" in text
        assert "scale.yaml:" in text


def test_a_shipped_plan_names_its_parties_and_a_shipped_sentence_shows_them():
    kb = knowledge_for(ROOT / "knowledge")
    naming = {rule.id for rule in kb.rules if "{plan.parties}" in rule.because}
    assert naming, "no shipped rule sentence uses {plan.parties}"
    shown = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        parties = yaml.safe_load(path.read_text()).get("parties") or []
        if not parties:
            continue
        joined = parties[0] if len(parties) == 1 else ", ".join(parties[:-1]) + " and " + parties[-1]
        for conclusion in assess(path, kb).conclusions.values():
            for ground in conclusion.grounds:
                if ground.rule in naming:
                    assert joined in ground.because and "{plan.parties}" not in ground.because
                    shown.append((path.name, ground.rule))
    assert ("istanbul-communique-2022-03.yaml", "GUA-AGGRESSOR-AS-GUARANTOR") in shown
    # a plan that names no parties reads "the parties"
    plan = yaml.safe_load((ROOT / "examples" / "istanbul-communique-2022-03.yaml").read_text())
    del plan["parties"]
    sentence = assess(plan, kb).get("consequence.aggressor-as-guarantor").sentence
    assert sentence.startswith("In a settlement between the parties, Russia")
