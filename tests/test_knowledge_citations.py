"""Every source, provision, baseline, claim and rule carries a citation a reader can follow."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ppexpert import load_knowledge

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"
URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
# The seed article reached the project as a file; its address names that file (FACTS.md, the seed folder).
LOCAL_COPIES = {"seed-article": re.compile(r"^shared/seeds/[0-9a-f_]+\.txt$")}


def followable(source_id: str, address: str | None) -> bool:
    if not address:
        return False
    local = LOCAL_COPIES.get(source_id)
    return bool(URL.match(address) or (local and local.match(address)))


def citation_gaps(kb) -> list[str]:
    """Every object whose citation a reader could not follow, in words; empty when all can be followed."""
    gaps = []
    for source in kb.sources.values():
        if not followable(source.id, source.address):
            gaps.append(f"source {source.id}: address {source.address!r} is not a link")
    for provision in kb.provisions.values():
        if not provision.cited_as.strip():
            gaps.append(f"provision {provision.id}: no article or paragraph to cite")
        address = provision.address or (kb.sources[provision.source].address if provision.source in kb.sources else None)
        if not followable(provision.source, address):
            gaps.append(f"provision {provision.id}: no followable address")
    for baseline in kb.baselines.values():
        for value in baseline.values:
            source = kb.sources.get(value.source)
            if source is None or not followable(source.id, source.address) or not value.locator.strip():
                gaps.append(f"baseline {baseline.id}: the value of {value.source} cannot be followed")
        if baseline.disputed and not (baseline.chosen_because or "").strip():
            gaps.append(f"baseline {baseline.id}: sources disagree and no reason is given for the value used")
    for rule in kb.rules:
        if not rule.rests_on and not rule.context and not all(c.subject_kind == "conclusion" for c in rule.when):
            gaps.append(f"rule {rule.id}: cites nothing")  # only a rule reading other conclusions may cite nothing
        for ref in rule.rests_on:
            citation = kb.citation_of(ref)
            if citation is None or not followable(citation["source"], citation["address"]) or not citation["locator"]:
                gaps.append(f"rule {rule.id}: {ref} cannot be followed")
    for claim in kb.claims.values():
        if not claim.record_sources:
            gaps.append(f"claim {claim.id}: the record has no source")
        for citation in [*claim.record_sources]:
            source = kb.sources.get(citation.source)
            if source is None or not followable(source.id, citation.address or source.address):
                gaps.append(f"claim {claim.id}: record source {citation.source} cannot be followed")
    return gaps


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


def test_every_source_provision_baseline_rule_and_claim_can_be_followed(kb):
    assert citation_gaps(kb) == []


def test_the_audit_fails_when_a_source_loses_its_address(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    sources = copy / "sources.yaml"
    text = sources.read_text()
    broken = text.replace("address: https://www.un.org/en/about-us/un-charter/full-text", "address: UN Charter")
    assert broken != text
    sources.write_text(broken)
    gaps = citation_gaps(load_knowledge(copy))
    assert "source un-charter: address 'UN Charter' is not a link" in gaps
    assert any(g.startswith("provision intl.un-charter.art-2-4") for g in gaps)
    assert any(g.startswith("rule INT-DUTY-OF-NON-RECOGNITION: intl.un-charter.art-2-4") for g in gaps)


def test_every_rule_cites_at_least_one_provision_or_baseline(kb):
    """Except a rule that reads nothing but other conclusions (the overall risk): its basis is theirs."""
    assert all(rule.rests_on or rule.context or all(c.subject_kind == "conclusion" for c in rule.when)
               for rule in kb.rules)
    assert [r.id for r in kb.rules if not r.rests_on and not r.context] == \
        [r.id for r in kb.rules if r.then.conclusion_id == "risk.overall"]
    assert all(ref in kb.provisions or ref in kb.baselines
               for rule in kb.rules for ref in rule.rests_on + rule.context)


def test_every_provision_has_a_paraphrase_and_its_source_is_known(kb):
    for provision in kb.provisions.values():
        assert provision.paraphrase.strip(), provision.id
        assert provision.source in kb.sources, provision.id


def test_every_claim_is_about_something_the_knowledge_base_holds(kb):
    known = set(kb.provisions) | set(kb.baselines) | set(kb.parameters)
    for claim in kb.claims.values():
        assert set(claim.about) <= known, (claim.id, set(claim.about) - known)


def test_a_baseline_the_seed_article_disputes_keeps_both_values(kb):
    personnel = kb.baselines["ua.armed-forces.personnel"]
    assert personnel.value == 880000
    assert {(v.source, v.value, v.status) for v in personnel.values} >= {("seed-article", 1000000, "differs")}
    due = kb.baselines["ua.elections.regular-presidential-due"]
    assert due.value == "2024-03-31" and ("seed-article", "2029", "differs") in {
        (v.source, v.value, v.status) for v in due.values}
