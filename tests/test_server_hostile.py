"""The server under hostile requests and overload (issue 15, defects 5, 6, 8 and the server's part of 9).

Crash containment: a worker process killed in the middle of a request answers that request 503, is replaced, and
the server goes on. The queue is bounded (429 with Retry-After) and slider assessments go before what-ifs.
Bodies must be declared JSON; every answer carries the security headers; a 500 names nothing of its exception
and leaves the connection open; the OpenAPI document resolves and declares the errors.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time

import pytest
from fastapi.testclient import TestClient
from test_server_support import KNOWLEDGE, post, preset, server_in_thread, with_parameters

from ppexpert.engine import durable as engine
from ppexpert.web.server import create_app
from ppexpert.web.workers import FAST, SLOW, Overloaded, Pool


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(KNOWLEDGE))


# ---------------------------------------------------------------- crash containment (defect 8)


def test_a_worker_killed_in_the_middle_of_a_request_answers_503_and_is_replaced():
    app = create_app(KNOWLEDGE, workers=2)
    pool = app.state.calculator.pool
    with server_in_thread(app) as port:
        assert pool.wait_ready(120)
        before = pool.pids()
        assert len(before) == 2 and os.getpid() not in before
        answers = {}
        what_if = {"scenario": with_parameters(preset(), territory_ceded_pct=37), "id": "risk.sovereignty"}
        asking = threading.Thread(target=lambda: answers.setdefault("what-if", post(port, "/api/what-if", what_if)))
        asking.start()
        deadline = time.monotonic() + 30
        while not any(kind == "what-if" for _, kind in pool.busy().values()):
            assert time.monotonic() < deadline, "the what-if never started"
            time.sleep(0.01)
        (victim,) = [pid for pid, kind in pool.busy().values() if kind == "what-if"]
        os.kill(victim, signal.SIGKILL)  # what a segfault of the engine does to the process
        asking.join(60)
        status, body = answers["what-if"]
        assert status == 503 and "still running" in body["error"]
        # the other worker, and then the replacement, go on answering
        for share in (11, 12, 13, 14):
            status, document = post(port, "/api/assess", with_parameters(preset(), territory_ceded_pct=share))
            assert status == 200 and document["scenario"]["id"] == "seed-calculator"
        deadline = time.monotonic() + 60
        while len(pool.pids()) < 2 or victim in pool.pids():
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.05)
        assert pool.crashes >= 1 and victim not in pool.pids() and len(pool.pids()) == 2
    pool.close()


# ---------------------------------------------------------------- the queue (defect 6), on the pool itself


class _Gate:
    """A runner that blocks every job until released, recording the order jobs started in."""

    def __init__(self):
        self.release = threading.Event()
        self.started: list[str] = []

    def __call__(self, kind, args):
        self.started.append(args)
        self.release.wait(10)
        return ("ok", args)


def _wait_busy(pool: Pool, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(pool.busy()) < count:
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_full_lane_is_refused_at_once_and_what_ifs_never_take_the_reserved_worker():
    gate = _Gate()
    pool = Pool("k", None, workers=0, local=gate, max_queued=2, max_slow_queued=1)
    try:
        running = pool.submit("what-if", "slow-1", SLOW)
        _wait_busy(pool, 1)
        queued = pool.submit("what-if", "slow-2", SLOW)  # the second worker is reserved for the fast lane
        with pytest.raises(Overloaded) as full:
            pool.submit("what-if", "slow-3", SLOW)
        assert full.value.retry_after >= 1
        fast = pool.submit("document", "fast-1", FAST)  # taken at once by the reserved worker
        _wait_busy(pool, 2)
        later = [pool.submit("why", "why-1", FAST, 1), pool.submit("document", "fast-2", FAST, 0)]
        with pytest.raises(Overloaded):
            pool.submit("document", "fast-3", FAST)
        gate.release.set()
        assert [f.result(10)[1] for f in (running, queued, fast, *later)] == ["slow-1", "slow-2", "fast-1",
                                                                             "why-1", "fast-2"]
        assert gate.started.index("fast-2") < gate.started.index("why-1")  # assessments before explanations
        assert gate.started.index("fast-2") < gate.started.index("slow-2")  # and before queued what-ifs
    finally:
        gate.release.set()
        pool.close()


def test_a_full_queue_answers_429_with_retry_after():
    client = TestClient(create_app(KNOWLEDGE, max_queued=0))
    response = client.post("/api/assess", json=with_parameters(preset(), territory_ceded_pct=41))
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert "busy" in response.json()["error"]


def test_a_local_runner_that_raises_answers_internal_not_a_dead_thread():
    def broken(kind, args):
        raise RuntimeError("boom")
    pool = Pool("k", None, workers=0, local=broken)
    try:
        assert pool.submit("document", 1).result(10) == ("internal",)
        assert pool.submit("document", 2).result(10) == ("internal",)
    finally:
        pool.close()


# ---------------------------------------------------------------- requests (defects 5, 6 and 9)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_body_not_declared_json_is_refused_415_so_no_page_can_post_it_cross_site(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/assess", content=json.dumps(preset()), headers=headers)
    assert response.status_code == 415 and response.json()["problems"][0]["code"] == "bad-media-type"


def test_json_with_a_charset_or_a_json_suffix_is_accepted(client):
    for content_type in ("application/json; charset=utf-8", "application/scenario+json"):
        response = client.post("/api/assess", content=json.dumps(preset()), headers={"Content-Type": content_type})
        assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/api/knowledge", "/static/app.js", "/nope", "/openapi.json"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_error_answers_carry_the_security_headers_too(client):
    response = client.post("/api/assess", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("title", ["\\ud800", "a\\udfffb", "\\u001b[31mred"])
def test_a_lone_surrogate_or_an_escape_in_a_json_title_answers_422_not_500(client, title):
    body = json.dumps(preset())[:-1] + f', "title": "{title}"}}'
    body = body.replace('"title": "Impact calculator defaults from the source article", ', "")
    response = client.post("/api/assess", content=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["field"] == "title"
    response.content.decode("ascii")  # the error body is plain ASCII JSON


def test_an_unknown_key_holding_a_surrogate_is_echoed_safely(client):
    body = '{"scenario": {}, "id": "risk.defence", "\\ud800": 1}'
    response = client.post("/api/why", content=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "\\ud800" in response.text


def test_a_500_names_nothing_of_its_exception_and_the_connection_stays_open(monkeypatch):
    with server_in_thread(create_app(KNOWLEDGE)) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def ask(body: dict) -> tuple[int, bytes, str | None]:
            connection.request("POST", "/api/assess", json.dumps(body), {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("connection")

        assert ask(with_parameters(preset(), territory_ceded_pct=51))[0] == 200
        first_socket = connection.sock
        monkeypatch.setattr(engine.Engine, "run", lambda self, ruleset, facts: {}["secret-internal-key"])
        # another cell than 51's (a value in a cell already run is answered from the cell cache, without the engine)
        status, body, closing = ask(with_parameters(preset(), territory_ceded_pct=3))
        assert status == 500 and json.loads(body) == {"error": "internal error", "problems": []}
        assert b"secret" not in body and b"KeyError" not in body and closing != "close"
        monkeypatch.undo()
        status, body, _ = ask(with_parameters(preset(), territory_ceded_pct=53))
        assert status == 200 and connection.sock is first_socket  # the same keep-alive connection
        status, _, _ = ask({"not": "a scenario"})
        assert status == 422
        assert ask(with_parameters(preset(), territory_ceded_pct=54))[0] == 200 and connection.sock is first_socket
        connection.close()


# ---------------------------------------------------------------- the OpenAPI document (defect 9)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_openapi_document_resolves_and_declares_every_error(client):
    spec = client.get("/openapi.json").json()
    for ref in set(_refs(spec)):
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"unresolvable {ref}"
            node = node[part]
    assert "Assumption" in spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method == "post":
                assert {"200", "413", "415", "422", "429", "503"} <= set(operation["responses"]), path
