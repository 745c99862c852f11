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
from ppexpert.check import load_knowledge
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.model import NOT_ADDRESSED, NOT_APPLICABLE, UNKNOWN, Parameter, ParameterGroup
from ppexpert.knowledge.scenario import describe_domain

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


def schema_for(kind: str, kb: KnowledgeBase | None = None) -> dict:
    """The JSON Schema of one kind of file; fields the loader fills in (ids from keys) are left out. With a
    knowledge base, the scenario schema names its parameters with their types, ranges and words, and its baselines
    as the assumptions a scenario may override."""
    model, title = SCHEMAS[kind]
    schema = model.model_json_schema(by_alias=True)
    _drop_loader_fields(schema)
    for definition in schema.get("$defs", {}).values():
        _drop_loader_fields(definition)
    if kind == "scenario" and kb is not None:
        _know_the_knowledge_base(schema, kb)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            **{k: v for k, v in schema.items() if k != "title"}}


def _know_the_knowledge_base(schema: dict, kb: KnowledgeBase) -> None:
    properties = schema["properties"]
    inputs = {name: p for name, p in sorted(kb.parameters.items()) if not p.derived}
    properties["parameters"] = {
        "title": "Parameters", "description": "the plan as the knowledge base's inputs; each also takes `unknown`, "
        "and a cited form {value, point, note}", "type": "object", "additionalProperties": False,
        "properties": {name: _cited(_parameter_schema(p), p) for name, p in inputs.items()}}
    properties["parameters"]["properties"].update(
        {name: _group_schema(group, kb) for name, group in sorted(kb.groups.items())})
    if kb.baselines:
        names = sorted({n for b in kb.baselines.values() for n in (b.id, b.alias) if n})
        properties["assumptions"] = {**properties["assumptions"], "propertyNames": {"enum": names}}


_WORDS = [UNKNOWN, NOT_ADDRESSED, NOT_APPLICABLE]
_CITE = {"point": {"type": ["string", "integer"]}, "note": {"type": "string"}}


def _group_schema(group: ParameterGroup, kb: KnowledgeBase) -> dict:
    """A group written nested: one word for all of it, or its fields (with `each`, its members, each a word or its
    fields); a `point` or `note` beside fields applies to those below it that give none."""
    def fields(prefix: str) -> dict:
        found = {name: kb.parameters[f"{prefix}.{name}"] for name in group.fields}
        return {"type": "object", "additionalProperties": False,
                "properties": {**_CITE, **{name: _cited(_parameter_schema(p), p) for name, p in found.items()}}}
    if group.each:
        body = {"type": "object", "additionalProperties": False, "properties": {**_CITE, **{
            member: {"title": title, "anyOf": [{"enum": _WORDS}, fields(f"{group.id}.{member}")]}
            for member, title in group.each.items()}}}
    else:
        body = fields(group.id)
    return {"title": group.title, "anyOf": [{"enum": _WORDS}, body]}


def _cited(value: dict, parameter: Parameter) -> dict:
    """A parameter's value, bare or cited with the plan point it encodes."""
    cited = {"type": "object", "additionalProperties": False, "required": ["value"],
             "properties": {"value": value, "point": {"type": ["string", "integer"]}, "note": {"type": "string"}}}
    return {"title": parameter.title, "description": describe_domain(parameter), "anyOf": [value, cited]}


def _parameter_schema(parameter: Parameter) -> dict:
    """The values `check_parameter_value` accepts, as JSON Schema."""
    kinds: list[dict] = [{"enum": _WORDS}]
    if parameter.nullable:
        kinds.append({"type": "null"})
    if parameter.type in ("number", "integer"):
        kinds.append(_number(parameter.type, parameter.min, parameter.max))
    elif parameter.type == "boolean":
        kinds.append({"type": "boolean"})
    elif parameter.type == "choice":
        kinds.append({"enum": list(parameter.choices or [])})
    elif parameter.type == "set":
        kinds.append({"type": "array", "uniqueItems": True, "items": {"enum": list(parameter.choices or [])}})
    elif parameter.type == "record":
        kinds += [{"type": "object", "additionalProperties": False, "required": [key],
                   "properties": {key: _number(spec.type, spec.min, spec.max)}}
                  for key, spec in (parameter.fields or {}).items()]
    else:
        return {}  # a type this schema does not know yet: the loader still checks it
    return {"anyOf": kinds}


def _number(kind: str, low: float | None, high: float | None) -> dict:
    bounds = {"minimum": low, "maximum": high}
    return {"type": kind, **{k: _plain(v) for k, v in bounds.items() if v is not None}}


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() else number


def _drop_loader_fields(schema: dict) -> None:
    properties = schema.get("properties", {})
    for name in [n for n, p in properties.items() if _SET_BY_LOADER in p.get("description", "")]:
        del properties[name]
        if name in schema.get("required", []):
            schema["required"].remove(name)


def schema_text(kind: str, kb: KnowledgeBase | None = None) -> str:
    return json.dumps(schema_for(kind, kb), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path, check_only: bool = False, knowledge: KnowledgeBase | Path | None = None) -> list[str]:
    """Write every schema into `folder`; return the names written (or, with check_only, the stale ones). The
    scenario schema knows the given knowledge base (a folder is loaded and checked first)."""
    kb = knowledge if isinstance(knowledge, KnowledgeBase) or knowledge is None else load_knowledge(knowledge)
    changed = []
    if not check_only:
        folder.mkdir(parents=True, exist_ok=True)
    for kind in SCHEMAS:
        path = folder / f"{kind}.schema.json"
        text = schema_text(kind, kb)
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
