"""The web calculator's API, through FastAPI's TestClient: answers, errors, limits, and what reaches the disk."""
from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import types
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from test_server_support import EXAMPLES, KNOWLEDGE, preset, with_parameters

import ppexpert
from ppexpert import load_knowledge
from ppexpert.cli import main
from ppexpert.engine import durable as engine
from ppexpert.knowledge.problems import EngineFailure
from ppexpert.reasoning.document import dumps
from ppexpert.web.server import MAX_BODY_BYTES, create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(KNOWLEDGE))


def sovereignty(document: dict) -> dict:
    return next(area for area in document["areas"] if area["id"] == "sovereignty")


# ---------------------------------------------------------------- answers


def test_assess_answers_the_same_document_as_the_library_for_the_same_mapping(client):
    scenario = preset("seed-calculator")
    response = client.post("/api/assess", json=scenario)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    # compact (the C encoder writes it three times as fast as indented text), the same data
    assert response.text == dumps(ppexpert.assess(scenario, KNOWLEDGE).to_json(), compact=True)
    assert response.json() == json.loads(dumps(ppexpert.assess(scenario, KNOWLEDGE).to_json()))


def test_assess_of_every_preset_answers_every_area_of_the_knowledge_base(client):
    areas = [a for a in load_knowledge(KNOWLEDGE).areas if a != "overall"]
    for path in sorted(EXAMPLES.glob("*.yaml")):
        document = client.post("/api/assess", json=preset(path)).json()
        assert [a["id"] for a in document["areas"]] == areas, path.name


def test_moving_the_territory_slider_from_0_to_40_raises_the_sovereignty_level(client):
    base = preset("seed-calculator")
    at_0 = client.post("/api/assess", json=with_parameters(base, territory_ceded_pct=0)).json()
    at_40 = client.post("/api/assess", json=with_parameters(base, territory_ceded_pct=40)).json()
    scale = at_0["scale"]
    assert scale.index(sovereignty(at_40)["level"]) > scale.index(sovereignty(at_0)["level"])
    assert "40% of Ukraine under Russian control" in [line["text"] for line in sovereignty(at_40)["lines"]]


def test_scenarios_lists_every_file_in_examples_with_its_parameters(client):
    listed = client.get("/api/scenarios").json()
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert [entry["file"] for entry in listed] == [f"examples/{p.name}" for p in files]
    for entry, path in zip(listed, files):
        data = preset(path)
        assert (entry["id"], entry["title"]) == (data["id"], data["title"])
        assert entry["parameters"] == data.get("parameters", {})


def test_knowledge_lists_the_inputs_a_scenario_may_set_and_the_areas(client):
    kb = load_knowledge(KNOWLEDGE)
    summary = client.get("/api/knowledge").json()
    assert [p["name"] for p in summary["parameters"]] == [n for n, p in kb.parameters.items()
                                                          if not p.derived and p.group is None]
    assert kb.groups and not any("." in p["name"] for p in summary["parameters"])  # groups are written in files
    assert [a["id"] for a in summary["areas"]] == list(kb.areas)
    assert [lv["id"] for lv in summary["scale"]] == kb.scale.names
    assert "json" in summary["report_formats"]
    territory = next(p for p in summary["parameters"] if p["name"] == "territory_ceded_pct")
    assert (territory["type"], territory["min"], territory["max"]) == ("number", 0, 100)


def test_why_post_gives_the_derivation_down_to_a_cited_article(client):
    tree = client.post("/api/why", json={"scenario": preset("seed-calculator"), "id": "risk.sovereignty"}).json()
    assert tree["holds"] is True and tree["id"] == "risk.sovereignty"
    assert tree == ppexpert.assess(preset("seed-calculator"), KNOWLEDGE).why("risk.sovereignty")
    cited = [s for d in _derivations(tree) for s in d["rests_on"]]
    assert any(s["locator"] and s["address"] and s["title"] for s in cited)


def _derivations(node: dict):
    for derivation in node.get("derivations", []):
        yield derivation
        for premise in derivation["premises"]:
            yield from _derivations(premise)


def test_why_of_a_conclusion_that_does_not_hold_says_which_test_failed(client):
    scenario = with_parameters(preset("seed-calculator"), territory_ceded_pct=0)
    tree = client.post("/api/why", json={"scenario": scenario, "id": "violation.ua.constitution.art-2"}).json()
    assert tree["holds"] is False
    assert any(not test["holds"] for rule in tree["why_not"]["rules"] for test in rule["tests"])


def test_why_get_by_preset_with_a_change_equals_why_post_with_that_scenario(client):
    got = client.get("/api/why", params={"preset": "seed-calculator", "id": "risk.defence",
                                         "set": ['military_cap={"troops": 600000}']})
    scenario = with_parameters(preset("seed-calculator"), military_cap={"troops": 600000})
    posted = client.post("/api/why", json={"scenario": scenario, "id": "risk.defence"})
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json()


def test_a_change_to_an_input_a_preset_derives_from_its_regions_sets_the_regions_aside(client):
    assert "territory" in preset("us-28-point-plan")["parameters"]
    listed = {p["name"]: p for p in client.get("/api/knowledge").json()["parameters"]}
    assert listed["territory_ceded_pct"]["derived_from"] == "territory"
    assert listed["election_within_days"]["derived_from"] == "sequence.elections.within_days"
    got = client.get("/api/why", params={"preset": "us-28-point-plan", "id": "risk.sovereignty",
                                         "set": ["territory_ceded_pct=0", "election_within_days=30"]})
    plan = preset("us-28-point-plan")
    parameters = {k: v for k, v in plan["parameters"].items() if k != "territory"}
    parameters["sequence"] = {"ceasefire": plan["parameters"]["sequence"]["ceasefire"],
                              "elections": {k: v for k, v in plan["parameters"]["sequence"]["elections"].items()
                                            if k != "within_days"}}
    scenario = {**plan, "parameters": {**parameters, "territory_ceded_pct": 0, "election_within_days": 30}}
    posted = client.post("/api/why", json={"scenario": scenario, "id": "risk.sovereignty"})
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_why_get_answers_for_every_preset(client, path):
    response = client.get("/api/why", params={"preset": preset(path)["id"], "id": "risk.overall"})
    assert response.status_code == 200 and response.json()["id"] == "risk.overall"


def test_why_not_and_what_if_answer_for_a_risk(client):
    scenario = preset("seed-calculator")
    why_not = client.post("/api/why-not", json={"scenario": scenario, "id": "risk.sovereignty", "level": "critical"})
    assert why_not.status_code == 200 and why_not.json()["holds"] is False
    what_if = client.post("/api/what-if", json={"scenario": scenario, "id": "risk.sovereignty"}).json()
    assert what_if["changes"] and all(c["result"] != what_if["now"] for c in what_if["changes"])


def test_without_ppexpert_report_the_report_is_the_json_document_of_the_current_settings(monkeypatch):
    monkeypatch.setitem(sys.modules, "ppexpert.present.report", None)  # as in a build without the report module
    client = TestClient(create_app(KNOWLEDGE))
    summary = client.get("/api/knowledge").json()
    assert (summary["report_formats"], summary["report_compare"]) == (["json"], False)
    scenario = with_parameters(preset("seed-calculator"), territory_ceded_pct=33)
    refused = client.post("/api/report", params={"format": "json", "compare": "us-28-point-plan"}, json=scenario)
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "compare"
    response = client.post("/api/report", params={"format": "json"}, json=scenario)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="seed-calculator.json"'
    assert response.text == dumps(ppexpert.assess(scenario, KNOWLEDGE).to_json())


def test_with_ppexpert_report_the_page_offers_its_formats_and_a_comparison_report(monkeypatch):
    calls = []
    fake = types.ModuleType("ppexpert.present.report")
    fake.build_report = lambda assessments: {"ids": [a.scenario.id for a in assessments],
                                             "levels": [a.get("risk.sovereignty").level for a in assessments]}
    fake.render_report = lambda document, fmt: calls.append((document, fmt)) or f"{fmt}:{document}"
    monkeypatch.setitem(sys.modules, "ppexpert.present.report", fake)
    client = TestClient(create_app(KNOWLEDGE))
    summary = client.get("/api/knowledge").json()
    assert (summary["report_formats"], summary["report_compare"]) == (["html", "json", "md"], True)
    scenario = with_parameters(preset("seed-calculator"), territory_ceded_pct=0)
    response = client.post("/api/report", params={"format": "html", "compare": "us-28-point-plan"}, json=scenario)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == 'attachment; filename="seed-calculator-vs-us-28-point-plan.html"'
    assert calls == [({"ids": ["seed-calculator", "us-28-point-plan"], "levels": ["low", "high"]}, "html")]
    md = client.post("/api/report", params={"format": "md"}, json=scenario)
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("md:")


def test_page_and_its_assets_are_served_and_load_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/app.js" in assets and "/static/app.css" in assets
    for asset in assets:
        assert not re.match(r"(https?:)?//", asset), asset
        if asset.startswith("/static/"):
            body = client.get(asset)
            assert body.status_code == 200, asset
            assert not re.search(r"(?:src|href|url)\s*[=(]\s*[\"']?(https?:)?//", body.text), asset
            assert not re.search(r"""(fetch|import)\(\s*["'`](https?:)?//""", body.text), asset


def test_openapi_description_lists_the_api_and_docs_work_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/assess", "/api/why", "/api/scenarios", "/api/knowledge", "/api/report"} <= set(spec["paths"])
    assert "requestBody" in spec["paths"]["/api/assess"]["post"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "POST /api/assess" in docs.text
    assert not re.search(r"<script|(?:src|href)=['\"]?(https?:)?//", docs.text)


# ---------------------------------------------------------------- bad input: 422 with the field and what is allowed


def test_out_of_range_value_answers_422_naming_the_field_and_the_allowed_range(client):
    response = client.post("/api/assess", json=with_parameters(preset("seed-calculator"), territory_ceded_pct=140))
    assert response.status_code == 422
    problem, = response.json()["problems"]
    assert problem["field"] == "parameters.territory_ceded_pct"
    assert "out of range" in problem["message"] and "0 to 100" in problem["hint"]


def test_unknown_parameter_and_bad_word_are_all_reported_at_once(client):
    scenario = with_parameters(preset("seed-calculator"), war_crimes_amnesty="total", speed=3)
    problems = client.post("/api/assess", json=scenario).json()["problems"]
    by_field = {p["field"]: p for p in problems}
    assert "none, partial, full" in by_field["parameters.war_crimes_amnesty"]["hint"]
    assert "territory_ceded_pct" in by_field["parameters.speed"]["hint"]


@pytest.mark.parametrize("body, code", [
    (b"[1, 2", "bad-json"),
    (b"[1, 2]", "wrong-type"),
    (b'{"id": "x", "title": "x", "parameters": {"territory_ceded_pct": NaN}}', "bad-json"),
    (b"[" * 20000 + b"]" * 20000, "bad-json"),
    (b'{"id": "x", "title": "x", "parameters": {"territory_ceded_pct": ' + b"[" * 900 + b"]" * 900 + b"}}", "too-deep"),
])
def test_malformed_bodies_answer_422_never_500(client, body, code):
    response = client.post("/api/assess", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["code"] == code


def test_missing_title_answers_422_naming_the_key(client):
    response = client.post("/api/assess", json={"id": "x", "parameters": {}})
    assert response.status_code == 422
    assert any("'title'" in p["message"] and p["hint"] for p in response.json()["problems"])


def test_unknown_conclusion_answers_422_listing_the_conclusion_ids(client):
    response = client.post("/api/why", json={"scenario": preset(), "id": "risk.weather"})
    assert response.status_code == 422
    problem, = response.json()["problems"]
    assert problem["field"] == "id" and "risk.sovereignty" in problem["hint"]


def test_why_not_with_an_unknown_level_answers_422_at_the_level_listing_the_scale(client):
    response = client.post("/api/why-not", json={"scenario": preset(), "id": "risk.defence", "level": "dire"})
    assert response.status_code == 422
    problem, = response.json()["problems"]
    assert problem["field"] == "level" and "critical" in problem["hint"]


def test_why_body_with_an_unknown_key_answers_422(client):
    response = client.post("/api/why", json={"scenario": preset(), "id": "risk.defence", "path": "/etc/passwd"})
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "path"


def test_unknown_report_format_answers_422_listing_the_formats(client):
    response = client.post("/api/report", params={"format": "pdf"}, json=preset())
    assert response.status_code == 422 and "json" in response.json()["problems"][0]["hint"]


# ---------------------------------------------------------------- limits and the file system


def test_a_body_over_the_limit_is_refused_with_413(client):
    big = with_parameters(preset(), filler="x" * MAX_BODY_BYTES)
    response = client.post("/api/assess", json=big)
    assert response.status_code == 413 and "limit" in response.json()["error"]


def test_a_streamed_body_over_the_limit_is_refused_with_413_without_a_declared_length(client):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = client.post("/api/assess", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413


@pytest.mark.parametrize("name", ["../knowledge/areas", "/etc/passwd", "seed-calculator.yaml", "..", "%2e%2e"])
def test_a_preset_is_looked_up_by_id_never_by_a_path(name, monkeypatch):
    from ppexpert.web import server
    read = []
    real = server.load_document
    monkeypatch.setattr(server, "load_document", lambda path: read.append(Path(path)) or real(path))
    response = TestClient(create_app(KNOWLEDGE)).get("/api/why", params={"preset": name, "id": "risk.sovereignty"})
    assert response.status_code == 422 and response.json()["problems"][0]["code"] == "unknown-preset"
    assert read and all(path.parent == EXAMPLES for path in read)


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py"])
def test_static_files_cannot_reach_outside_the_static_folder(client, path):
    assert client.get(path).status_code == 404


def test_examples_beside_the_knowledge_folder_are_the_presets(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    (tmp_path / "examples").mkdir()
    scenario = with_parameters(preset(), territory_ceded_pct=5)
    scenario.update(id="only-one", title="The only preset here")
    (tmp_path / "examples" / "mine.yaml").write_text(yaml.safe_dump(scenario))
    (tmp_path / "examples" / "broken.yaml").write_text("id: [unclosed\n")
    listed = TestClient(create_app(tmp_path / "knowledge")).get("/api/scenarios").json()
    assert [(e["id"], e["file"]) for e in listed] == [("broken", "examples/broken.yaml"), ("only-one", "examples/mine.yaml")]
    assert listed[0]["problems"] and "parameters" not in listed[0]


def test_an_extra_parameter_in_the_knowledge_base_reaches_the_page_and_the_engine(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with (tmp_path / "knowledge" / "parameters.yaml").open("a") as handle:
        handle.write("  ceasefire_monitors:\n    title: International monitors on the line of contact\n"
                     "    type: choice\n    choices: [none, osce, un]\n")
    client = TestClient(create_app(tmp_path / "knowledge"))
    names = [p["name"] for p in client.get("/api/knowledge").json()["parameters"]]
    assert "ceasefire_monitors" in names
    document = client.post("/api/assess", json=with_parameters(preset(), ceasefire_monitors="un")).json()
    assert {"name": "ceasefire_monitors", "value": "un"}.items() <= next(
        i for i in document["inputs"] if i["name"] == "ceasefire_monitors").items()


def test_identical_settings_are_answered_from_the_cache_with_identical_bytes(monkeypatch):
    client = TestClient(create_app(KNOWLEDGE))
    scenario = with_parameters(preset(), territory_ceded_pct=12.5)
    first = client.post("/api/assess", json=scenario).text
    runs = []
    real = engine.Engine.run
    monkeypatch.setattr(engine.Engine, "run", lambda self, *a: runs.append(1) or real(self, *a))
    assert client.post("/api/assess", json=dict(reversed(list(scenario.items())))).text == first  # key order is irrelevant
    assert client.post("/api/why", json={"scenario": scenario, "id": "risk.defence"}).status_code == 200
    assert runs == []  # neither the repeat nor the why? after it ran the engine again
    what_if = client.post("/api/what-if", json={"scenario": scenario, "id": "risk.defence"})
    assert what_if.status_code == 200 and runs  # what-if re-assesses variants of the scenario
    runs.clear()
    assert client.post("/api/what-if", json={"scenario": scenario, "id": "risk.defence"}).json() == what_if.json()
    assert runs == []  # but not twice for the same question
    client.post("/api/assess", json=with_parameters(scenario, territory_ceded_pct=13))
    assert runs == []  # another value in a cell already run: rebuilt from the cell cache, no engine run
    client.post("/api/assess", json=with_parameters(scenario, territory_ceded_pct=30, us_commitment="treaty",
                                                    war_crimes_amnesty="none"))
    assert runs == [1]  # a new cell runs the engine


def test_a_broken_knowledge_base_answers_500_with_its_problems_not_422(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    app = create_app(tmp_path / "knowledge")
    app.state.calculator.recheck_seconds = 0  # look at the files on every request
    client = TestClient(app)
    assert client.get("/api/knowledge").status_code == 200
    (tmp_path / "knowledge" / "scale.yaml").write_text("levels: [oops]\n")
    response = client.post("/api/assess", json=preset())
    assert response.status_code == 500
    assert response.json()["problems"] and "knowledge base" in response.json()["error"]


def test_on_loopback_a_request_for_another_host_name_is_refused():
    client = TestClient(create_app(KNOWLEDGE, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1:8000")
    assert client.get("/api/scenarios").status_code == 200
    assert client.get("/api/scenarios", headers={"Host": "rebound.example:8000"}).status_code == 400


# ---------------------------------------------------------------- failures do not take the server down


def test_an_engine_failure_answers_503_and_the_next_request_is_served(monkeypatch):
    client = TestClient(create_app(KNOWLEDGE))

    def failing(self, ruleset, facts):
        raise EngineFailure("durable_rules failed: simulated")

    monkeypatch.setattr(engine.Engine, "run", failing)
    response = client.post("/api/assess", json=preset())
    assert response.status_code == 503
    assert "engine" in response.json()["error"] and "simulated" in response.json()["detail"]
    monkeypatch.undo()
    assert client.post("/api/assess", json=preset()).status_code == 200


def test_an_unexpected_error_answers_500_with_a_json_message(monkeypatch):
    client = TestClient(create_app(KNOWLEDGE), raise_server_exceptions=False)

    def broken(self, ruleset, facts):
        raise KeyError("boom")

    monkeypatch.setattr(engine.Engine, "run", broken)
    response = client.post("/api/assess", json=preset())
    assert response.status_code == 500 and response.json()["error"] == "internal error"


# ---------------------------------------------------------------- the command


def test_serve_on_a_busy_port_is_a_user_error_with_exit_code_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code = main(["--knowledge", str(KNOWLEDGE), "serve", "--port", str(busy.getsockname()[1])])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1" in err and "--port" in err and "Traceback" not in err


def test_serve_with_a_missing_knowledge_folder_is_a_user_error(tmp_path, capsys):
    assert main(["--knowledge", str(tmp_path / "nowhere"), "serve", "--port", "0"]) == 2
    assert "no knowledge base" in capsys.readouterr().err


@pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz's dot is missing: apt-get install graphviz")
def test_why_picture_answers_the_derivation_as_svg_in_words(client):
    response = client.post("/api/why-picture", json={"scenario": preset("us-28-point-plan"), "id": "risk.defence"})
    assert response.status_code == 200
    drawn = response.json()
    assert drawn["id"] == "risk.defence" and "<svg" in drawn["svg"]
    assert "DEF-RISK" not in drawn["svg"] and "plan point 6" in drawn["svg"]
    assert client.post("/api/why-picture", json={"scenario": preset(), "id": "risk.weather"}).status_code == 422


def test_identical_requests_in_flight_at_once_all_get_the_answer_text(monkeypatch):
    """A request identical to one being answered waits for that answer: it gets the same text (a shared reply that
    was not yet the text once answered 500), and the work is done once."""
    import threading
    import time

    from test_server_support import post, server_in_thread

    import ppexpert.web.server as server

    calls = []
    real = server.slider_marks
    monkeypatch.setattr(server, "slider_marks",
                        lambda *a: calls.append(1) or time.sleep(0.5) or real(*a))  # long enough to overlap
    scenario = with_parameters(preset(), territory_ceded_pct=17)
    with server_in_thread(create_app(KNOWLEDGE)) as port:
        answers: list = []
        threads = [threading.Thread(target=lambda: answers.append(post(port, "/api/marks", scenario)))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [status for status, _ in answers] == [200] * 4
    assert all(body == answers[0][1] for _, body in answers) and "territory_ceded_pct" in answers[0][1]
    assert calls == [1]


def test_explanation_bodies_are_pydantic_models_described_in_openapi_and_answered_in_the_api_s_format(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/why-not"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False and set(body["required"]) == {"scenario", "id"}
    assert set(body["properties"]) == {"scenario", "id", "level"}
    assert body["properties"]["scenario"]["properties"]["parameters"]  # the scenario's own schema
    cases = [({"id": "risk.defence"}, "scenario", "missing-key"),
             ({"scenario": preset(), "id": 7}, "id", "wrong-type"),
             ({"scenario": preset(), "id": ""}, "id", "missing-key"),
             ({"scenario": preset(), "id": "risk.defence", "level": ["high"]}, "level", "wrong-type"),
             ([1, 2], "(document)", "wrong-type")]
    for sent, field, code in cases:
        response = client.post("/api/why-not", json=sent)
        assert response.status_code == 422, sent
        problem = response.json()["problems"][0]
        assert (problem["field"], problem["code"]) == (field, code), (sent, problem)
        assert problem["message"] and problem["hint"]
