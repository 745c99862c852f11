"""JSON Schemas: generated from the loader's pydantic models, committed up to date, valid for every shipped file,
strict where the loader is strict; `--annotate` writes the editor's first-line schema comment."""
import datetime
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from ppexpert.authoring.schema import (
    COMMENT,
    SCHEMAS,
    kind_of,
    schema_for,
    write_schemas,
)
from ppexpert.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "knowledge").rglob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml")) + \
    sorted((ROOT / "tests" / "cases").glob("*.yaml"))


def as_json(data):
    """What an editor's YAML server hands the schema: dates as strings."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, datetime.date) else v))


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_committed_schemas_are_what_the_models_generate_now(tmp_path):
    assert write_schemas(tmp_path, knowledge=ROOT / "knowledge") == [f"{kind}.schema.json" for kind in SCHEMAS]
    committed = sorted(p.name for p in (ROOT / "schemas").glob("*.json"))
    assert committed == sorted(p.name for p in tmp_path.glob("*.json"))
    stale = [name for name in committed if (ROOT / "schemas" / name).read_text() != (tmp_path / name).read_text()]
    assert stale == [], "run `ppexpert schema` and commit schemas/ (the scenario schema follows knowledge/)"


def test_the_scenario_schema_knows_the_knowledge_base_so_an_editor_flags_a_bad_share_and_a_misspelt_word():
    check = validator("scenario")
    plan = yaml.safe_load((ROOT / "examples" / "seed-calculator.yaml").read_text())
    assert list(check.iter_errors(plan)) == []
    plan["parameters"].update(territory_ceded_pct=120, war_crimes_amnesty="fulll", territory_ceeded_pct=20)
    flagged = {e.json_path: e for e in check.iter_errors(plan)}
    assert set(flagged) == {"$.parameters", "$.parameters.territory_ceded_pct", "$.parameters.war_crimes_amnesty"}
    assert "'territory_ceeded_pct' was unexpected" in flagged["$.parameters"].message
    share = check.schema["properties"]["parameters"]["properties"]["territory_ceded_pct"]
    assert share["description"].startswith("expected a number from 0 to 100")
    for fine in ("unknown", 100, {"value": 20.5, "point": "21", "note": "Donbas"}):
        plan["parameters"] = {"territory_ceded_pct": fine, "war_crimes_amnesty": "full", "military_cap": None}
        assert list(check.iter_errors(plan)) == [], fine
    plan["parameters"] = {"military_cap": {"troops": 600000.5}, "territory_ceded_pct": {"value": 101}}
    assert {e.json_path for e in check.iter_errors(plan)} == {"$.parameters.military_cap",
                                                              "$.parameters.territory_ceded_pct"}


def test_the_scenario_schema_knows_the_plan_vocabularys_groups_written_nested():
    check = validator("scenario")
    plan = {"id": "p", "title": "P", "parameters": {
        "territory": {"point": "21", "crimea": {"status": "recognised-de-facto", "recognised_by": ["united-states"]},
                      "donetsk": {"status": {"value": "unknown", "note": "open"}, "recognised_by": []},
                      "other": "not_addressed"},
        "guarantee": {"guarantors": ["russia", "china"], "legal_form": "not_applicable"},
        "alignment": "not_addressed", "sequence.elections.timing": "as-soon-as-possible"}}
    assert list(check.iter_errors(plan)) == []
    plan["parameters"]["territory"]["crimea"]["status"] = "annexed"
    plan["parameters"]["territory"]["narnia"] = "not_addressed"
    plan["parameters"]["guarantee"]["guarantors"] = ["russia", "atlantis"]
    flagged = {e.json_path for e in check.iter_errors(plan)}
    assert flagged == {"$.parameters.territory", "$.parameters.guarantee"}


def test_schema_check_exits_1_when_a_schema_is_stale_and_0_after_writing(tmp_path, capsys):
    assert main(["schema", "-o", str(tmp_path), "--check"]) == 1
    assert main(["schema", "-o", str(tmp_path)]) == 0
    assert main(["schema", "-o", str(tmp_path), "--check"]) == 0
    (tmp_path / "rules.schema.json").write_text("{}")
    assert main(["schema", "-o", str(tmp_path), "--check"]) == 1
    assert f"out of date: {tmp_path / 'rules.schema.json'}" in capsys.readouterr().out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_yaml_file_is_valid_against_its_schema(path):
    kind = kind_of(path)
    assert kind is not None
    errors = list(validator(kind).iter_errors(as_json(yaml.safe_load(path.read_text()))))
    assert [f"{e.json_path}: {e.message}" for e in errors] == []


def test_the_rules_schema_is_strict_like_the_loader():
    rules = validator("rules")
    good = {"rules": [{"id": "X-1", "title": "t", "rests_on": ["a"], "when": [{"input": "x", "is": 1}],
                       "then": {"risk": "land", "level": "high"}, "because": "b"}]}
    assert list(rules.iter_errors(good)) == []
    misspelt = {"rules": [{**good["rules"][0], "whenn": []}]}
    assert any("whenn" in e.message for e in rules.iter_errors(misspelt))
    bad_id = {"rules": [{**good["rules"][0], "id": "lower-case"}]}
    assert any(e.json_path == "$.rules[0].id" for e in rules.iter_errors(bad_id))
    assert list(validator("sources").iter_errors({"sources": {"s": {"title": "t", "kind": "website",
                                                                     "address": "u"}}}))


def test_fields_the_loader_fills_in_are_not_offered_to_authors():
    provision = schema_for("provisions")["$defs"]["Provision"]["properties"]
    assert "id" not in provision and "instrument" not in provision and "article" in provision
    assert "id" not in schema_for("areas")["$defs"]["Area"]["properties"]


def test_kind_of_follows_the_folder_layout():
    assert kind_of(ROOT / "knowledge" / "rules" / "defence.yaml") == "rules"
    assert kind_of(ROOT / "knowledge" / "provisions" / "ua" / "constitution.yaml") == "provisions"
    assert kind_of(ROOT / "knowledge" / "scale.yaml") == "scale"
    assert kind_of(ROOT / "examples" / "seed-calculator.yaml") == "scenario"
    assert kind_of(ROOT / "tests" / "cases" / "defence.yaml") == "cases"


def test_annotate_adds_then_updates_the_first_line_and_the_files_still_check(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PPEXPERT_KNOWLEDGE", raising=False)
    files = sorted((tmp_path / "knowledge").rglob("*.yaml")) + sorted((tmp_path / "examples").glob("*.yaml"))
    for path in files:  # start from files without the comment, whether or not the shipped ones have it
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[1:] if lines and lines[0].startswith(COMMENT) else lines))
    original = (tmp_path / "knowledge" / "rules" / "defence.yaml").read_text().splitlines()
    assert main(["schema", "--annotate"]) == 0
    assert capsys.readouterr().out.endswith(f"{len(files)} files changed\n")
    rules = (tmp_path / "knowledge" / "rules" / "defence.yaml").read_text().splitlines()
    assert rules[0] == COMMENT + "../../schemas/rules.schema.json"
    assert rules[1:] == original
    assert (tmp_path / "knowledge" / "provisions" / "ua" / "constitution.yaml").read_text().startswith(
        COMMENT + "../../../schemas/provisions.schema.json\n")
    assert (tmp_path / "examples" / "seed-calculator.yaml").read_text().startswith(
        COMMENT + "../schemas/scenario.schema.json\n")
    assert main(["schema", "--annotate"]) == 0  # idempotent
    assert capsys.readouterr().out == "0 files changed\n"
    moved = tmp_path / "knowledge" / "scale.yaml"
    moved.write_text(moved.read_text().replace("../schemas/", "../old/"))
    assert main(["schema", "--annotate", str(moved)]) == 0
    assert moved.read_text().startswith(COMMENT + "../schemas/scale.schema.json\n")
    assert main(["check"]) == 0
