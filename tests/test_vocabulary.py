"""The plan vocabulary: groups of parameters (territory by region, guarantees, alignment, forces, sequencing,
internal order, accountability, money), sets, the values not_addressed / not_applicable, the territory dial
derived from cited per-region baselines, and the plan-point format that `check` enforces."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from _support import EXAMPLES, KNOWLEDGE, run_cli

from ppexpert import assess
from ppexpert.knowledge.derive import with_inputs
from ppexpert.knowledge.model import NOT_ADDRESSED, NOT_APPLICABLE, UNKNOWN
from ppexpert.knowledge.problems import InputError
from ppexpert.knowledge.scenario import load_scenario, patched
from ppexpert.reasoning import knowledge_for

KB = knowledge_for()
REGIONS = list(KB.groups["territory"].each)


def scenario(**parameters) -> dict:
    return {"id": "vocabulary", "title": "A vocabulary scenario", "parameters": parameters}


def share(region: str, part: str) -> float:
    """A region's occupied or held part as a share of Ukraine (%), straight from the baselines."""
    area = KB.baselines[f"ua.regions.{region}-area"].value
    occupied = area * KB.baselines[f"ua.regions.{region}-occupied"].value / 100
    total = KB.baselines["ua.regions.total-area"].value
    return 100 * (occupied if part == "occupied" else area - occupied) / total


def every_region(status: str, **extra) -> dict:
    return {region: {"status": status, **extra} for region in REGIONS}


def test_a_group_expands_into_parameters_and_a_set_into_true_false_members():
    assert {"territory.donetsk.status", "territory.crimea.deferred_years", "guarantee.legal_form",
            "alignment.neutrality", "forces.russia_cap", "sequence.border-control.after",
            "internal.needs_constitutional_change", "accountability.amnesty_for",
            "money.assets_disposed_held_in"} <= set(KB.parameters)
    member = KB.parameters["guarantee.guarantors.russia"]
    assert member.derived and member.type == "boolean" and member.member_of == "guarantee.guarantors"
    assert KB.parameters["territory.donetsk.status"].group == "territory"
    assert "Donetsk oblast" in KB.parameters["territory.donetsk.status"].title


def test_nested_and_dotted_spellings_give_the_same_inputs():
    nested = load_scenario(scenario(territory={"donetsk": {"status": "frozen", "point": "14"}},
                                    guarantee={"legal_form": "ratified-treaty"}), KB)
    dotted = load_scenario(scenario(**{"territory.donetsk.status": {"value": "frozen", "point": "14"},
                                       "guarantee.legal_form": "ratified-treaty"}), KB)
    for name in ("territory.donetsk.status", "guarantee.legal_form", "territory_ceded_pct"):
        assert (nested.inputs[name].value, nested.inputs[name].point) == \
            (dotted.inputs[name].value, dotted.inputs[name].point), name
    assert nested.inputs["territory.donetsk.status"].point == "14"  # the group's point reaches its fields


def test_the_territory_dial_is_derived_from_the_regions_and_their_cited_baselines():
    regions = every_region("frozen")
    regions["donetsk"] = {"status": "recognised-de-facto", "withdrawal": True, "recognised_by": ["united-states"]}
    regions["crimea"] = {"status": "recognised-de-jure", "recognised_by": ["all-signatories"]}
    regions["kherson"] = {"status": "restored"}
    inputs = load_scenario(scenario(territory=regions), KB).inputs
    held_by_russia = sum(share(r, "occupied") for r in REGIONS if r != "kherson") + share("donetsk", "held")
    assert inputs["territory_ceded_pct"].value == round(held_by_russia, 1)
    assert inputs["territory_ceded_pct"].origin == "derived"
    assert "ua.regions.donetsk-occupied" in inputs["territory_ceded_pct"].derived_from
    assert inputs["territory_recognised_pct"].value == round(
        share("crimea", "occupied") + share("donetsk", "occupied") + share("donetsk", "held"), 1)
    assert inputs["territory_recognised_de_jure_pct"].value == round(share("crimea", "occupied"), 1)
    assert inputs["territory_withdrawal_pct"].value == round(share("donetsk", "held"), 1)
    assert inputs["recognition_of_annexation"].value == "de-jure"
    assert inputs["recognition_by_us"].value is True
    assert inputs["withdrawal_from_held_territory"].value is True


def test_control_is_never_cession_a_frozen_line_recognises_nothing():
    inputs = load_scenario(scenario(territory=every_region("frozen")), KB).inputs
    assert inputs["territory_ceded_pct"].value == round(sum(share(r, "occupied") for r in REGIONS), 1)
    assert inputs["territory_recognised_pct"].value == 0
    assert inputs["recognition_of_annexation"].value == "none"
    assert inputs["withdrawal_from_held_territory"].value is False


def test_a_region_the_plan_is_silent_on_stays_occupied_and_unrecognised_and_a_region_left_out_is_unknown():
    silent = dict(every_region("restored"), crimea=NOT_ADDRESSED)
    inputs = load_scenario(scenario(territory=silent), KB).inputs
    assert inputs["territory_ceded_pct"].value == round(share("crimea", "occupied"), 1)
    assert inputs["recognition_of_annexation"].value == "none"
    left_out = {r: v for r, v in every_region("restored").items() if r != "crimea"}
    inputs = load_scenario(scenario(territory=left_out), KB).inputs
    assert inputs["territory_ceded_pct"].value == UNKNOWN
    assert inputs["recognition_of_annexation"].value == UNKNOWN


def test_a_region_recognised_by_nobody_counts_towards_no_recognised_share_even_when_its_control_is_open():
    open_ = dict(every_region("frozen"), donetsk={"status": UNKNOWN, "recognised_by": []})
    inputs = load_scenario(scenario(territory=open_), KB).inputs
    assert inputs["territory_ceded_pct"].value == UNKNOWN  # who controls Donetsk is open
    assert inputs["territory_recognised_pct"].value == inputs["territory_recognised_de_jure_pct"].value == 0
    assert inputs["recognition_of_annexation"].value == "none" and inputs["recognition_by_us"].value is False
    without = dict(every_region("frozen"), donetsk={"status": UNKNOWN})  # nothing said of recognition: open
    inputs = load_scenario(scenario(territory=without), KB).inputs
    assert inputs["territory_recognised_pct"].value == inputs["recognition_of_annexation"].value == UNKNOWN


def test_a_change_to_a_dial_the_regions_derive_sets_the_regions_aside_and_what_if_changes_a_region():
    crimea = {"status": "recognised-de-facto", "recognised_by": ["united-states"]}
    regions = dict(every_region("restored"), crimea=crimea)
    loaded = load_scenario(scenario(territory=regions), KB)
    changed = with_inputs(loaded, KB, {"territory_ceded_pct": 3})
    dial = changed.inputs["territory_ceded_pct"]
    assert dial.value == 3 and dial.origin == "scenario"
    assert changed.inputs["recognition_of_annexation"].value == UNKNOWN  # as a file with the dial and no regions
    # a share only the regions give does not arise without them (the dial's rules decide): not an open question
    assert changed.inputs["territory_recognised_pct"].value == NOT_APPLICABLE
    kept = with_inputs(loaded, KB, {"war_crimes_amnesty": "full"})  # any other change keeps the regions
    assert kept.inputs["recognition_of_annexation"].value == "de-facto"
    proposals = assess(scenario(territory=regions)).what_if("violation.ua.constitution.art-2")["changes"]
    named = {p["input"] for p in proposals}
    assert "territory.crimea.status" in named and not named & {"territory_ceded_pct", "recognition_of_annexation"}


def test_todays_scenarios_keep_their_meaning():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        loaded = load_scenario(path, KB)
        for name, value in loaded.inputs.items():
            if value.origin == "scenario" and "." not in name:
                assert KB.parameters[name].group is None
    seed = load_scenario(EXAMPLES / "seed-calculator.yaml", KB)
    assert seed.inputs["territory_ceded_pct"].value == 20
    assert seed.inputs["territory_ceded_pct"].origin == "scenario"
    assert seed.inputs["territory_recognised_pct"].value == NOT_APPLICABLE  # no regions: nothing is derived from them
    assert assess(EXAMPLES / "seed-calculator.yaml", KB).get("risk.sovereignty").level == "high"


def test_giving_the_dial_and_the_regions_is_an_error_that_says_how_to_write_it(tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text("id: both\ntitle: Both\nparameters:\n  territory_ceded_pct: 20\n"
                    "  territory:\n    donetsk: {status: frozen}\n")
    result = run_cli("assess", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for fragment in ("both.yaml:4:", "at parameters.territory_ceded_pct",
                     "territory_ceded_pct is derived from `territory`", "remove territory_ceded_pct"):
        assert fragment in result.stderr, result.stderr
    # `unknown` settles nothing, so it may stand beside the regions (the web page sends it for an untouched dial)
    loaded = load_scenario(scenario(territory_ceded_pct=UNKNOWN, territory=every_region("restored")), KB)
    assert loaded.inputs["territory_ceded_pct"].value == 0


@pytest.mark.parametrize("parameters, fragments", [
    ({"territory": {"donbas": {"status": "frozen"}}},
     ["unknown key 'donbas' in territory", "did you mean 'donetsk'", "allowed: crimea"]),
    ({"territory": {"donetsk": {"status": "annexed"}}},
     ["territory.donetsk.status: 'annexed' is not an allowed word", "restored, frozen, deferred"]),
    ({"guarantee": {"guarantors": ["russia", "mars"]}}, ["'mars' is not an allowed word", "([] for none)"]),
    ({"guarantee": "every"}, ["guarantee must be a mapping of the fields of guarantee", "not_addressed"]),
    ({"guarantees": {}}, ["unknown parameter 'guarantees'", "did you mean 'guarantee'", "groups (see"]),
    ({"territory": {"donetsk": {"status": "frozen"}}, "territory.donetsk.status": "restored"},
     ["territory.donetsk.status is given twice"]),
])
def test_bad_vocabulary_values_are_pointed_errors(parameters, fragments):
    with pytest.raises(InputError) as error:
        load_scenario(scenario(**parameters), KB)
    text = "\n".join(f"{p.message} {p.hint} at {'.'.join(map(str, p.path))}" for p in error.value.problems)
    for fragment in fragments:
        assert fragment in text, text


def test_not_addressed_and_not_applicable_are_values_of_every_parameter_that_only_is_tests_match():
    loaded = load_scenario(scenario(war_crimes_amnesty=NOT_ADDRESSED, election_within_days="not_applicable",
                                    forces={"russia_cap": NOT_ADDRESSED}, military_cap={"troops": 600000}), KB)
    assert loaded.inputs["war_crimes_amnesty"].shown == "not addressed"
    assessment = assess(scenario(war_crimes_amnesty=NOT_ADDRESSED, forces={"russia_cap": NOT_ADDRESSED},
                                 military_cap={"troops": 600000}), KB)
    # silence on Russia's forces is not a statement that there is no cap
    assert assessment.get("finding.one-sided-force-limits") is None
    assert assessment.get("risk.accountability").level == "low"  # silence grants no amnesty (ACC-RISK-LOW)


def test_the_eu_path_is_measured_against_ukraines_status_on_the_plans_date():
    def versus(offer, date=None):
        data = scenario(eu_accession=offer)
        if date:
            data["date"] = date
        return load_scenario(data, KB).inputs["eu_accession_vs_status_quo"].value
    assert versus("eligible") == "below"                   # a candidate since June 2022
    assert versus("candidate", "2023-05-01") == "same"
    assert versus("candidate", "2025-11-20") == "below"    # negotiating since June 2024
    assert versus("eligible", "2022-03-29") == "same"      # before candidate status
    assert versus("fixed-date") == "above"
    assert versus("none") == "same" and versus(NOT_ADDRESSED) == "same"
    candidate = KB.baselines["intl.eu.ukraine-candidate"].holds_for
    assert dt.date(2022, 6, 23).isoformat() in candidate


def test_a_patch_may_change_one_field_of_a_group_written_nested():
    base = {"territory": {"point": "21", "donetsk": {"status": "frozen", "withdrawal": False}}, "eu_accession": "none"}
    merged = patched(base, {"territory.donetsk.status": "restored"})
    assert merged["territory"] == {"point": "21", "donetsk": {"withdrawal": False}}
    assert merged["territory.donetsk.status"] == "restored"
    assert base["territory"]["donetsk"]["status"] == "frozen"  # the scenario itself is left as it was
    loaded = load_scenario(scenario(**merged), KB)
    assert loaded.inputs["territory.donetsk.status"].value == "restored"


def test_check_enforces_the_plan_point_format_and_known_plan_codes(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    rules = copy / "rules" / "forces.yaml"
    text = rules.read_text()
    rules.write_text(text.replace("    rests_on: [ru.armed-forces.authorised-strength",
                                  '    plan_points: ["28pt21", "xyz:4", "28pt:21(d)"]\n'
                                  "    rests_on: [ru.armed-forces.authorised-strength", 1))
    result = run_cli("--knowledge", str(copy), "check")
    assert result.returncode == 2, result.stderr
    out = result.stdout + result.stderr
    assert "plan point '28pt21' is not written like 28pt:21" in out
    assert "unknown plan code 'xyz' in 'xyz:4'" in out and "28pt (us-28-point-plan)" in out
    assert out.count("error[bad-plan-point]") == 2  # 28pt:21(d), a sub-point, is well formed
    assert "forces.yaml:7:19" in out and "rules[0].plan_points[0]" in out


def test_check_rejects_a_rule_that_tests_a_set_instead_of_its_member(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    rules = copy / "rules" / "guarantees.yaml"
    rules.write_text(rules.read_text().replace("input: guarantee.guarantors.russia\n        is: true",
                                               "input: guarantee.guarantors\n        is: russia", 1))
    result = run_cli("--knowledge", str(copy), "check")
    assert result.returncode == 2
    assert "'guarantee.guarantors' is a set" in result.stdout + result.stderr
    assert "input: guarantee.guarantors.united-states" in result.stdout + result.stderr


def test_a_single_parameter_that_a_group_field_also_says_is_derived_from_the_field_when_it_is_given():
    inputs = load_scenario(scenario(sequence={"elections": {"timing": "within-deadline", "within_days": 100}},
                                    alignment={"foreign_troops": "with-guarantors-consent"}), KB).inputs
    assert inputs["election_within_days"].value == 100 and inputs["election_within_days"].origin == "derived"
    assert inputs["nato_troops_barred"].value is True
    inputs = load_scenario(scenario(sequence={"elections": {"timing": "as-soon-as-possible"}}), KB).inputs
    assert inputs["election_within_days"].value == UNKNOWN  # "as soon as possible" sets no number of days
    with pytest.raises(InputError) as error:
        load_scenario(scenario(election_within_days=100, sequence={"elections": {"within_days": 90}}), KB)
    assert "election_within_days is derived from `sequence.elections.within_days`" in str(error.value)


def test_a_value_derived_from_an_input_the_plan_is_silent_on_is_not_addressed_too():
    inputs = load_scenario(scenario(npp_ukraine_power_share_pct=NOT_ADDRESSED, military_cap="not_applicable"),
                           KB).inputs
    assert inputs["npp_capacity_lost_mw"].value == NOT_ADDRESSED
    assert inputs["military_cap_troops"].value == "not_applicable"


@pytest.mark.parametrize("left, recognised, in_law, recognition", [
    ("recognised-de-jure", "whole", "held", "de-jure"), ("recognised-de-facto", "whole", 0, "de-facto"),
    (None, "whole", 0, "de-facto"), ("frozen", "occupied", 0, "de-facto"), ("unknown", UNKNOWN, UNKNOWN, UNKNOWN)])
def test_the_ground_ukraine_leaves_takes_its_own_status_where_the_plan_gives_one(left, recognised, in_law,
                                                                                  recognition):
    """The 28-point plan recognises Donetsk de facto (21(a)) and the part Ukraine leaves there in law (21(d)): the
    held part counts towards the recognised shares only under its own status; left out, it takes the region's.
    Control is the whole region whatever the status of the ground left."""
    donetsk = {"status": "recognised-de-facto", "withdrawal": True, "recognised_by": ["international"]}
    if left is not None:
        donetsk["withdrawal_status"] = left
    inputs = load_scenario(scenario(territory={**every_region("restored"), "donetsk": donetsk}), KB).inputs
    parts = {"whole": share("donetsk", "occupied") + share("donetsk", "held"),
             "occupied": share("donetsk", "occupied"), "held": share("donetsk", "held")}

    def expected(value):
        return pytest.approx(round(parts[value], 1), abs=0.1) if value in parts else value

    assert inputs["territory_ceded_pct"].value == expected("whole")
    assert inputs["territory_recognised_pct"].value == expected(recognised)
    assert inputs["territory_recognised_de_jure_pct"].value == expected(in_law)
    assert inputs["recognition_of_annexation"].value == recognition


@pytest.mark.parametrize("status", ["recognised-de-facto", "frozen"])
def test_ground_that_may_be_left_with_a_status_of_its_own_leaves_the_recognition_open(status):
    """Whether Ukraine withdraws is open, and the ground it would leave is recognised in law: the strongest
    recognition, the share recognised in law and the United States' recognition are open, never settled by the
    region's own status alone."""
    donetsk = {"status": status, "withdrawal": "unknown", "withdrawal_status": "recognised-de-jure",
               "recognised_by": ["united-states"]}
    inputs = load_scenario(scenario(territory={**every_region("restored"), "donetsk": donetsk}), KB).inputs
    assert inputs["recognition_of_annexation"].value == UNKNOWN
    assert inputs["territory_recognised_de_jure_pct"].value == UNKNOWN
    assert inputs["recognition_by_us"].value == (True if status.startswith("recognised") else UNKNOWN)
    settled = {**donetsk, "withdrawal": False}
    inputs = load_scenario(scenario(territory={**every_region("restored"), "donetsk": settled}), KB).inputs
    assert inputs["recognition_of_annexation"].value == ("de-facto" if status.startswith("recognised") else "none")
    assert inputs["territory_recognised_de_jure_pct"].value == 0
