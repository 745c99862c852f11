"""The web calculator behind a real uvicorn server on loopback: concurrency, and surviving an engine failure."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from test_server_support import (
    KNOWLEDGE,
    post,
    preset,
    server_in_thread,
    server_process,
    with_parameters,
)

import ppexpert
from ppexpert.engine import durable as engine
from ppexpert.knowledge.problems import EngineFailure
from ppexpert.web.server import create_app


def _summary(document: dict) -> dict:
    """What a card shows: each area's level and lines, and the overall level."""
    return {"overall": document["overall"]["level"] if document["overall"] else None,
            "areas": {a["id"]: (a["level"], [line["text"] for line in a["lines"]]) for a in document["areas"]}}


def test_200_concurrent_slider_changes_on_loopback_all_answer_correctly():
    base = preset("seed-calculator")
    values = [(i * 7) % 101 for i in range(200)]  # territory shares 0..100, every request a different scenario
    caps = [10 + (i * 13) % 80 for i in range(200)]
    scenarios = [with_parameters(base, territory_ceded_pct=t, military_cap={"pct_of_current": c})
                 for t, c in zip(values, caps)]
    expected = [_summary(ppexpert.assess(s, KNOWLEDGE).to_json()) for s in scenarios]
    with server_process() as url:
        port = urlparse(url).port
        with ThreadPoolExecutor(max_workers=200) as pool:
            answers = list(pool.map(lambda s: post(port, "/api/assess", s), scenarios))
    assert [status for status, _ in answers] == [200] * 200
    wrong = [i for i, (_, document) in enumerate(answers) if _summary(document) != expected[i]]
    assert not wrong, f"{len(wrong)} answers differ from the library's, e.g. request {wrong[:3]}"
    assert len({str(e) for e in expected}) > 20  # the requests really were different scenarios


def test_an_engine_failure_answers_503_and_the_live_server_keeps_serving(monkeypatch):
    with server_in_thread(create_app(KNOWLEDGE)) as port:
        assert post(port, "/api/assess", preset())[0] == 200

        def failing(self, ruleset, facts):
            raise EngineFailure("durable_rules failed: simulated")

        monkeypatch.setattr(engine.Engine, "run", failing)
        status, body = post(port, "/api/assess", with_parameters(preset(), territory_ceded_pct=1))
        assert status == 503 and "simulated" in body["detail"]
        status, body = post(port, "/api/why", {"scenario": with_parameters(preset(), territory_ceded_pct=2),
                                              "id": "risk.defence"})
        assert status == 503
        monkeypatch.undo()
        status, body = post(port, "/api/assess", with_parameters(preset(), territory_ceded_pct=0))
        assert status == 200
        assert next(a for a in body["areas"] if a["id"] == "sovereignty")["level"] == "low"


def test_an_unexpected_error_answers_500_and_the_live_server_keeps_serving(monkeypatch):
    with server_in_thread(create_app(KNOWLEDGE)) as port:
        monkeypatch.setattr(engine.Engine, "run", lambda self, ruleset, facts: 1 / 0)
        status, body = post(port, "/api/assess", with_parameters(preset(), territory_ceded_pct=3))
        assert status == 500 and body == {"error": "internal error", "problems": []}  # nothing of the exception
        monkeypatch.undo()
        assert post(port, "/api/assess", preset())[0] == 200
