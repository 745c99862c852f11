"""JSON Schemas of the YAML files, generated from the pydantic models the loader validates with.

`ppexpert schema` writes them to schemas/; `ppexpert schema --annotate` puts the first-line comment
`# yaml-language-server: $schema=<relative path>` into YAML files so that editors (VS Code with the YAML
extension, any yaml-language-server client) complete keys and flag mistakes as you type.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel

import ppexpert.knowledge.model as m
from ppexpert.authoring.cases import CaseFile

# file kind -> (model, title). The names are the schema files' names: schemas/<kind>.schema.json
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "sources": (m.SourcesFile, "ppexpert knowledge: sources.yaml (citable documents)"),
    "provisions": (m.ProvisionsFile, "ppexpert knowledge: provisions/<jurisdiction>/<instrument>.yaml"),
    "baselines": (m.BaselinesFile, "ppexpert knowledge: baselines/<jurisdiction>/<topic>.yaml"),
    "claims": (m.ClaimsFile, "ppexpert knowledge: claims.yaml (sources' claims against the record)"),
    "scale": (m.ScaleFile, "ppexpert knowledge: scale.yaml (risk levels, least to most severe)"),
    "areas": (m.AreasFile, "ppexpert knowledge: areas.yaml"),
    "parameters": (m.ParametersFile, "ppexpert knowledge: parameters.yaml (scenario inputs)"),
    "rules": (m.RulesFile, "ppexpert knowledge: rules/<area>.yaml"),
    "scenario": (m.Scenario, "ppexpert scenario (examples/*.yaml)"),
    "cases": (CaseFile, "ppexpert test cases (tests/cases/*.yaml)"),
}

COMMENT = "# yaml-language-server: $schema="
_SET_BY_LOADER = "set by the loader"


def schema_for(kind: str) -> dict:
    """The JSON Schema of one kind of file; fields the loader fills in (ids from keys) are left out."""
    model, title = SCHEMAS[kind]
    schema = model.model_json_schema(by_alias=True)
    _drop_loader_fields(schema)
    for definition in schema.get("$defs", {}).values():
        _drop_loader_fields(definition)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            **{k: v for k, v in schema.items() if k != "title"}}


def _drop_loader_fields(schema: dict) -> None:
    properties = schema.get("properties", {})
    for name in [n for n, p in properties.items() if _SET_BY_LOADER in p.get("description", "")]:
        del properties[name]
        if name in schema.get("required", []):
            schema["required"].remove(name)


def schema_text(kind: str) -> str:
    return json.dumps(schema_for(kind), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path, check_only: bool = False) -> list[str]:
    """Write every schema into `folder`; return the names written (or, with check_only, the stale ones)."""
    changed = []
    if not check_only:
        folder.mkdir(parents=True, exist_ok=True)
    for kind in SCHEMAS:
        path = folder / f"{kind}.schema.json"
        text = schema_text(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            changed.append(path.name)
            if not check_only:
                path.write_text(text, encoding="utf-8")
    return changed


def kind_of(path: Path) -> str | None:
    """Which schema a YAML file follows, from where it sits: knowledge/..., examples/, tests/cases/."""
    parts = path.resolve().parts
    if "knowledge" in parts:
        below = parts[len(parts) - 1 - parts[::-1].index("knowledge") + 1:]
        if len(below) == 1:
            stem = Path(below[0]).stem
            return stem if stem in SCHEMAS else None
        return below[0] if below[0] in ("provisions", "baselines", "rules") else None
    if len(parts) >= 2 and parts[-2] == "examples":
        return "scenario"
    if len(parts) >= 3 and parts[-2] == "cases" and parts[-3] == "tests":
        return "cases"
    return None


def annotate(targets: list[Path], schemas: Path) -> list[Path]:
    """Add or update each YAML file's first-line schema comment; return the files changed."""
    files: list[Path] = []
    for target in targets:
        files += sorted(target.rglob("*.yaml")) if target.is_dir() else [target]
    changed = []
    for path in files:
        kind = kind_of(path)
        if kind is None:
            continue
        relative = Path(os.path.relpath(schemas.resolve() / f"{kind}.schema.json", path.resolve().parent)).as_posix()
        line = COMMENT + relative
        text = path.read_text(encoding="utf-8")
        first, newline, rest = text.partition("\n")
        updated = f"{line}\n{rest}" if first.startswith(COMMENT) else f"{line}\n{text}"
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed
