"""Invariants over many generated scenarios (hypothesis)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppexpert import assess
from ppexpert.knowledge.conditions import value_holds
from ppexpert.knowledge.model import NOT_ADDRESSED, NOT_APPLICABLE, UNKNOWN
from ppexpert.reasoning import knowledge_for
from ppexpert.reasoning.settle import current_value

KB = knowledge_for()
RANK = {level: index for index, level in enumerate(KB.scale.names)}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


SPECIAL = [UNKNOWN, NOT_ADDRESSED, NOT_APPLICABLE]


def _choice(name):
    return st.sampled_from(list(KB.parameters[name].choices) + SPECIAL)


regions = st.fixed_dictionaries({region: st.one_of(
    st.sampled_from(SPECIAL),
    st.fixed_dictionaries({"status": _choice("territory.crimea.status"),
                           "withdrawal": st.sampled_from([True, False] + SPECIAL),
                           "recognised_by": st.one_of(st.sampled_from(SPECIAL), st.lists(
                               st.sampled_from(KB.parameters["territory.crimea.recognised_by"].choices)))}))
    for region in KB.groups["territory"].each})


caps = st.one_of(st.none(), st.just(UNKNOWN),
                 st.builds(lambda p: {"pct_of_current": p}, st.integers(0, 100)),
                 st.builds(lambda t: {"troops": t}, st.integers(0, 1_500_000)))
scenarios = st.fixed_dictionaries({
    "territory_ceded_pct": st.one_of(st.floats(0, 100, allow_nan=False), st.just(UNKNOWN)),
    "military_cap": caps,
    "election_within_days": st.one_of(st.none(), st.just(UNKNOWN), st.integers(0, 3650)),
    "war_crimes_amnesty": _choice("war_crimes_amnesty"),
    "us_commitment": _choice("us_commitment"),
})
# the plan vocabulary's groups and special values, beside (not instead of) the calculator's dials
vocabulary = st.fixed_dictionaries({
    "military_cap": caps,
    "territory": regions,
    "territory_change_by_referendum": st.sampled_from([True, False] + SPECIAL),
    "guarantee": st.fixed_dictionaries({
        "guarantors": st.one_of(st.sampled_from(SPECIAL),
                                st.lists(st.sampled_from(KB.parameters["guarantee.guarantors"].choices))),
        "consent_rule": _choice("guarantee.consent_rule"), "legal_form": _choice("guarantee.legal_form")}),
    "forces": st.fixed_dictionaries({"russia_cap": _choice("forces.russia_cap"),
                                     "ukraine_cap_scope": _choice("forces.ukraine_cap_scope")}),
    "eu_accession": _choice("eu_accession"),
    "alignment": st.fixed_dictionaries({"neutrality": _choice("alignment.neutrality")}),
})


def _assess(parameters):
    return assess({"id": "generated", "title": "Generated", "parameters": parameters}, KB)


def _rank(assessment, conclusion_id):
    conclusion = assessment.get(conclusion_id)
    return RANK[conclusion.level] if conclusion else -1


@SETTINGS
@given(scenarios, st.floats(0, 100, allow_nan=False), st.floats(0, 100, allow_nan=False))
def test_ceding_more_territory_never_lowers_the_sovereignty_risk(parameters, a, b):
    less, more = sorted((a, b))
    low = _rank(_assess({**parameters, "territory_ceded_pct": less}), "risk.sovereignty")
    high = _rank(_assess({**parameters, "territory_ceded_pct": more}), "risk.sovereignty")
    assert high >= low >= 0


@SETTINGS
@given(scenarios, st.integers(0, 100), st.integers(0, 100))
def test_a_tighter_army_cap_never_lowers_the_defence_risk(parameters, a, b):
    tight, loose = sorted((a, b))
    tighter = _rank(_assess({**parameters, "military_cap": {"pct_of_current": tight}}), "risk.defence")
    looser = _rank(_assess({**parameters, "military_cap": {"pct_of_current": loose}}), "risk.defence")
    assert tighter >= looser


@SETTINGS
@given(scenarios)
def test_the_overall_risk_is_the_gravest_area_risk(parameters):
    assessment = _assess(parameters)
    areas = [RANK[c.level] for c in assessment.risks]
    if areas:
        assert RANK[assessment.overall.level] == max(areas)
    else:
        assert assessment.overall is None


@SETTINGS
@given(st.one_of(scenarios, vocabulary))
def test_the_engine_fires_a_rule_exactly_when_its_conditions_hold_in_python(parameters):
    """Differential check: durable_rules' matching agrees with conditions.value_holds for input/fact tests."""
    assessment = _assess(parameters)
    fired = {f.rule for f in assessment.firings}
    for rule in KB.rules:
        if any(c.subject_kind == "conclusion" for c in rule.when):
            continue
        holds = all(value_holds(c, current_value(c, assessment.loaded)) for c in rule.when)
        assert (rule.id in fired) == holds, (rule.id, parameters)


@SETTINGS
@given(scenarios)
def test_every_standing_conclusion_cites_at_least_one_source_and_names_its_rule(parameters):
    for conclusion in _assess(parameters).conclusions.values():
        # a conclusion drawn from other conclusions alone (the overall risk) has no basis of its own
        from_conclusions = all(not p.startswith(("input:", "fact:")) for p in conclusion.premises)
        assert (conclusion.sources or from_conclusions) and conclusion.rules


@settings(max_examples=15, deadline=None)
@given(scenarios)
def test_the_same_scenario_gives_the_same_json(parameters):
    assert _assess(parameters).to_json() == _assess(parameters).to_json()
