"""Unknown carried to every verdict: undetermined conclusions carry their exact possible levels (tests/test_cells.py
checks the evaluator they rest on against the engine)."""
from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppexpert.knowledge.model import NOT_ADDRESSED, UNKNOWN
from ppexpert.reasoning import assess, knowledge_for
from ppexpert.reasoning.cells import classes

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")

scenarios = st.fixed_dictionaries({
    "territory_ceded_pct": st.one_of(st.sampled_from([0, 3, 7, 20, 25, 60]), st.floats(0, 100, allow_nan=False)),
    "military_cap": st.one_of(st.none(), st.builds(lambda p: {"pct_of_current": p}, st.integers(0, 100)),
                              st.builds(lambda t: {"troops": t}, st.integers(0, 1_500_000))),
    "election_within_days": st.one_of(st.none(), st.integers(0, 3650)),
    "war_crimes_amnesty": st.sampled_from(["none", "partial", "full"]),
    "us_commitment": st.sampled_from(["none", "vague", "defined", "treaty"]),
    "territory_change_by_referendum": st.booleans(),
    "sovereignty_affirmed": st.booleans(),
}, optional={"recognition_of_annexation": st.sampled_from(["none", "de-facto", "de-jure", UNKNOWN]),
             "martial_law_lifted_first": st.sampled_from([True, False, UNKNOWN])})


def _assess(parameters):
    return assess({"id": "generated", "title": "Generated", "parameters": parameters}, KB)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.sampled_from(["territory_ceded_pct", "military_cap", "election_within_days",
                                   "war_crimes_amnesty", "us_commitment", "sovereignty_affirmed"]))
def test_replacing_an_input_by_unknown_never_removes_a_level_a_conclusion_had(parameters, name):
    before = _assess(parameters)
    after = _assess({**parameters, name: UNKNOWN})
    ids = {r.then.conclusion_id for r in KB.rules}
    for cid in ids:
        assert set(before.outcomes(cid)) <= set(after.outcomes(cid)), (cid, before.outcomes(cid), after.outcomes(cid))


def test_the_possible_levels_are_exactly_those_of_every_completion_by_brute_force():
    import yaml
    plan = yaml.safe_load((ROOT / "examples" / "seed-calculator.yaml").read_text())["parameters"]
    varied = ("us_commitment", "territory_ceded_pct")
    parameters = {**plan, **dict.fromkeys(varied, UNKNOWN)}
    # every other input stated: what the plan leaves unsaid (the vocabulary's groups among it) is not addressed
    unsaid = [n for n, v in _assess(parameters).loaded.inputs.items() if v.origin == "not-stated"
              and n not in varied and not KB.parameters[n].derived and KB.parameters[n].member_of is None]
    parameters.update(dict.fromkeys(unsaid, NOT_ADDRESSED))
    result = _assess(parameters)
    base = result.loaded
    choices = {name: classes(KB, base, name) for name in ("us_commitment", "territory_ceded_pct")}
    seen: dict[str, set] = {}
    for a, b in itertools.product(choices["us_commitment"], choices["territory_ceded_pct"]):
        # every value of every class, not only the representative: the ends of each range too
        for value_b in {b.representative, b.low, b.high}:
            done = _assess({**parameters, "us_commitment": a.representative, "territory_ceded_pct": value_b})
            for cid in {r.then.conclusion_id for r in KB.rules}:
                c = done.get(cid)
                seen.setdefault(cid, set()).add((c.level or "holds") if c else None)
    # a conclusion also open on an input no completion here settles (a share derived from regions not given)
    open_elsewhere = {u.conclusion for u in result.undetermined if set(u.unknown) - set(varied)}
    assert len(open_elsewhere) < len(seen) / 4
    for cid, outcomes in seen.items():
        if cid not in open_elsewhere:
            assert set(result.outcomes(cid)) == outcomes, cid


def test_the_geneva_framework_no_longer_reads_overall_low():
    result = assess(ROOT / "examples" / "geneva-19-point-framework.yaml", KB)
    document = result.to_json()
    overall = document["overall"]
    assert overall["level"] is None and overall["undetermined"] is True
    assert overall["possible_levels"][0] == "low" and "critical" in overall["possible_levels"]
    low = next(d for d in overall["decided_by"] if d["level"] == "low")
    # low only if no territory is ceded (among others); critical if a quarter of Ukraine is ceded, whatever else,
    # or else only with a cap below a quarter of today's army (alternatives, exact together)
    assert {"input": "territory_ceded_pct", "one_of": ["exactly 0%"]} in low["needs"]
    critical = [d["needs"] for d in overall["decided_by"] if d["level"] == "critical"]
    assert [{"input": "territory_ceded_pct", "one_of": ["at least 25%"]}] in critical
    assert all(any(n["input"] == "military_cap" for n in needs) for needs in critical
               if needs != [{"input": "territory_ceded_pct", "one_of": ["at least 25%"]}])


def test_a_settled_scenario_has_nothing_undetermined():
    result = assess(ROOT / "examples" / "seed-calculator.yaml", KB)
    assert result.possible == {} or all(p.outcomes != (result.outcomes(p.id)[0],) for p in result.possible.values())
    assert result.to_json()["overall"]["undetermined"] is False
