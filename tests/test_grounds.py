"""Every ground shown (issue 10 §5): where several rules conclude one id, each standing rule's sentence and its own
citations reach the reader, in the JSON, the terminal, `why`, the reports and the calculator's cards."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import ppexpert
from ppexpert.present.report import build_report, render_report
from ppexpert.present.text import render_assessment, render_why, to_text
from ppexpert.reasoning import cellcache

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"
PLAN_28 = REPO / "examples" / "us-28-point-plan.yaml"

# The sentences review 2 (row 10) found the reader never saw for the 28-point plan.
ELECTION = "An election within 100 days (point 25) cannot be held while martial law lasts"
AMENDMENT = "Art. 157(2) forbids any amendment while martial law lasts"
SEQUENCING_NATO = "The constitutional non-NATO clause can be adopted only after martial law ends"
SEQUENCING_ELECTION = "The plan's election within 100 days cannot be held"


@pytest.fixture(scope="module")
def assessed():
    return ppexpert.assess(PLAN_28, KNOWLEDGE)


@pytest.fixture(scope="module")
def document(assessed):
    return assessed.to_json()


def _conclusion(document: dict, cid: str) -> dict:
    return next(c for key in ("violations", "requirements", "commitments", "consequences", "findings", "risks")
                for c in document[key] if c["id"] == cid)


def test_the_election_and_the_amendment_under_martial_law_each_reach_the_reader_with_their_sources(document):
    """Review 2, row 10: the two martial-law sentences were hidden behind one violation id; each is now a
    requirement of its own (issue 10 §3), with its own sentence, step and citations."""
    election = _conclusion(document, "requirement.election-under-martial-law")
    amendment = _conclusion(document, "requirement.amendment-under-martial-law")
    assert [g["rule"] for g in election["grounds"]] == ["ELE-MARTIAL-LAW-BAN"] and ELECTION in election["because"]
    assert [g["rule"] for g in amendment["grounds"]] == ["CON-ART-157-MARTIAL-LAW"] and AMENDMENT in amendment["because"]
    assert {s["ref"] for s in election["grounds"][0]["sources"]} == {"ua.martial-law.art-19", "ua.martial-law.in-force"}
    for conclusion in (election, amendment):
        assert all(s["role"] in ("basis", "context") for g in conclusion["grounds"] for s in g["sources"])
        assert [g["rule"] for g in conclusion["grounds"]] == conclusion["rules"]
        assert conclusion["because"] == conclusion["grounds"][0]["because"]


def test_both_sequencing_grounds_reach_the_json_with_their_own_citations(document):
    conclusion = _conclusion(document, "consequence.sequencing-conflict")
    grounds = {g["rule"]: g for g in conclusion["grounds"]}
    assert SEQUENCING_ELECTION in grounds["CON-SEQUENCE-ELECTION"]["because"]
    assert SEQUENCING_NATO in grounds["CON-SEQUENCE-AMENDMENT"]["because"]
    refs = {rule: {s["ref"] for s in g["sources"]} for rule, g in grounds.items()}
    assert "ua.constitution.art-108" in refs["CON-SEQUENCE-ELECTION"]
    assert "ua.constitution.art-108" not in refs["CON-SEQUENCE-AMENDMENT"]
    assert "ua.constitution.art-157" in refs["CON-SEQUENCE-AMENDMENT"]
    # the conclusion's own sources are the union, each once
    union = [s["ref"] for s in conclusion["sources"]]
    assert len(union) == len(set(union)) and set(union) == refs["CON-SEQUENCE-ELECTION"] | refs["CON-SEQUENCE-AMENDMENT"]


def test_the_elections_card_has_its_martial_law_line_although_another_area_drew_the_conclusion_first(document):
    areas = {a["id"]: a for a in document["areas"]}
    elections = [line for line in areas["elections"]["lines"] if line["id"] == "requirement.election-under-martial-law"]
    assert [line["label"] for line in elections] == ["Martial law"]
    assert ELECTION in elections[0]["text"]
    constitution = [line["text"] for line in areas["constitution"]["lines"]]
    assert any(AMENDMENT in text for text in constitution)
    assert any(SEQUENCING_NATO in text for text in constitution) and any(SEQUENCING_ELECTION in text for text in constitution)
    assert not any(ELECTION in text for text in constitution if "martial law lasts:" in text)


def test_the_terminal_shows_every_ground(document):
    text = " ".join(to_text(render_assessment, document).split())
    for sentence in (ELECTION, AMENDMENT, SEQUENCING_NATO, SEQUENCING_ELECTION):
        assert sentence in text, sentence
    assert "(CON-SEQUENCE-ELECTION)" in text and "(CON-SEQUENCE-AMENDMENT)" in text


def test_why_gives_each_rule_its_own_sentence(assessed):
    tree = assessed.why("consequence.sequencing-conflict")
    assert [g["rule"] for g in tree["grounds"]] == ["CON-SEQUENCE-ELECTION", "CON-SEQUENCE-AMENDMENT"]
    assert "on 2 grounds" in tree["text"]
    by_rule = {d["rule"]: d["because"] for d in tree["derivations"]}
    assert SEQUENCING_NATO in by_rule["CON-SEQUENCE-AMENDMENT"]
    text = " ".join(to_text(render_why, tree).split())
    assert SEQUENCING_NATO in text and SEQUENCING_ELECTION in text


def test_both_reports_show_every_ground_with_its_footnotes(assessed):
    report = build_report([assessed])
    scenario = report["scenarios"][0]
    conclusion = next(c for c in scenario["consequences"] if c["id"] == "consequence.sequencing-conflict")
    assert all(g["citations"] for g in conclusion["grounds"])
    for fmt in ("md", "html"):
        text = " ".join(render_report(report, fmt).split())
        for sentence in (ELECTION, AMENDMENT, SEQUENCING_NATO):
            assert sentence in text or sentence.replace("'", "&#39;") in text, (fmt, sentence)
        assert "On 2 grounds" in text


def test_a_single_ground_is_the_conclusions_own_sentence(document):
    conclusion = _conclusion(document, "requirement.amendment-under-martial-law")
    assert [g["rule"] for g in conclusion["grounds"]] == ["CON-ART-157-MARTIAL-LAW"]
    assert conclusion["grounds"][0]["because"] == conclusion["because"]
    assert conclusion["grounds"][0]["sources"] == conclusion["sources"]


def test_a_cached_cell_rerenders_every_ground_with_the_new_values(monkeypatch):
    monkeypatch.delenv("PPEXPERT_CELL_CACHE", raising=False)
    scenario = yaml.safe_load(PLAN_28.read_text())
    cellcache.clear()
    first = ppexpert.assess(scenario, KNOWLEDGE)
    scenario["parameters"]["sequence"]["elections"]["within_days"] = 120  # the same cell: no test between 100 and 120
    second = ppexpert.assess(scenario, KNOWLEDGE)
    assert cellcache.statistics(second.kb)["hits"] >= 1
    fresh = ppexpert.reasoning.assess_loaded(second.loaded, second.kb, cache=False)
    assert second.to_json() == fresh.to_json()
    grounds = {g.rule: g.because for g in second.get("consequence.sequencing-conflict").grounds}
    assert "within 120 days" in grounds["CON-SEQUENCE-ELECTION"]
    assert "within 100 days" in {g.rule: g.because for g in first.get("consequence.sequencing-conflict").grounds}[
        "CON-SEQUENCE-ELECTION"]
    # a requirement's step is filled from the scenario too, and the cache fills it anew
    assert second.get("requirement.election-under-martial-law").requirement["step"] == \
        "a presidential election within 120 days"
    assert first.get("requirement.election-under-martial-law").requirement["step"] == \
        "a presidential election within 100 days"
