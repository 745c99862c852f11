"""Helpers every family of checks shares: where a problem points, and how it is worded."""
from __future__ import annotations

from ppexpert.knowledge.conditions import is_number
from ppexpert.knowledge.model import SPECIAL_VALUES
from ppexpert.knowledge.problems import Problem, Span, suggest
from ppexpert.knowledge.scenario import describe_domain

_THRESHOLDS = ("at_least", "at_most", "above", "below")


def _at(kb, obj, rel: tuple = (), value: bool = False) -> Span:
    doc = kb.documents.get(obj.span.file)
    path = obj.yaml_path + tuple(rel)
    return doc.span(path, value) if doc is not None and path else obj.span


def _p(kb, obj, rel: tuple, message: str, hint: str, code: str, subject: str = "", severity: str = "error",
       value: bool = False) -> Problem:
    """A problem at the node `rel` below the YAML node `obj` was read from (its key, or with value=True the
    value: a wrong id or word is pointed at where it is written)."""
    return Problem(_at(kb, obj, rel, value), obj.yaml_path + tuple(rel), message, hint, severity, subject, code)


def _uncertain(kb, kind: str, name: str) -> bool:
    """Whether `name` may exist in a file that could not be read or an entry that failed validation."""
    return name in kb.failed_ids or kind in kb.unreadable


def _unknown_source(kb, obj, rel: tuple, source: str, subject: str) -> list[Problem]:
    if source in kb.sources or _uncertain(kb, "sources", source):
        return []
    return [_p(kb, obj, rel, f"unknown source '{source}'",
               f"add it to knowledge/sources.yaml or fix the id; {suggest(source, list(kb.sources))}",
               "unknown-source", subject, value=True)]


class _FileTop:
    """The top of the file an object was read from (for keys shared by all its entries)."""

    yaml_path: tuple = ()

    def __init__(self, obj) -> None:
        self.span = Span(obj.span.file, 1, 1)


def _exists(kb, ref: str, kinds: tuple) -> bool:
    return any(ref in getattr(kb, kind) or _uncertain(kb, kind, ref) for kind in kinds)


def _conclusion_ids(kb) -> set[str]:
    return {rule.then.conclusion_id for rule in kb.rules}


def _same_value(a, b) -> bool:
    return type(a) is type(b) and a == b


def _outside(parameter, value) -> bool:
    if value in SPECIAL_VALUES:
        return False
    if value is None:
        return not parameter.nullable
    if parameter.type in ("number", "integer"):
        if not is_number(value):
            return False  # reported as a wrong type
        return (parameter.min is not None and value < parameter.min) or \
            (parameter.max is not None and value > parameter.max)
    return False  # words outside `choices` are reported as bad words


def _domain(parameter) -> str:
    return f"{parameter.id} takes {describe_domain(parameter).removeprefix('expected ')}"
