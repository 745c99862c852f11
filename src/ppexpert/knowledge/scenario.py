"""Load a scenario (a plan as parameters) and check every value against the parameters' declared domains."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Mapping

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import is_number, normalise_number, show_value
from ppexpert.knowledge.derive import derive_inputs
from ppexpert.knowledge.inputs import BaselineValue, InputValue, LoadedScenario
from ppexpert.knowledge.model import UNKNOWN, Parameter, Scenario
from ppexpert.knowledge.problems import InputError, Problem, suggest
from ppexpert.knowledge.validation import validate
from ppexpert.knowledge.yamlfile import Document, load_document


def load_scenario(source: Path | str | Mapping, kb: KnowledgeBase) -> LoadedScenario:
    """Read a scenario file (or mapping) and validate it; raise InputError with every problem."""
    if isinstance(source, Mapping):
        doc = Document("<scenario>", dict(source))  # no positions to keep: problems name the YAML path
        content = json.dumps(source, sort_keys=True, default=str, ensure_ascii=False).encode(
            "utf-8", "surrogatepass")  # a lone surrogate is reported by the checks below, not by the hash
    else:
        doc = load_document(source)
        content = Path(source).read_bytes()
    loaded = scenario_from_document(doc, kb)
    loaded.content_hash = hashlib.sha256(content).hexdigest()[:12]
    return loaded


def scenario_from_document(doc: Document, kb: KnowledgeBase) -> LoadedScenario:
    if not isinstance(doc.data, dict):
        raise InputError([doc.problem((), "a scenario must be a mapping with id, title and parameters",
                                      "see examples/seed-calculator.yaml", code="wrong-type")])
    scenario, problems = validate(doc, Scenario, doc.data)
    problems += _control_characters(doc, doc.data, ())
    raw_parameters = doc.data.get("parameters") if isinstance(doc.data.get("parameters"), dict) else {}
    inputs: dict[str, InputValue] = {}
    for name, raw in raw_parameters.items():
        path = ("parameters", name)
        parameter = kb.parameters.get(name)
        if parameter is None or parameter.derived:
            allowed = sorted(p for p, d in kb.parameters.items() if not d.derived)
            problems.append(doc.problem(path, f"unknown parameter '{name}'", _did_you_mean(name, allowed) +
                                        f"allowed parameters: {', '.join(allowed)}", code="unknown-parameter"))
            continue
        point = note = None
        value = raw
        if isinstance(raw, dict) and "value" in raw:
            extra = set(raw) - {"value", "point", "note"}
            if extra:
                problems.append(doc.problem(path + (sorted(extra)[0],), f"unknown key '{sorted(extra)[0]}'",
                                            "a cited parameter takes value, point and note", code="unknown-key"))
            value, point, note = raw["value"], raw.get("point"), raw.get("note")
            path = path + ("value",)
        found = check_parameter_value(parameter, value)
        if found:
            problems.append(doc.problem(path, f"{name}: {found[0]}", found[1], value=True, code="bad-value",
                                        subject=name))
            continue
        inputs[name] = InputValue(name, _normalised(value), doc.span(path), "scenario",
                                  None if point is None else str(point), note)
    for name, parameter in sorted(kb.parameters.items()):
        if not parameter.derived and name not in inputs and name not in raw_parameters:
            inputs[name] = InputValue(name, UNKNOWN, doc.span(("parameters",)), "not-stated")
    baselines = _baselines(doc, kb, problems)
    if problems or scenario is None:
        raise InputError(sorted(problems, key=Problem.sort_key))
    scenario.at(doc.span())
    loaded = LoadedScenario(scenario, inputs, baselines, doc.file)
    loaded.inputs.update(derive_inputs(loaded, kb))
    return loaded


def _did_you_mean(name: str, known: list[str]) -> str:
    hint = suggest(name, known)
    return f"{hint} " if hint.startswith("did you mean") else ""


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _control_characters(doc: Document, data: Any, path: tuple) -> list[Problem]:
    """Text holding control characters (a terminal escape sequence in a title) or lone surrogates, refused
    wherever it stands: it would reach terminals, Markdown and HTML reports. The YAML loader refuses them in
    files; this covers scenarios given as mappings (the web API, Python)."""
    if isinstance(data, str):
        found = _CONTROL.search(data)
        if not found:
            return []
        return [doc.problem(path, f"the text holds the character U+{ord(found.group()):04X}",
                            "remove control characters and unpaired surrogates from text", value=True,
                            code="bad-value")]
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in
                _control_characters(doc, key, path) + _control_characters(doc, value, path + (key,))]
    if isinstance(data, list):
        return [p for index, value in enumerate(data) for p in _control_characters(doc, value, path + (index,))]
    return []


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: normalise_number(inner) for key, inner in value.items()}
    return normalise_number(value)


def check_parameter_value(parameter: Parameter, value: Any) -> tuple[str, str] | None:
    """None when `value` is allowed for `parameter`; else (what is wrong, what is allowed)."""
    allowed = describe_domain(parameter)
    if value == UNKNOWN:
        return None
    if value is None:
        return None if parameter.nullable else ("null is not allowed", allowed)
    if parameter.type in ("number", "integer"):
        return _check_number(value, parameter.type, parameter.min, parameter.max, allowed)
    if parameter.type == "boolean":
        return None if isinstance(value, bool) else (f"{show_value(value)!r} is not true or false", allowed)
    if parameter.type == "choice":
        if isinstance(value, str) and value in (parameter.choices or []):
            return None
        return (f"'{show_value(value)}' is not an allowed word", allowed)
    if parameter.type == "record":
        if not isinstance(value, dict) or len(value) != 1:
            return ("expected a mapping with exactly one key", allowed)
        (key, inner), = value.items()
        spec = (parameter.fields or {}).get(key)
        if spec is None:
            return (f"unknown key '{key}'", allowed)
        return _check_number(inner, spec.type, spec.min, spec.max, allowed)
    return None


MAX_NUMBER = 10 ** 15  # as the YAML loader's: beyond it doubles lose whole units, and no domain comes near


def _check_number(value: Any, kind: str, low: float | None, high: float | None, allowed: str):
    if not is_number(value) or value != value or abs(value) == float("inf") or (
            kind == "integer" and not float(value).is_integer()):
        return (f"{value!r} is not {'a whole number' if kind == 'integer' else 'a number'}", allowed)
    if (low is not None and value < low) or (high is not None and value > high) or abs(value) > MAX_NUMBER:
        return (f"{show_value(value) if abs(value) <= MAX_NUMBER else format(value, '.3g')} is out of range", allowed)
    return None


def describe_baseline_domain(baseline) -> str:
    low = show_value(baseline.min) if baseline.min is not None else f"-{MAX_NUMBER:.0e}"
    high = show_value(baseline.max) if baseline.max is not None else f"{MAX_NUMBER:.0e}"
    unit = f" {baseline.unit}" if baseline.unit else ""
    return (f"expected {'a whole number' if baseline.integer else 'a number'} from {low} to {high}{unit} "
            f"(the knowledge base has {show_value(baseline.value)})")


def describe_domain(parameter: Parameter) -> str:
    extra = ", or unknown" + (f", or null ({parameter.null_means or 'none'})" if parameter.nullable else "")
    if parameter.type in ("number", "integer"):
        low = show_value(parameter.min) if parameter.min is not None else "-inf"
        high = show_value(parameter.max) if parameter.max is not None else "inf"
        return f"expected {'a whole number' if parameter.type == 'integer' else 'a number'} from {low} to {high}{extra}"
    if parameter.type == "boolean":
        return f"expected true or false{extra}"
    if parameter.type == "choice":
        return f"expected one of: {', '.join(parameter.choices or [])}{extra}"
    fields = "; ".join(f"{{{k}: {describe_domain_field(v)}}}" for k, v in (parameter.fields or {}).items())
    return f"expected one of {fields}{extra}"


def describe_domain_field(spec) -> str:
    low = show_value(spec.min) if spec.min is not None else "-inf"
    high = show_value(spec.max) if spec.max is not None else "inf"
    return f"{spec.type} {low}..{high}"


def _baselines(doc: Document, kb: KnowledgeBase, problems: list[Problem]) -> dict[str, BaselineValue]:
    assumptions = doc.data.get("assumptions") if isinstance(doc.data.get("assumptions"), dict) else {}
    result = {}
    for baseline in kb.baselines.values():
        result[baseline.id] = BaselineValue(baseline.id, baseline.value, baseline.value, baseline.values[0].source,
                                            False, baseline.disputed, baseline.span)
    for name, raw in assumptions.items():
        path = ("assumptions", name)
        baseline = kb.baseline(name)
        if baseline is None:
            names = sorted(b.alias or b.id for b in kb.baselines.values())
            problems.append(doc.problem(path, f"unknown baseline '{name}'", _did_you_mean(name, names) +
                                        f"assumptions may set: {', '.join(names)}", code="unknown-baseline"))
            continue
        if not isinstance(raw, dict) or "value" not in raw or "source" not in raw:
            continue  # the Scenario model reports the shape
        value, source = raw["value"], raw["source"]
        if source not in kb.sources:
            problems.append(doc.problem(path + ("source",), f"unknown source '{source}'",
                                        "cite a source id from knowledge/sources.yaml", code="unknown-source"))
            continue
        if type(value) is not type(baseline.value) and not (is_number(value) and is_number(baseline.value)):
            problems.append(doc.problem(path + ("value",), f"{name}: {value!r} has the wrong type",
                                        f"expected a value like the baseline's ({baseline.value!r})", value=True,
                                        code="wrong-type"))
            continue
        if is_number(value) or is_number(baseline.value):
            found = _check_number(value, "integer" if baseline.integer else "number", baseline.min, baseline.max,
                                  describe_baseline_domain(baseline))
            if found:
                problems.append(doc.problem(path + ("value",), f"{name}: {found[0]}", found[1], value=True,
                                            code="bad-value", subject=baseline.id))
                continue
        value = normalise_number(value)
        result[baseline.id] = BaselineValue(baseline.id, value, baseline.value, source, True,
                                            baseline.disputed or value != baseline.value, doc.span(path), raw.get("note"))
    return result
