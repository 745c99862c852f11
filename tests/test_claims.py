"""Claims of sources against the public record: the knowledge base covers the seed article, and `ppexpert claims`
lists them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ppexpert import load_knowledge
from ppexpert.cli.claims import claims_json

REPO = Path(__file__).resolve().parents[1]

# The first table of FACTS.md ("Where the seed article differs from the public record"), row by row, with the
# claims that cover each row and the status each must carry.
FACTS_TABLE = {
    "Point 3 lets NATO expand further": {"point-3-nato-expands": "differs"},
    "army capped so that 40% of 1,000,000 = 400,000 remain": {
        "army-cap-400000": "differs", "army-strength-1000000": "partly", "army-authorised-dec-2024": "unverified"},
    "Constitution Art. 110 sets the 5-year term": {"art-110-term": "differs"},
    "Art. 14 is the territorial clause": {"art-14-territory": "differs"},
    "next presidential election due 2029": {"next-election-2029": "differs"},
    "Ukraine ratified the Rome Statute in 2000": {"rome-ratified-2000": "differs"},
    "Rome Statute Art. 25 is what amnesty violates": {"rome-art-25": "differs"},
    "Peace Formula demands $500 billion reparations": {"peace-formula-500bn": "differs"},
    "Rheinmetall +4.2%, Leonardo -3.1% after the leak": {"rheinmetall-up-4-2": "differs",
                                                          "leonardo-down-3-1": "unverified"},
}
CONFIRMED_IN_ARTICLE = ("axios-publication", "point-1-sovereignty", "point-25-elections-100-days",
                        "point-26-amnesty", "occupied-nearly-20pct")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(REPO / "knowledge")


@pytest.mark.parametrize("row", sorted(FACTS_TABLE))
def test_every_row_of_the_facts_table_is_a_claim_of_the_seed_article(kb, row):
    for claim_id, status in FACTS_TABLE[row].items():
        claim = kb.claims[claim_id]
        assert claim.source == "seed-article"
        assert claim.status == status
        assert claim.record.strip() and claim.record_sources


@pytest.mark.parametrize("claim_id", CONFIRMED_IN_ARTICLE)
def test_what_the_record_confirms_is_marked_confirmed(kb, claim_id):
    assert kb.claims[claim_id].status == "confirmed"


def test_claims_json_filters_by_status_and_resolves_every_citation(kb):
    document = claims_json(kb, status="differs")
    assert document["claims"] and all(c["status"] == "differs" for c in document["claims"])
    assert len(document["claims"]) == document["counts"]["differs"] == sum(
        1 for c in kb.claims.values() if c.status == "differs")
    for item in document["claims"]:
        assert item["claimed_by"]["address"]
        assert all(c["address"].startswith("http") for c in item["record_sources"])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppexpert", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_the_claims_command_lists_differing_claims_as_json(kb):
    result = _cli("claims", "--status", "differs", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {c["id"] for c in document["claims"]} == {c.id for c in kb.claims.values() if c.status == "differs"}
    assert "rome-ratified-2000" in {c["id"] for c in document["claims"]}


def test_claims_the_record_bears_out_in_part_are_partly_and_listed_by_that_status(kb):
    """REVIEW-2 rows 28-29: right on members and procedure but not on "no legal teeth"; right on a million in the
    wider Defence Forces but not for the Armed Forces a cap applies to."""
    result = _cli("claims", "--status", "partly", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {c["id"] for c in document["claims"]} == {"army-strength-1000000", "peace-council-no-teeth"}
    assert document["counts"]["partly"] == 2 and all(c["record"].startswith("Partly right") for c in document["claims"])
    assert "peace-council-no-teeth  [PARTLY]" in _cli("claims").stdout


def test_the_claims_command_prints_each_claim_beside_the_record():
    result = _cli("claims")
    assert result.returncode == 0, result.stderr
    assert "art-14-territory  [DIFFERS]" in result.stdout
    assert "Record:" in result.stdout
    assert "point-1-sovereignty  [CONFIRMED]" in result.stdout


def test_the_claims_command_rejects_an_unknown_source_with_a_pointed_error():
    result = _cli("claims", "--source", "no-such-source")
    assert result.returncode == 2
    assert "unknown source 'no-such-source'" in result.stderr
    assert "Traceback" not in result.stderr
