"""Kinds of conclusion (violation, requirement, commitment, consequence, finding), citation roles, and sentences
drawn from the scenario (issue 10 §3-4), on a small knowledge base built for the purpose and on the shipped one."""
import re
import shutil
import textwrap

import pytest
from _support import EXAMPLES, MINI_KB, run_cli

from ppexpert import assess
from ppexpert.present.text import render_assessment, render_why, to_text
from ppexpert.reasoning import knowledge_for

EXTRA_PROVISIONS = {
    "provisions/xx/emergency.yaml": """
        instrument: Emergency Act of Somewhere
        source: charter
        provisions:
          art-5:
            article: "5"
            paraphrase: While the emergency lasts the charter may not be amended.
        """,
    "provisions/xx/final-act.yaml": """
        instrument: Final Act of Somewhere
        source: charter
        binding: political
        provisions:
          principle-4:
            article: Principle IV
            paraphrase: No acquisition of territory by force will be recognised as legal.
        """,
    "rules/kinds.yaml": """
        rules:
          - id: KIND-AMENDMENT
            title: Ceding land needs an amendment, which the emergency bars
            rests_on: [xx.charter.art-1, xx.emergency.art-5]
            context: [xx.land.size]
            when:
              - {input: ceded, above: 0}
            then:
              requirement: amendment
              step: an amendment of the charter's Art. 1
              barred_by: [xx.emergency.art-5]
              conditioned_by: [xx.charter.art-1]
              met_by: after the emergency ends, by the procedure the charter sets
              area: land
              label: Amendment
            because: "{plan.title} ({ceded.point}) cedes {ceded}% of the land, which takes an amendment"
          - id: KIND-FINAL-ACT
            title: Ceding land cuts against the Final Act
            rests_on: [xx.final-act.principle-4]
            when:
              - {input: ceded, above: 0}
            then: {commitment: xx.final-act.principle-4, area: land, label: Final Act}
            because: "{plan.parties} would accept the loss of land taken by force"
          - id: KIND-ECHO
            title: The commitment is noted
            when:
              - {conclusion: commitment.xx.final-act.principle-4}
            then: {finding: noted}
            because: The commitment is noted.
        """,
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("kinds") / "knowledge"
    shutil.copytree(MINI_KB, root)
    for name, text in EXTRA_PROVISIONS.items():
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return knowledge_for(root)


def _scenario(**extra):
    return {"id": "kinds", "title": "The Somewhere accord", "parties": ["Somewhere", "Elsewhere"],
            "parameters": {"ceded": {"value": 20, "point": "7"}, "mood": "calm"}, **extra}


def test_a_requirement_names_its_step_what_bars_or_conditions_it_and_how_it_could_be_met(kb):
    document = assess(_scenario(), kb).to_json()
    (req,) = document["requirements"]
    assert req["id"] == "requirement.amendment" and req["kind"] == "requirement"
    parts = req["requirement"]
    assert parts["step"] == "an amendment of the charter's Art. 1"
    assert [c["ref"] for c in parts["barred_by"]] == ["xx.emergency.art-5"]
    assert [c["ref"] for c in parts["conditioned_by"]] == ["xx.charter.art-1"]
    assert parts["met_by"] == "after the emergency ends, by the procedure the charter sets"
    assert all(c["id"] != "requirement.amendment" for c in document["violations"])
    text = to_text(render_assessment, document)
    assert "Requirements: legal steps the plan needs (1)" in text
    assert "Step: an amendment of the charter's Art. 1" in text
    assert "Barred by: Charter of Somewhere, Art. 5" in text
    assert "Could be met: after the emergency ends" in text


def test_a_commitment_is_its_own_kind_and_its_citation_says_the_text_binds_politically(kb):
    document = assess(_scenario(), kb).to_json()
    (commitment,) = document["commitments"]
    assert commitment["id"] == "commitment.xx.final-act.principle-4" and commitment["kind"] == "commitment"
    (source,) = commitment["sources"]
    assert source["binding"] == "political" and source["role"] == "basis"
    line = next(line for area in document["areas"] for line in area["lines"] if line["id"] == commitment["id"])
    assert line["kind"] == "commitment"
    assert "Political commitments (1)" in to_text(render_assessment, document)


def test_every_citation_states_its_role_and_the_terminal_keeps_basis_and_context_apart(kb):
    document = assess(_scenario(), kb).to_json()
    (req,) = document["requirements"]
    roles = {s["ref"]: s["role"] for s in req["sources"]}
    assert roles == {"xx.charter.art-1": "basis", "xx.emergency.art-5": "basis", "xx.land.size": "context"}
    text = to_text(render_assessment, document)
    assert re.search(r"basis: Charter of Somewhere, Art\. 1; Charter of Somewhere, Art\. 5 \|\s+context, not a basis",
                     text)


def test_why_prints_the_legal_basis_apart_from_the_context_and_says_when_there_is_none(kb):
    assessment = assess(_scenario(), kb)
    text = to_text(render_why, assessment.why("requirement.amendment"))
    basis, context = text.index("legal and factual basis (2)"), text.index("context, not a basis (1)")
    assert basis < text.index("Art. 5: While the emergency lasts") < context
    assert "kind: requirement: a legal step the plan needs" in text
    assert "Barred by: Charter of Somewhere, Art. 5" in text
    echo = to_text(render_why, assessment.why("finding.noted"))
    assert "no legal basis of its own: it follows from the conclusions above" in echo
    assert "legal and factual basis" not in echo.split("commitment.xx.final-act.principle-4")[0]


def test_sentences_name_the_plan_its_parties_and_its_points_from_the_scenario(kb):
    document = assess(_scenario(), kb).to_json()
    assert document["requirements"][0]["because"] == \
        "The Somewhere accord (point 7) cedes 20% of the land, which takes an amendment"
    assert document["commitments"][0]["because"] == "Somewhere and Elsewhere would accept the loss of land taken by force"
    other = {"id": "other", "title": "Another plan", "parameters": {"ceded": {"value": 5, "point": "3, 4"}}}
    document = assess(other, kb).to_json()
    assert document["requirements"][0]["because"] == "Another plan (points 3, 4) cedes 5% of the land, which takes an amendment"
    assert document["commitments"][0]["because"] == "the parties would accept the loss of land taken by force"
    bare = {"id": "bare", "title": "Bare", "parameters": {"ceded": 5}}
    assert assess(bare, kb).to_json()["requirements"][0]["because"].startswith("Bare (the plan) cedes 5%")


def test_the_report_shows_each_kind_and_the_requirement_parts(kb, tmp_path):
    from ppexpert.present.report import build_report, render_report
    assessment = assess(_scenario(), kb)
    markdown = render_report(build_report([assessment]), "md")
    assert "#### Requirements: legal steps the plan needs (1)" in markdown
    assert "#### Political commitments (1)" in markdown
    assert "*Kind: requirement, a legal step the plan needs, which the law bars or conditions.*" in markdown
    assert "- **Barred by:** Charter of Somewhere, Art. 5" in markdown
    html = render_report(build_report([assessment]), "html")
    assert '<p class="kind kind-commitment">' in html and "<dt>Could be met</dt>" in html


# ---------------------------------------------------------------- the shipped knowledge base


def test_why_the_overall_risk_cites_no_decoration():
    """Today `why risk.overall` said it rested on Constitution Art. 2: the overall risk has no legal basis of its
    own, it follows from the areas."""
    result = run_cli("why", str(EXAMPLES / "us-28-point-plan.yaml"), "risk.overall")
    assert result.returncode == 0, result.stderr
    head = result.stdout.split("(risk.* is at least high)")[0]
    assert "Art. 2" not in head
    assert "no legal basis of its own: it follows from the conclusions above" in result.stdout


def test_the_shipped_rules_name_no_plan_in_their_sentences():
    result = run_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "plan-specific-sentence" not in result.stdout
    assert "violation-of-non-binding" not in result.stdout
