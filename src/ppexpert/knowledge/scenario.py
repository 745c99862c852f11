"""Load a scenario (a plan as parameters) and check every value against the parameters' declared domains."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Mapping

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import is_number, normalise_number, show_value
from ppexpert.knowledge.derive import derive_inputs, listed_parameters, stated_under
from ppexpert.knowledge.inputs import BaselineValue, InputValue, LoadedScenario
from ppexpert.knowledge.model import SPECIAL_VALUES, UNKNOWN, Parameter, Scenario
from ppexpert.knowledge.problems import InputError, Problem, suggest
from ppexpert.knowledge.validation import validate
from ppexpert.knowledge.yamlfile import Document, load_document


def load_scenario(source: Path | str | Mapping, kb: KnowledgeBase, as_of: _dt.date | None = None) -> LoadedScenario:
    """Read a scenario file (or mapping) and validate it; raise InputError with every problem.

    Law and facts are taken as of `as_of`, else the scenario's own `as_of`, else its `date` (None: the knowledge
    base's current values, every provision in force)."""
    if isinstance(source, Mapping):
        doc = Document("<scenario>", dict(source))  # no positions to keep: problems name the YAML path
        content = json.dumps(source, sort_keys=True, default=str, ensure_ascii=False).encode(
            "utf-8", "surrogatepass")  # a lone surrogate is reported by the checks below, not by the hash
    else:
        doc = load_document(source)
        content = Path(source).read_bytes()
    loaded = scenario_from_document(doc, kb, as_of)
    loaded.content_hash = hashlib.sha256(content).hexdigest()[:12]
    return loaded


def scenario_from_document(doc: Document, kb: KnowledgeBase, as_of: _dt.date | None = None) -> LoadedScenario:
    if not isinstance(doc.data, dict):
        raise InputError([doc.problem((), "a scenario must be a mapping with id, title and parameters",
                                      "see examples/seed-calculator.yaml", code="wrong-type")])
    scenario, problems = validate(doc, Scenario, doc.data)
    problems += _control_characters(doc, doc.data, ())
    raw_parameters = doc.data.get("parameters") if isinstance(doc.data.get("parameters"), dict) else {}
    inputs: dict[str, InputValue] = {}
    for name, raw, path, point, note in _written(doc, kb, raw_parameters, problems):
        parameter = kb.parameters[name]
        value = raw
        if isinstance(raw, dict) and "value" in raw:
            extra = set(raw) - {"value", "point", "note"}
            if extra:
                problems.append(doc.problem(path + (sorted(extra)[0],), f"unknown key '{sorted(extra)[0]}'",
                                            "a cited parameter takes value, point and note", code="unknown-key"))
            value, point, note = raw["value"], raw.get("point", point), raw.get("note", note)
            path = path + ("value",)
        if name in inputs:
            problems.append(doc.problem(path, f"{name} is given twice (first at {inputs[name].span})",
                                        "write it once: either nested under its group or as a dotted name",
                                        code="duplicate-key", subject=name))
            continue
        found = check_parameter_value(parameter, value)
        if found:
            problems.append(doc.problem(path, f"{name}: {found[0]}", found[1], value=True, code="bad-value",
                                        subject=name))
            continue
        inputs[name] = InputValue(name, _normalised(value), doc.span(path), "scenario",
                                  None if point is None else str(point), note)
    problems += _derived_when(doc, kb, inputs)
    listed = listed_parameters(kb)
    unstated = doc.span(("parameters",))  # where an input the scenario leaves out points
    for name, parameter in kb.sorted_parameters():
        if parameter.derived or name in inputs:
            continue
        if parameter.derived_when and stated_under(parameter.derived_when, inputs):
            continue  # derived from the group below
        if parameter.group is None or name in listed:
            inputs[name] = InputValue(name, UNKNOWN, unstated, "not-stated")
    day = as_of or (scenario.as_of or scenario.date if scenario is not None else None)
    baselines = _baselines(doc, kb, problems, day)
    if problems or scenario is None:
        raise InputError(sorted(problems, key=Problem.sort_key))
    scenario.at(doc.span())
    loaded = LoadedScenario(scenario, inputs, baselines, doc.file, as_of=day)
    loaded.inputs.update(derive_inputs(loaded, kb))
    return loaded


_CITATION_KEYS = ("point", "note")


def _written(doc: Document, kb: KnowledgeBase, raw_parameters: dict, problems: list[Problem]):
    """Every (parameter, raw value, YAML path, point, note) the scenario writes: a parameter by its name (dotted
    for a group's field: `territory.donetsk.status`), or nested under its group, where a `point` or `note`
    beside the fields applies to every field below it that gives none of its own."""
    for name, raw in raw_parameters.items():
        path = ("parameters", name)
        if name in kb.groups:
            yield from _group_values(doc, kb.groups[name], raw, path, None, None, problems)
            continue
        parameter = kb.parameters.get(name)
        if parameter is None or parameter.derived:
            problems.append(doc.problem(path, f"unknown parameter '{name}'", _allowed_hint(kb, name),
                                        code="unknown-parameter"))
            continue
        yield name, raw, path, None, None


def without_stated(parameters: dict, path: str) -> dict:
    """A scenario's parameters without `territory` or `sequence.elections.within_days`, written flat or nested:
    what setting an input derived from it by hand leaves (a scenario may not state both)."""
    kept = {}
    for key, value in parameters.items():
        if key == path or key.startswith(path + "."):
            continue
        if path.startswith(key + "."):
            if not isinstance(value, dict):
                continue  # a word for the whole group (not_addressed) would state the input too
            value = without_stated(value, path[len(key) + 1:])
        kept[key] = value
    return kept


def patched(parameters: dict, patch: dict) -> dict:
    """A scenario's parameters with a patch's on top. A dotted name in the patch (`territory.donetsk.status`)
    replaces that one field even where the scenario writes its group nested; a group key replaces the group."""
    merged = dict(parameters)
    for name in patch:
        parts = str(name).split(".")
        node, path = merged, []
        for part in parts[:-1]:  # copy the nested mappings on the way down, then drop the leaf the patch replaces
            inner = node.get(part) if isinstance(node, dict) else None
            if not isinstance(inner, dict):
                break
            node[part] = dict(inner)
            node, path = node[part], path + [part]
        else:
            if isinstance(node, dict) and len(parts) > 1:
                node.pop(parts[-1], None)
    merged.update(patch)
    return merged


def _allowed_hint(kb: KnowledgeBase, name: str) -> str:
    plain = sorted(p for p, d in kb.parameters.items() if not d.derived and d.group is None)
    groups = sorted(kb.groups)
    close = suggest(name, [p for p, d in kb.parameters.items() if not d.derived] + groups)
    hint = f"allowed parameters: {', '.join(plain)}"
    if groups:
        hint += f"; groups (see knowledge/parameters.yaml): {', '.join(groups)}"
    return (close + "; " if close.startswith("did you mean") else "") + hint


def _group_values(doc, group, raw, path, point, note, problems):
    """The fields written under a group (and under each of its members)."""
    levels = [("member", group.each)] if group.each else []
    yield from _nested(doc, group, raw, path, point, note, levels, (), problems)


def _nested(doc, group, raw, path, point, note, levels, chosen, problems):
    if raw in SPECIAL_VALUES:  # a whole group or member at once: `territory: not_addressed`
        for pid in _fields_below(group, chosen):
            yield pid, raw, path, point, note
        return
    if not isinstance(raw, dict):
        what = f"the members of {group.id} ({', '.join(group.each)})" if levels else \
            f"the fields of {group.id} ({', '.join(group.fields)})"
        problems.append(doc.problem(path, f"{'.'.join(map(str, path[1:]))} must be a mapping of {what}",
                                    f"or one word for all of it: {', '.join(SPECIAL_VALUES)}", value=True,
                                    code="wrong-type"))
        return
    point, note = raw.get("point", point), raw.get("note", note)
    allowed = list(levels[0][1]) if levels else list(group.fields)
    for key, inner in raw.items():
        if key in _CITATION_KEYS:
            continue
        if key not in allowed:
            problems.append(doc.problem(path + (key,), f"unknown key '{key}' in {'.'.join(map(str, path[1:]))}",
                                        f"{suggest(str(key), allowed)}; allowed: {', '.join(allowed)}, point, note",
                                        code="unknown-key"))
            continue
        if levels:
            yield from _nested(doc, group, inner, path + (key,), point, note, levels[1:], chosen + (key,), problems)
        else:
            yield ".".join((group.id, *chosen, key)), inner, path + (key,), point, note


def _fields_below(group, chosen: tuple) -> list[str]:
    members = [(m,) for m in group.each] if group.each and not chosen else [chosen]
    return [".".join((group.id, *member, field)) for member in members for field in group.fields]


def _derived_when(doc: Document, kb: KnowledgeBase, inputs: dict[str, InputValue]) -> list[Problem]:
    """A parameter derived from a group the scenario states may not be stated as well (but `unknown` may stand:
    it settles nothing). Its stated `unknown` is dropped so the derivation fills it."""
    problems = []
    for name, parameter in kb.sorted_parameters():
        if not parameter.derived_when or name not in inputs or not stated_under(parameter.derived_when, inputs):
            continue
        if inputs[name].value != UNKNOWN:
            source = kb.groups[parameter.derived_when].title if parameter.derived_when in kb.groups else \
                kb.parameters[parameter.derived_when].title if parameter.derived_when in kb.parameters else "it"
            problems.append(Problem(inputs[name].span, ("parameters", name),
                                    f"{name} is derived from `{parameter.derived_when}` when the scenario gives it, "
                                    "and this scenario gives both",
                                    f"remove {name} (it is computed from {source[0].lower() + source[1:]}), "
                                    f"or remove `{parameter.derived_when}`", code="derived-twice", subject=name))
        del inputs[name]
    return problems


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
    if isinstance(value, list):
        return sorted(dict.fromkeys(value))
    if isinstance(value, dict):
        return {key: normalise_number(inner) for key, inner in value.items()}
    return normalise_number(value)


def check_parameter_value(parameter: Parameter, value: Any) -> tuple[str, str] | None:
    """None when `value` is allowed for `parameter`; else (what is wrong, what is allowed)."""
    allowed = describe_domain(parameter)
    if value in SPECIAL_VALUES:
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
    if parameter.type == "set":
        if not isinstance(value, list):
            return (f"{show_value(value)!r} is not a list", allowed)
        wrong = [v for v in value if not isinstance(v, str) or v not in (parameter.choices or [])]
        if wrong:
            return (f"'{show_value(wrong[0])}' is not an allowed word", allowed)
        return None
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
    extra = ", or unknown, not_addressed, not_applicable" + (f", or null ({parameter.null_means or 'none'})" if parameter.nullable else "")
    if parameter.type in ("number", "integer"):
        low = show_value(parameter.min) if parameter.min is not None else "-inf"
        high = show_value(parameter.max) if parameter.max is not None else "inf"
        return f"expected {'a whole number' if parameter.type == 'integer' else 'a number'} from {low} to {high}{extra}"
    if parameter.type == "boolean":
        return f"expected true or false{extra}"
    if parameter.type == "choice":
        return f"expected one of: {', '.join(parameter.choices or [])}{extra}"
    if parameter.type == "set":
        return f"expected a list of: {', '.join(parameter.choices or [])} ([] for none){extra}"
    fields = "; ".join(f"{{{k}: {describe_domain_field(v)}}}" for k, v in (parameter.fields or {}).items())
    return f"expected one of {fields}{extra}"


def describe_domain_field(spec) -> str:
    low = show_value(spec.min) if spec.min is not None else "-inf"
    high = show_value(spec.max) if spec.max is not None else "inf"
    return f"{spec.type} {low}..{high}"


def _baselines(doc: Document, kb: KnowledgeBase, problems: list[Problem],
               day: _dt.date | None) -> dict[str, BaselineValue]:
    assumptions = doc.data.get("assumptions") if isinstance(doc.data.get("assumptions"), dict) else {}
    result = dict(_baseline_values(kb, day))
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
        kb_value = result[baseline.id].kb_value  # the knowledge base's value on the day assessed
        result[baseline.id] = BaselineValue(baseline.id, value, kb_value, source, True,
                                            baseline.disputed or value != kb_value, doc.span(path), raw.get("note"))
    return result


def _baseline_values(kb: KnowledgeBase, day: _dt.date | None) -> dict[str, BaselineValue]:
    """The knowledge base's value of every baseline on `day` (frozen values, the same for every scenario of that day:
    kept on the knowledge base, by day, while its baselines stay the same dict of the same size)."""
    kept = kb.__dict__.setdefault("_baseline_values", {})
    found = kept.get(day)
    if found is not None and found[0] is kb.baselines and found[1] == len(kb.baselines):
        return found[2]
    result = {}
    for baseline in kb.baselines.values():
        period = baseline.on(day) if baseline.dated else None
        if period is None and day is not None and baseline.dated:  # no recorded value for that day
            result[baseline.id] = BaselineValue(baseline.id, UNKNOWN, UNKNOWN, baseline.values[0].source, False,
                                                False, baseline.span, holds_for=f"nothing recorded for {day.isoformat()}")
        elif period is not None:
            result[baseline.id] = BaselineValue(baseline.id, period.value, period.value, period.source, False,
                                                baseline.disputed and period.value == baseline.value, period.span,
                                                holds_for=period.shown)
        else:
            result[baseline.id] = BaselineValue(baseline.id, baseline.value, baseline.value, baseline.values[0].source,
                                                False, baseline.disputed, baseline.span)
    if len(kept) >= 64:  # a few days are asked for again and again; any number may be asked for once
        kept.clear()
    kept[day] = (kb.baselines, len(kb.baselines), result)
    return result
