"""Named precedence: `overrides` (transitively), `unless` exceptions, and defeats cascading to what rested on them.

Each test builds a small knowledge base (the broken fixtures' valid base, with its own rules) and assesses
scenarios given as mappings.
"""
import shutil
import textwrap
from pathlib import Path

import pytest

from ppexpert import assess, load_knowledge

BASE = Path(__file__).parent / "fixtures" / "broken" / "_base"

RULES = """
rules:
  - id: LOW
    title: Nothing ceded is low
    rests_on: [xx.charter.art-1]
    when: [{input: ceded, at_most: 0}]
    then: {risk: land, level: low}
    because: Nothing ceded.
  - id: MEDIUM
    title: Any land ceded is medium
    rests_on: [xx.charter.art-1]
    when: [{input: ceded, above: 0}]
    then: {risk: land, level: medium}
    because: Some land ceded.
  - id: HIGH
    title: A tense mood makes any cession high
    rests_on: [xx.charter.art-1]
    overrides: [MEDIUM]
    when: [{input: ceded, above: 0}, {input: mood, is: tense}]
    then: {risk: land, level: high}
    because: Ceding land in a tense mood.
  - id: TOP
    title: Half the land ceded is high whatever the mood
    rests_on: [xx.charter.art-1]
    overrides: [HIGH]
    when: [{input: ceded, at_least: 50}]
    then: {risk: land, level: high}
    because: Half ceded.
  - id: BREACH
    title: Ceding land breaches art. 1 unless the mood is calm
    rests_on: [xx.charter.art-1]
    when: [{input: ceded, above: 0}]
    unless: [{input: mood, is: calm}]
    unless_reason: a calm mood means the cession was agreed
    then: {violation: xx.charter.art-1, area: land}
    because: Ceding breaches art. 1.
  - id: AFTERMATH
    title: A breach has consequences
    rests_on: [xx.charter.art-1]
    when: [{conclusion: violation.xx.charter.art-1}]
    then: {consequence: aftermath, area: land}
    because: The breach has an aftermath.
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("precedence") / "knowledge"
    shutil.copytree(BASE, root)
    (root / "rules" / "land.yaml").write_text(textwrap.dedent(RULES))
    return load_knowledge(root)


def scenario(**parameters) -> dict:
    return {"id": "p", "title": "Precedence", "parameters": parameters}


def test_the_overriding_rule_wins_and_the_defeat_names_both_rules(kb):
    result = assess(scenario(ceded=10, mood="tense"), kb)
    assert result.get("risk.land").level == "high"
    assert result.get("risk.land").rules == ("HIGH",)
    defeat = next(d for d in result.defeats if d.rule == "MEDIUM")
    assert defeat.by == "HIGH"
    assert defeat.reason == ("MEDIUM would conclude risk.land = medium; HIGH overrides it: "
                             "A tense mood makes any cession high")


def test_overrides_are_transitive_when_the_middle_rule_does_not_fire(kb):
    result = assess(scenario(ceded=60, mood="calm"), kb)  # TOP fires; HIGH does not (calm); MEDIUM does
    assert [f.rule for f in result.firings if f.rule in ("TOP", "HIGH", "MEDIUM")].count("HIGH") == 0
    defeat = next(d for d in result.defeats if d.rule == "MEDIUM")
    assert defeat.by == "TOP"
    assert defeat.reason == ("MEDIUM would conclude risk.land = medium; TOP overrides it (through HIGH): "
                             "Half the land ceded is high whatever the mood")
    assert result.get("risk.land").rules == ("TOP",)


def test_every_rule_below_the_winner_is_defeated_in_a_chain(kb):
    result = assess(scenario(ceded=60, mood="tense"), kb)
    assert {(d.rule, d.by) for d in result.defeats if d.conclusion == "risk.land"} == {("HIGH", "TOP"),
                                                                                       ("MEDIUM", "TOP")}


def test_without_the_overrider_firing_the_overridden_rule_stands(kb):
    result = assess(scenario(ceded=10, mood="calm"), kb)
    assert result.get("risk.land").level == "medium"
    assert not [d for d in result.defeats if d.conclusion == "risk.land"]


def test_an_exception_that_holds_defeats_the_rule_with_its_reason(kb):
    result = assess(scenario(ceded=10, mood="calm"), kb)
    assert result.get("violation.xx.charter.art-1") is None
    defeat = next(d for d in result.defeats if d.rule == "BREACH")
    assert defeat.by == "unless"
    assert "its exception holds: a calm mood means the cession was agreed" in defeat.reason


def test_an_exception_that_does_not_hold_leaves_the_rule_standing(kb):
    result = assess(scenario(ceded=10, mood="tense"), kb)
    assert result.get("violation.xx.charter.art-1") is not None
    assert result.get("consequence.aftermath") is not None


def test_an_unknown_exception_input_does_not_defeat_the_rule(kb):
    result = assess(scenario(ceded=10), kb)  # mood unknown: the exception is not shown to hold
    assert result.get("violation.xx.charter.art-1") is not None


def test_a_conclusion_resting_on_a_defeated_one_does_not_stand(kb):
    result = assess(scenario(ceded=10, mood="calm"), kb)
    assert "AFTERMATH" in {f.rule for f in result.firings}  # the engine fired it ...
    assert result.get("consequence.aftermath") is None  # ... but its premise was defeated


def test_why_shows_what_was_defeated_and_why_not_shows_the_defeat(kb):
    result = assess(scenario(ceded=10, mood="tense"), kb)
    tree = result.why("risk.land")
    assert [d["rule"] for d in tree["defeated"]] == ["MEDIUM"]
    verdicts = {r["rule"]: r["verdict"] for r in result.why_not("risk.land", "medium")["rules"]}
    assert verdicts["MEDIUM"].startswith("MEDIUM would conclude risk.land = medium; HIGH overrides it")
    calm = assess(scenario(ceded=10, mood="calm"), kb)
    breach = calm.why_not("violation.xx.charter.art-1")["rules"][0]
    assert breach["defeated_by"] == "unless" and "calm mood" in breach["verdict"]
