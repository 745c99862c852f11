"""Strict, position-keeping YAML loading: safe types only, duplicate keys rejected, every node's file:line:col kept."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ppexpert.knowledge.problems import InputError, Problem, Span


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus the position of every node, by YAML path."""

    file: str
    data: Any
    marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)  # a mapping entry: its key's position
    value_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)  # the value's own position

    def span(self, path: tuple = (), value: bool = False) -> Span:
        """The position of the node at `path` (its key, or with value=True its value), or of its nearest ancestor."""
        path = tuple(path)
        while path and path not in self.marks:
            path = path[:-1]
        line, column = (self.value_marks if value and path in self.value_marks else self.marks).get(path, (0, 0))
        return Span(self.file, line, column)

    def problem(self, path: tuple, message: str, hint: str = "", value: bool = False, **kwargs) -> Problem:
        return Problem(self.span(path, value), tuple(path), message, hint, **kwargs)


class _Constructor(yaml.constructor.SafeConstructor):
    pass


# libyaml's parser when PyYAML was built with it (ten times faster); marks and errors are the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def display_path(path: Path | str) -> str:
    """Paths relative to the working directory when possible: shorter messages, stable golden files."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_document(path: Path | str) -> Document:
    """Read one YAML file; raise InputError naming file, line and column when it cannot be read."""
    shown = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(Span(shown), (), f"file not found: {shown}",
                                  "check the path; scenario files live in examples/", code="missing-file")])
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(Span(shown), (), f"cannot read {shown}: {error}",
                                  "the file must be readable UTF-8 text", code="unreadable-file")])
    return parse_document(text, shown)


def parse_document(text: str, file: str) -> Document:
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        message = f"YAML syntax error: {error.problem or error.context}"
        raise InputError([Problem(span, (), message,
                                  "fix the YAML syntax (indentation, quotes, a missing colon)", code="yaml-syntax")])
    doc = Document(file, None)
    problems: list[Problem] = []
    if node is None:
        doc.data = {}
        doc.marks[()] = (1, 1)
        return doc
    doc.data = _to_python(node, (), doc, problems, _Constructor())  # one per document: it caches nodes
    if problems:
        raise InputError(problems)
    return doc


def salvage_document(path: Path | str) -> Document:
    """A file whose only problems are of content (duplicate keys, tags), read as far as it goes: the first of
    duplicate keys wins. For `ppexpert check`, which reports the problems and goes on checking the rest."""
    doc = Document(display_path(path), None)
    node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
    doc.data = {} if node is None else _to_python(node, (), doc, [], _Constructor())
    return doc


def _to_python(node: yaml.Node, path: tuple, doc: Document, problems: list[Problem],
               constructor: _Constructor) -> Any:
    doc.marks[path] = doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        problems.append(doc.problem(path, f"the YAML tag {node.tag} is not allowed",
                                    "write plain mappings, lists and values; ppexpert loads safe YAML only",
                                    code="bad-value"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(Span(file=doc.file, line=key_node.start_mark.line + 1,
                                             column=key_node.start_mark.column + 1), path,
                                        "a mapping key must be a plain word", code="bad-key"))
                continue
            key = constructor.construct_object(key_node)
            if key in result:
                first_line = doc.marks.get(path + (key,), (0, 0))[0]
                problems.append(Problem(Span(doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                                        path + (key,), f"duplicate key '{key}' (first defined on line {first_line})",
                                        "remove one of the two entries, or merge them", code="duplicate-key"))
                continue
            result[key] = _to_python(value_node, path + (key,), doc, problems, constructor)
            # The key's own position is more useful than the value's for "unknown key" messages.
            doc.marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, path + (index,), doc, problems, constructor) for index, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except yaml.constructor.ConstructorError as error:
        problems.append(doc.problem(path, f"cannot read value: {error.problem}", code="bad-value"))
        return None
