"""The second legal review's wording corrections (shared/REVIEW-2.md, section 1), which a YAML case cannot see.

A case checks which conclusions hold; these tests check what the knowledge base says: a rule's sentence, what it
cites, a paraphrase, a source's host, a claim's record. Each failed on the knowledge base before the corrections
(commit f5b1333). The corrections that change conclusions are pinned by tests/cases/review-2.yaml.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import ppexpert

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
PLAN_28 = ROOT / "examples" / "us-28-point-plan.yaml"


def _yaml(relative: str) -> dict:
    return yaml.safe_load((KNOWLEDGE / relative).read_text(encoding="utf-8"))


def _rules() -> list[dict]:
    return [rule for path in sorted((KNOWLEDGE / "rules").glob("*.yaml"))
            for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]]


@pytest.fixture(scope="module")
def plan_28():
    return ppexpert.assess(PLAN_28)


def _cites(conclusion) -> set[str]:
    return {source["ref"] for source in conclusion.sources}


# ---------------------------------------------------------------- row 34: sentences name only what the scenario gives

PLAN_TEXT = re.compile(r"\b[Pp]oints? \d+|seed article|Crimea, Luhansk|\bG8\b|Point \d+")


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["id"])
def test_a_rule_sentence_names_no_plan_point_region_or_article_of_its_own(rule):
    """A generic rule is printed for every plan that sets its inputs: a point number or a region in its sentence
    is false for the others (row 34; row 6 is an instance). Notes and rationales may name them."""
    found = PLAN_TEXT.findall(rule["because"]) + PLAN_TEXT.findall(rule["then"].get("label", ""))
    assert not found, f"{rule['id']} says {found} in its sentence or label"


# ---------------------------------------------------------------- rows 8, 22, 26, 27: sentences and citations


def test_sanctions_relief_is_not_set_against_the_duty_of_non_recognition(plan_28):
    relief = plan_28.get("consequence.russia-gains-sanctions-relief")
    assert "intl.ilc-state-responsibility.art-41" not in _cites(relief)
    assert {"intl.teu.art-29", "intl.teu.art-31"} <= _cites(relief)
    assert "unanimous" in relief.sentence


def test_gas_infrastructure_rests_on_economic_security_not_on_natural_resources(plan_28):
    gas = plan_28.get("consequence.foreign-operation-of-gas-infrastructure")
    assert _cites(gas) == {"ua.constitution.art-17"}


def test_article_5_is_not_said_to_bind_the_allies_to_defend(plan_28):
    security = plan_28.get("consequence.europe-pays-security")
    assert "binds the allies to defend" not in security.sentence
    assert "deems necessary" in security.sentence


def test_europes_contribution_is_not_said_to_go_to_a_us_led_vehicle_and_is_bound_only_by_consent(plan_28):
    money = plan_28.get("consequence.europe-pays-reconstruction")
    assert "U.S.-led" not in money.sentence
    assert "intl.vclt.art-34" in _cites(money)


def test_the_frozen_assets_are_not_called_the_natural_source_of_reparation(plan_28):
    profit = plan_28.get("consequence.us-profit-from-frozen-assets")
    assert "natural source" not in profit.sentence
    assert "210" in profit.sentence and "EU" in profit.sentence


def test_the_election_sentences_name_the_statutory_way_out(plan_28):
    required = plan_28.get("consequence.lift-martial-law-first")
    assert "simple majority" in required.sentence
    assert "ua.constitution.art-91" in _cites(required)
    conflict = plan_28.get("consequence.sequencing-conflict")
    assert "amends that ban" in conflict.sentence


def test_the_six_month_election_threshold_cites_the_election_commission(plan_28):
    """Row 36: the threshold was unsourced."""
    assert "ua.elections.post-war-preparation" in _cites(plan_28.get("risk.elections"))
    baseline = _yaml("baselines/ua/elections.yaml")["baselines"]["post-war-preparation"]
    assert baseline["value"] == 180 and baseline["values"][0]["source"] == "didenko-ukrinform-2024-05"


def test_the_cap_is_compared_with_the_december_2025_grouping_without_calling_ukraine_defenceless(plan_28):
    """Row 16: the Russian figure was stale and the sentence overclaimed."""
    cap = plan_28.get("consequence.cap-below-russian-force")
    assert "710,000" in cap.sentence and "1,500,000" in cap.sentence
    assert "Unable to defend" not in cap.sentence
    assert "intl.un-charter.art-51" not in _cites(cap)


# ---------------------------------------------------------------- rows 11, 12, 31, 32: paraphrases and dates


def test_the_plants_units_have_all_been_in_cold_shutdown_only_since_april_2024():
    holds_for = _yaml("baselines/ua/energy.yaml")["baselines"]["znpp-capacity"]["holds_for"]
    assert "Apr 2024" in holds_for and "all units are in cold shutdown since Sep 2022" not in holds_for


def test_article_53_gives_the_prosecutor_more_than_one_ground_to_decline():
    paraphrase = _yaml("provisions/intl/rome-statute.yaml")["provisions"]["art-53"]["paraphrase"]
    assert "only where" not in paraphrase
    assert "reasonable basis" in paraphrase and "admissible" in paraphrase


def test_martial_law_was_first_extended_for_thirty_days():
    sources = _yaml("sources.yaml")["sources"]
    note = sources["ua-decree-64-2022-martial-law"]["note"]
    assert "every 90 days since 24 Feb 2022" not in note and "30 days" in note
    assert "extended every 90 days" not in _yaml("baselines/ua/martial-law.yaml")["baselines"]["in-force"]["holds_for"]


def test_article_124_6_on_the_icc_is_recorded_and_cited_for_the_ratification(plan_28):
    provision = _yaml("provisions/ua/constitution.yaml")["provisions"]["art-124-6"]
    assert provision["in_force"]["from"].isoformat() == "2019-06-30"
    assert "ua.constitution.art-124-6" in _cites(plan_28.get("finding.rome-statute-status"))


# ---------------------------------------------------------------- row 30: hosts; rows 28, 29, 37: claims

WEAK_HOSTS = ("news-pravda.com", "lnginnorthernbc")


def test_no_source_is_hosted_by_the_pravda_network_or_a_blog_copy_of_the_plan():
    addresses = {key: source.get("address", "") for key, source in _yaml("sources.yaml")["sources"].items()}
    assert [key for key, address in addresses.items() if any(host in address for host in WEAK_HOSTS)] == []


def test_the_seed_articles_two_unrecorded_errors_are_recorded():
    claims = _yaml("claims.yaml")["claims"]
    assert claims["trump-former-president"]["status"] == "differs"
    assert claims["no-ceasefire"]["status"] == "differs" and "Point 28" in claims["no-ceasefire"]["record"]


def test_the_partly_right_claims_say_so_and_the_dropped_amnesty_is_reported_not_settled():
    claims = _yaml("claims.yaml")["claims"]
    assert claims["army-strength-1000000"]["status"] == claims["peace-council-no-teeth"]["status"] == "partly"
    assert claims["army-strength-1000000"]["record"].startswith("Partly right")
    assert "million-strong army" in claims["army-strength-1000000"]["record"]
    assert claims["peace-council-no-teeth"]["record"].startswith("Partly right")
    assert "reported dropped" in claims["point-26-amnesty"]["record"]
    assert "expected" in claims["point-3-nato-expands"]["record"]


# ---------------------------------------------------------------- rows 13, 33: the 28-point example


POINT_LIST = re.compile(r"^#\s+((?:\d+(?:\([a-z]\))?(?:-\d+)?(?:,\s*)?)+)")


def _numbers(text: str) -> set[int]:
    """'12, 15-20, 23' -> {12, 15, ..., 20, 23}; '21(c)' -> {21}."""
    found = set()
    for first, last in re.findall(r"(\d+)(?:\([a-z]\))?(?:-(\d+))?", text):
        found |= set(range(int(first), int(last or first) + 1))
    return found


def _points(node) -> list[str]:
    """Every `point:` in a scenario's parameters, those of the plan vocabulary's groups (nested) included."""
    if not isinstance(node, dict):
        return []
    found = [str(node["point"])] if node.get("point") else []
    return found + [p for key, value in node.items() if key != "point" for p in _points(value)]


@pytest.mark.parametrize("name, points", [("us-28-point-plan", 28), ("e3-counter-proposal-2025-11", 28),
                                          ("istanbul-communique-2022-03", 10)])
def test_every_point_of_a_plan_is_encoded_or_listed_as_carrying_no_rule(name, points):
    """Row 13: the 28-point example claimed to name its unencoded points and named three of eleven."""
    text = (ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
    scenario = yaml.safe_load(text)
    assert scenario["date"], "every plan states its date"
    encoded = set().union(*(_numbers(point) for point in _points(scenario["parameters"])))
    listed = set().union(*(_numbers(m.group(1)) for line in text.splitlines() if (m := POINT_LIST.match(line))))
    assert set(range(1, points + 1)) - encoded - listed == set()


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_states_the_date_of_its_plan(path):
    assert yaml.safe_load(path.read_text(encoding="utf-8")).get("date"), f"{path.name} has no date"


def test_the_28_point_plans_points_of_legal_weight_are_listed():
    text = PLAN_28.read_text(encoding="utf-8")
    listed = set().union(*(_numbers(m.group(1)) for line in text.splitlines() if (m := POINT_LIST.match(line))))
    assert {2, 24} <= listed


def test_the_28_point_territory_share_nets_out_the_land_russia_would_give_back(plan_28):
    regions = yaml.safe_load(PLAN_28.read_text(encoding="utf-8"))["parameters"]["territory"]
    assert regions["other"] == {"status": "restored", "point": "21(c)"}
    share = plan_28.loaded.inputs["territory_ceded_pct"]  # derived from the regions and their cited baselines
    assert share.origin == "derived" and 19.5 < share.value < 20.2
