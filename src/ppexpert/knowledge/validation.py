"""Validate a YAML Document against a pydantic model, turning every error into a pointed Problem."""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ppexpert.knowledge.problems import Problem
from ppexpert.knowledge.yamlfile import Document

M = TypeVar("M", bound=BaseModel)


def validate(doc: Document, model: type[M], data: Any, path: tuple = ()) -> tuple[M | None, list[Problem]]:
    """Validate `data` (found at `path` in `doc`) as `model`; return the object or every problem found."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, [_problem(doc, model, path, e, data) for e in error.errors()]


def _problem(doc: Document, model: type[BaseModel], path: tuple, error: dict, data: Any) -> Problem:
    loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
    where = path + loc
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        return doc.problem(where, f"unknown key '{loc[-1]}'",
                           f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it",
                           code="unknown-key")
    if kind == "missing":
        return doc.problem(where[:-1], f"missing required key '{loc[-1]}'", f"add `{loc[-1]}:`", code="missing-key")
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return doc.problem(where, f"'{error.get('input')}' is not an allowed word",
                           f"expected {expected}", value=True, code="bad-word")
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return doc.problem(where, f"'{error.get('input')}' is not a well-formed id",
                           f"ids match {pattern}", code="bad-id")
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return doc.problem(where, message, "see docs/authoring.md for the shape of this object", code="bad-shape")
    return doc.problem(where, f"{error['msg'].lower()} (got {_shown(error.get('input'))})",
                       _type_hint(kind), value=True, code="wrong-type")


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the member type's name in the loc of union errors, e.g. 'int' or 'function-after[...]'
    return isinstance(part, str) and (part in {"bool", "int", "float", "str", "none", "list", "dict", "date"}
                                      or "[" in part)


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part) or next(
                (f for f in current.model_fields.values() if f.alias == part), None)
            current = _inner_model(info.annotation) if info else None
        else:
            current = None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or name for name, f in current.model_fields.items())
    return []


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside list[X], dict[str, X], X | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _type_hint(kind: str) -> str:
    hints = {
        "string_type": "write text (quote it if it looks like a number or date)",
        "int_type": "write a whole number",
        "int_parsing": "write a whole number",
        "float_type": "write a number",
        "float_parsing": "write a number",
        "bool_type": "write true or false",
        "list_type": "write a list (items starting with '- ')",
        "dict_type": "write a mapping (key: value lines)",
        "model_type": "write a mapping (key: value lines)",
        "date_type": "write a date as YYYY-MM-DD",
        "date_from_datetime_parsing": "write a date as YYYY-MM-DD",
        "too_short": "add at least one item",
    }
    return hints.get(kind, "see docs/authoring.md for the expected shape")
