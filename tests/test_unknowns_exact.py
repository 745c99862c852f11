"""What decides an undetermined conclusion, exactly (issue 10 §2 bugs): `decided_by` lists alternatives that are exact
together (a completion of the unknown inputs gives a level iff some alternative of that level admits it), a component
too large to enumerate says so (`bounded`)."""
from __future__ import annotations

import copy
import itertools
from pathlib import Path

import yaml

from ppexpert.knowledge.model import UNKNOWN
from ppexpert.present.text import render_assessment, to_text
from ppexpert.reasoning import assess, knowledge_for, unknowns
from ppexpert.reasoning.cells import classes

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")
# inputs that decide together (elections, enforcement) and one the scale's floor decides (a waiver of claims breaches
# GC IV Art. 148, making the accountability risk at least high whatever the amnesty)
KEPT = ("election_within_days", "martial_law_lifted_first", "us_commitment", "war_crimes_amnesty", "waiver_of_claims")


def _scenario(parameters: dict) -> dict:
    return {"id": "generated", "title": "Generated", "date": "2025-12-24", "parameters": parameters}


def _put(parameters: dict, name: str, value) -> None:
    """Set an input where the plan states it: inside its group when the plan writes the group nested (the plan
    vocabulary), else under its dotted name."""
    head, _, rest = name.partition(".")
    if rest and isinstance(parameters.get(head), dict) and "value" not in parameters[head]:
        _put(parameters[head], rest, value)
    else:
        parameters[name] = value


def _with(scenario: dict, values: dict) -> dict:
    parameters = copy.deepcopy(scenario["parameters"])
    for name, value in values.items():
        _put(parameters, name, value)
    return {**scenario, "parameters": parameters}


def _twenty_point_with_some_unknowns() -> dict:
    """The 20-point framework with every unknown input but a few set to one of its classes (a share derived from the
    regions follows from them)."""
    plan = yaml.safe_load((ROOT / "examples" / "20-point-framework-2025-12.yaml").read_text())
    loaded = assess(plan, KB).loaded
    values = {name: classes(KB, loaded, name)[0].representative for name, value in loaded.inputs.items()
              if value.origin != "derived" and value.value == UNKNOWN and name not in KEPT
              and not getattr(KB.parameters.get(name), "derived", False)}
    return _with(plan, {**values, **{name: UNKNOWN for name in KEPT}})


def _admits(needs: list[dict], texts: dict[str, str]) -> bool:
    return all(texts[n["input"]] in n["one_of"] for n in needs)


def test_every_completion_falls_under_an_alternative_of_its_own_level_and_of_no_other():
    scenario = _twenty_point_with_some_unknowns()
    result = assess(scenario, KB)
    table = {name: classes(KB, result.loaded, name) for name in KEPT}
    checked = 0
    for combo in itertools.product(*table.values()):
        done = assess(_with(scenario, {c.input: c.representative for c in combo}), KB)
        texts = {c.input: c.text for c in combo}
        for cid, possible in result.possible.items():
            conclusion = done.get(cid)
            outcome = (conclusion.level or "holds") if conclusion else None
            admitting = {outcome_ for outcome_, alternatives in possible.decided_by.items()
                         for needs in alternatives
                         if _admits([{"input": n, "one_of": list(t)} for n, t in needs], texts)}
            assert admitting == {outcome}, (cid, texts, outcome, admitting)
            checked += 1
    assert checked > 0 and {"risk.elections", "risk.accountability"} <= set(result.possible)
    high = result.possible["risk.accountability"].decided_by["high"]
    assert (("waiver_of_claims", ("true",)),) in high  # the floor (GC IV Art. 148), whatever the amnesty
    assert (("waiver_of_claims", ("false",)), ("war_crimes_amnesty", ("partial", "full"))) in high  # together


def test_an_unenumerable_component_is_reported_bounded_with_every_level_its_rules_allow(monkeypatch):
    monkeypatch.setattr(unknowns, "MAX_CELLS", 1)
    scenario = _scenario({"territory_ceded_pct": UNKNOWN, "recognition_of_annexation": "none",
                          "war_crimes_amnesty": "none", "us_commitment": "treaty", "election_within_days": None,
                          "military_cap": None, "waiver_of_claims": False})
    result = assess(scenario, KB)
    possible = result.possible["risk.sovereignty"]
    assert possible.bounded
    assert set(possible.outcomes) >= {"low", "medium", "high", "critical"}
    assert result.possible["risk.overall"].bounded
    document = result.to_json()
    assert document["overall"]["bounded"] is True and document["overall"]["undetermined"] is True
    assert "not enumerated" in " ".join(to_text(render_assessment, document).split())


def test_a_share_derived_from_an_unknown_region_bounds_what_reads_it_instead_of_settling_it():
    """Regression: the 20-point framework leaves Donetsk's status unknown, so the share of Ukraine under Russian
    control (summed over the regions) is unknown; the classes do not carry such a share, and the sovereignty risk
    was open with no possible levels while the overall risk read 'medium or high' although a completion gives
    critical. What reads such a share is now bounded: every level its rules allow, flagged as not exact."""
    plan = yaml.safe_load((ROOT / "examples" / "20-point-framework-2025-12.yaml").read_text())
    result = assess(plan, KB)
    sovereignty, overall = result.possible["risk.sovereignty"], result.possible["risk.overall"]
    assert sovereignty.bounded and overall.bounded and "territory.donetsk.status" in sovereignty.inputs
    for status in ("restored", "frozen", "recognised-de-facto", "recognised-de-jure"):
        done = assess(_with(plan, {"territory.donetsk.status": status}), KB)
        for cid in ("risk.sovereignty", "risk.overall"):  # settled, or still open on the other unknown inputs
            levels = {done.get(cid).level} if done.get(cid) else set(done.possible[cid].outcomes)
            assert levels <= set(result.possible[cid].outcomes), (status, cid, levels, result.possible[cid].outcomes)
    text = " ".join(to_text(render_assessment, result.to_json()).split())
    assert "Overall risk: UNDETERMINED" in text and "decide a share derived from several of them" in text
