"""The web calculator's slider marks: POST /api/marks names, for each numeric input, the values where a risk level
changes with the other inputs as sent; each mark is checked by assessing just below and at it, and a stretch with
no mark is checked to keep its levels."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_server_support import KNOWLEDGE, preset, with_parameters

import ppexpert
from ppexpert.web.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _risks(scenario: dict) -> dict:
    assessment = ppexpert.assess(scenario, KNOWLEDGE)
    return {c.id: c.level for c in assessment.by_kind("risk")}


def _set(scenario: dict, name: str, value) -> dict:
    parameter, _, field = name.partition(".")
    return with_parameters(scenario, **{parameter: {field: value} if field else value})


def test_every_mark_is_where_a_risk_level_changes_and_nothing_changes_between_marks():
    client = TestClient(create_app(KNOWLEDGE))
    scenario = preset("seed-calculator")
    answer = client.post("/api/marks", json=scenario)
    assert answer.status_code == 200
    marks = answer.json()
    assert {"territory_ceded_pct", "military_cap.pct_of_current", "military_cap.troops",
            "election_within_days"} <= set(marks)
    # the seed recognises the share de facto, which is not concluded as a breach of Art. 2 (the weaker claim), so no
    # floor: medium from the first share, high beyond the 7% occupied before 2022, critical from a quarter
    assert [m["at"] for m in marks["territory_ceded_pct"]] == [0.0001, 7, 25]
    for name in ("territory_ceded_pct", "military_cap.pct_of_current", "election_within_days"):
        step = 1 if name == "election_within_days" else 0.0001
        previous = None
        for mark in marks[name]:
            at, below = mark["at"], round(mark["at"] - step, 4)
            before, after = _risks(_set(scenario, name, below)), _risks(_set(scenario, name, at))
            assert {k: [before.get(k), after.get(k)] for k in mark["changes"]} == mark["changes"], (name, at)
            assert all(before.get(k) == after.get(k) for k in before if k not in mark["changes"])
            if previous is not None and below > previous:  # between two marks the levels hold
                middle = round((previous + below) / 2, 4) if step < 1 else (previous + int(below)) // 2
                assert _risks(_set(scenario, name, middle)) == before, (name, middle)
            previous = at
    assert client.post("/api/marks", json=scenario).text == answer.text  # the same settings, the same bytes
    bad = client.post("/api/marks", json=with_parameters(scenario, territory_ceded_pct=500))
    assert bad.status_code == 422 and "territory_ceded_pct" in bad.text
