"""Strict, position-keeping YAML loading: safe types only, duplicate keys rejected, every node's file:line:col kept.

Hostile input is refused with a position, never expanded or passed through: files above MAX_FILE_BYTES, anything
but a regular file (a folder, a device, a named pipe), control characters, aliases (`*name`: no "billion laughs",
no recursive documents), nesting deeper than MAX_DEPTH, merge keys (`<<`), tags other than the plain ones, keys that
are not text, numbers that are not written in decimal (`0x14`, `017`, `1:20`), infinite or not-a-number values,
numbers beyond ±MAX_NUMBER, and impossible dates. The document is built from libyaml's event stream with an explicit
stack, so no input can recurse (libyaml's own composer overflows the C stack on deep nesting).
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ppexpert.knowledge.problems import InputError, Problem, Span

MAX_FILE_BYTES = 2 * 1024 * 1024  # the largest shipped file is 20 KB; a 2,000-rule synthetic file is 400 KB
MAX_DEPTH = 64  # nesting of mappings and lists; the deepest shipped file nests 6
MAX_NUMBER = 10 ** 15  # beyond it the engine's doubles lose whole units; no parameter or baseline comes near
MAX_PROBLEMS = 1000  # a file with more problems is reported with the first MAX_PROBLEMS and a count of the rest


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


# libyaml's parser when PyYAML was built with it (ten times faster); marks and errors are the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {None, "!", _YAML + "map", _YAML + "seq"}
_SCALAR_TAGS = {_YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp")}

# Characters YAML does not allow in a file (C0 and C1 controls but tab and line breaks, DEL, surrogates, U+FFFE/F).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Characters refused in a value even when written as an escape ("\e[31m"): they would reach terminals and reports.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*(?:_[0-9]+)*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:_[0-9]+)*)?\.[0-9]*(?:[eE][-+]?[0-9]+)?")


def display_path(path: Path | str) -> str:
    """Paths relative to the working directory when possible: shorter messages, stable golden files."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return str(path)


def read_text(path: Path | str, shown: str | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """A file's text, refused with one file-level Problem when it is missing, not a regular file (a folder, a device,
    a named pipe: never opened, so a pipe cannot block), larger than `limit` bytes, or not UTF-8."""
    shown = shown or display_path(path)

    def refuse(message: str, hint: str, code: str = "unreadable-file"):
        return InputError([Problem(Span(shown), (), message, hint, code=code)])

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise refuse(f"file not found: {shown}", "check the path; scenario files live in examples/", "missing-file")
    except OSError as error:
        raise refuse(f"cannot read {shown}: {error.strerror or error}",
                     "check the path (a symbolic link loop, or a folder without permission)")
    if stat.S_ISDIR(info.st_mode):
        raise refuse(f"{shown} is a folder, not a file", "give the path of a .yaml file")
    if not stat.S_ISREG(info.st_mode):
        raise refuse(f"{shown} is not a regular file (a device, a named pipe or a socket)",
                     "save the content to a .yaml file and give that file's path")
    if info.st_size > limit:
        raise refuse(f"{shown} is {info.st_size:,} bytes; the limit is {limit:,}", "split the file, or check that "
                     "it is the file you meant", "file-too-large")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise refuse(f"cannot read {shown}: {error.strerror or error}", "the file must be readable")
    if len(data) > limit:  # a file that grew, or reports no size (/proc)
        raise refuse(f"{shown} is more than {limit:,} bytes", "split the file", "file-too-large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError([Problem(Span(shown, line, column), (), f"the file is not UTF-8 text: {error.reason}",
                                  "save the file as UTF-8", code="unreadable-file")])


def file_bytes(path: Path | str) -> bytes:
    """A file's bytes for a fingerprint: never blocks on a pipe, never reads a device, never raises (a folder, a
    symlink loop or an oversized file gives a marker instead; loading the file then reports the problem)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return f"<mode {info.st_mode:o}, {info.st_size} bytes>".encode()
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return f"<{error.errno}>".encode()


def file_stamp(path: Path | str) -> tuple[int, int]:
    """(modification time, size), or (-1, errno) for a path that cannot be examined: a change detector."""
    try:
        info = os.stat(path)
    except OSError as error:
        return (-1, error.errno or 0)
    return (info.st_mtime_ns, info.st_size)


def load_document(path: Path | str) -> Document:
    """Read one YAML file; raise InputError naming file, line and column when it cannot be read."""
    shown = display_path(path)
    return parse_document(read_text(path, shown), shown)


def parse_document(text: str, file: str) -> Document:
    doc, problems, omitted = _build(text, file)
    if problems:
        raise InputError(problems, omitted=omitted)
    return doc


def salvage_document(path: Path | str) -> Document:
    """A file whose only problems are of content (duplicate keys, tags), read as far as it goes: the first of
    duplicate keys wins. For `ppexpert check`, which reports the problems and goes on checking the rest."""
    shown = display_path(path)
    doc, _, _ = _build(read_text(path, shown), shown)
    return doc


# ---------------------------------------------------------------- building the document from events


class _Problems(list):
    """The first MAX_PROBLEMS problems, and a count of the rest: a hostile file cannot exhaust memory."""

    omitted = 0

    def append(self, problem: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            super().append(problem)
        else:
            self.omitted += 1


class _Frame:
    __slots__ = ("container", "path", "start", "is_map", "key", "key_mark", "index", "discard")

    def __init__(self, container, path, start, discard):
        self.container, self.path, self.start, self.discard = container, path, start, discard
        self.is_map = isinstance(container, dict)
        self.key = _NO_KEY
        self.key_mark = (0, 0)
        self.index = 0


_NO_KEY = object()  # a mapping waiting for its next key
_BAD_KEY = object()  # a key that was refused: its value is read and dropped
_REFUSED = object()  # a scalar already reported as a problem


def _build(text: str, file: str) -> tuple[Document, _Problems, int]:
    doc = Document(file, None)
    problems = _Problems()
    _unprintable(text, file, problems)
    if problems:
        return doc, problems, problems.omitted
    if len(text) > MAX_FILE_BYTES:
        problems.append(Problem(Span(file), (), f"the text is more than {MAX_FILE_BYTES:,} characters",
                                "split the file", code="file-too-large"))
        return doc, problems, 0
    stack: list[_Frame] = []
    root: list = []
    documents = 0
    loader = _LOADER(text)
    try:
        check_event, get_event, text_event, fast = loader.check_event, loader.get_event, yaml.ScalarEvent, _FAST_TEXT
        while check_event():
            event = get_event()
            kind = type(event)
            if kind is text_event and fast and stack and _plain_text(event) and _fast_attach(event, stack[-1], doc):
                continue  # most of a file: printable plain text under a kept node (what _scalar and _attach do)
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    problems.append(Problem(Span(file, mark.line + 1, mark.column + 1), (),
                                            "a second YAML document in the file ('---')",
                                            "keep one document per file", code="yaml-syntax"))
                    break
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                _attach(frame.container, frame.start, stack, root, doc, problems, frame.discard, collection=True)
            elif kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                parent = stack[-1] if stack else None
                discard = _discarding(parent)
                value = _REFUSED
                if kind is yaml.AliasEvent:
                    if not discard:
                        problems.append(_at(file, event.start_mark, _path_of(parent), f"an alias (*{event.anchor}) "
                                            "is not allowed", "write the value out in full; ppexpert reads no "
                                            "anchors' copies (they can expand without limit)", "alias"))
                else:
                    value = _scalar(event, parent, file, problems, discard)
                _attach(value, event.start_mark, stack, root, doc, problems, discard)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                parent = stack[-1] if stack else None
                discard = _discarding(parent)
                path = _path_of(parent)
                if not discard and parent is not None and parent.is_map and parent.key is _NO_KEY:
                    problems.append(_at(file, event.start_mark, path, "a mapping key must be a plain word",
                                        code="bad-key"))
                    discard = True
                elif not discard and event.tag not in _PLAIN_TAGS:
                    problems.append(_at(file, event.start_mark, path, f"the YAML tag {event.tag} is not allowed",
                                        "write plain mappings, lists and values; ppexpert loads safe YAML only",
                                        "bad-value"))
                    discard = True
                if len(stack) >= MAX_DEPTH:
                    problems.append(_at(file, event.start_mark, path, f"nested deeper than {MAX_DEPTH} levels (the maximum depth)",
                                        "flatten the structure", "too-deep"))
                    break
                container = {} if kind is yaml.MappingStartEvent else []
                stack.append(_Frame(container, path, (event.start_mark.line + 1, event.start_mark.column + 1),
                                    discard))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        problems.append(Problem(span, (), f"YAML syntax error: {error.problem or error.context}",
                                "fix the YAML syntax (indentation, quotes, a missing colon)", code="yaml-syntax"))
    except yaml.YAMLError as error:  # a reader error without a mark: the characters are checked above
        problems.append(Problem(Span(file), (), f"YAML error: {str(error)[:200]}", "fix the file",
                                code="yaml-syntax"))
    finally:
        loader.dispose()
    if root:
        doc.data = root[0]
    else:
        doc.data = {}
        doc.marks[()] = doc.value_marks[()] = (1, 1)
    return doc, problems, problems.omitted


_STR = _YAML + "str"
_FAST_TEXT = True  # tests turn it off to compare with the general path


def _plain_text(event) -> bool:
    """A plain (untagged, unquoted or quoted) scalar that YAML reads as text with no control character."""
    value = event.value
    if event.tag is not None:
        return False
    tag = _resolve(value, event.implicit) if len(value) <= 64 else _RESOLVER.resolve(yaml.ScalarNode, value,
                                                                                       event.implicit)
    return tag == _STR and value.isprintable()


def _fast_attach(event, parent: _Frame, doc: Document) -> bool:
    """_attach for text under a node that is kept, when nothing is wrong with it (else False: the general path
    reports what is). A key seen before in the mapping goes the general way."""
    if parent.discard:
        return False
    value, mark = event.value, event.start_mark
    position = (mark.line + 1, mark.column + 1)
    if not parent.is_map:
        path = parent.path + (parent.index,)
        doc.marks[path] = doc.value_marks[path] = position
        parent.container.append(value)
        parent.index += 1
        return True
    key = parent.key
    if key is _NO_KEY:
        if value in parent.container:
            return False
        parent.key, parent.key_mark = value, position
        return True
    if key is _BAD_KEY:
        return False
    parent.key = _NO_KEY
    path = parent.path + (key,)
    parent.container[key] = value
    doc.value_marks[path] = position
    doc.marks[path] = parent.key_mark
    return True


def _discarding(parent: _Frame | None) -> bool:
    """Inside a refused node, or the value of a refused key: read on, keep nothing, report nothing more."""
    return parent is not None and (parent.discard or (parent.is_map and parent.key is _BAD_KEY))


def _path_of(parent: _Frame | None) -> tuple:
    if parent is None:
        return ()
    if parent.is_map:
        return parent.path + ((parent.key,) if isinstance(parent.key, str) else ())
    return parent.path + (parent.index,)


def _at(file: str, mark, path: tuple, message: str, hint: str = "", code: str = "bad-value") -> Problem:
    return Problem(Span(file, mark.line + 1, mark.column + 1), path, message, hint, code=code)


def _attach(value, start, stack: list[_Frame], root: list, doc: Document, problems, discard: bool,
            collection: bool = False) -> None:
    """Put a finished node into its parent (as a key or a value), keeping positions as the old loader did: a mapping
    entry's mark is its key's position, its value mark the value's."""
    line, column = start if collection else (start.line + 1, start.column + 1)
    parent = stack[-1] if stack else None
    if parent is None:
        if not discard:
            doc.marks[()] = doc.value_marks[()] = (line, column)
        root.append(None if value is _REFUSED else value)
        return
    if parent.is_map:
        if parent.key is _NO_KEY:  # this node is a key
            if discard or value is _REFUSED:
                parent.key = _BAD_KEY
            elif not isinstance(value, str):
                problems.append(Problem(Span(doc.file, line, column), parent.path,
                                        f"a mapping key must be text, not {_kind(value)} ({value!r:.40})",
                                        "quote the key", code="bad-key"))
                parent.key = _BAD_KEY
            elif value in parent.container:
                path = parent.path + (value,)
                first_line = doc.marks.get(path, (0, 0))[0]
                problems.append(Problem(Span(doc.file, line, column), path,
                                        f"duplicate key '{value}' (first defined on line {first_line})",
                                        "remove one of the two entries, or merge them", code="duplicate-key"))
                parent.key = _BAD_KEY
            else:
                parent.key = value
            parent.key_mark = (line, column)
            return
        key, parent.key = parent.key, _NO_KEY
        if key is _BAD_KEY or discard:
            return
        value = None if value is _REFUSED else value
        path = parent.path + (key,)
        parent.container[key] = value
        doc.value_marks[path] = (line, column)
        doc.marks[path] = parent.key_mark
        return
    if not discard:
        path = parent.path + (parent.index,)
        doc.marks[path] = doc.value_marks[path] = (line, column)
    parent.container.append(None if value is _REFUSED else value)
    parent.index += 1


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", _dt.date: "a date",
            _dt.datetime: "a date"}.get(type(value), type(value).__name__)


@lru_cache(maxsize=4096)
def _resolve(value: str, implicit: tuple) -> str:
    """The tag YAML gives a plain scalar (kept: a knowledge base repeats its words, and resolving was a tenth of
    reading 4,000 rules)."""
    return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)


def _scalar(event, parent: _Frame | None, file: str, problems, discard: bool):
    """A scalar's value: strings, decimal numbers within ±MAX_NUMBER, true/false, null and dates; anything else
    is a problem at the scalar's position (and None)."""
    value, tag = event.value, event.tag
    if tag is None or tag == "!":
        if tag is not None:
            tag = _YAML + "str"
        elif len(value) <= 64:  # short words repeat; long text is not kept
            tag = _resolve(value, event.implicit)
        else:
            tag = _RESOLVER.resolve(yaml.ScalarNode, value, event.implicit)
    if discard:
        return _REFUSED

    def bad(message: str, hint: str, code: str = "bad-value"):
        path = _path_of(parent) if not (parent and parent.is_map and parent.key is _NO_KEY) else (
            parent.path if parent else ())
        problems.append(_at(file, event.start_mark, path, message, hint, code))
        return _REFUSED

    if tag == _YAML + "str":
        # printable text holds no control character (the search is for text with tabs, newlines or worse)
        found = None if value.isprintable() else _CONTROL.search(value)
        if found:
            return bad(f"the text holds the control character U+{ord(found.group()):04X}",
                       "remove it: control characters (terminal escapes among them) are not allowed in text")
        return value
    if tag not in _SCALAR_TAGS:
        if tag == _YAML + "merge":
            return bad("merge keys ('<<') are not allowed", "write the entries out in full")
        return bad(f"the YAML tag {tag} is not allowed", "write plain values; ppexpert loads safe YAML only")
    if tag == _YAML + "null":
        return None
    if tag == _YAML + "bool":
        result = yaml.constructor.SafeConstructor.bool_values.get(value.lower())
        return bad(f"'{value:.40}' is not true or false", "write true or false") if result is None else result
    if tag == _YAML + "int" or tag == _YAML + "float":
        return _number(value, tag == _YAML + "int", event.implicit[0], bad)
    try:  # timestamp
        node = yaml.ScalarNode(tag, value)
        return yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
    except (ValueError, TypeError, AttributeError, OverflowError):
        return bad(f"'{value:.40}' is not a valid date", "write the date as YYYY-MM-DD, or quote it if it is text")


def _number(value: str, integer: bool, plain: bool, bad):
    text = value.strip()
    shown = f"{text:.40}" + ("..." if len(text) > 40 else "")
    decimal = _DECIMAL_INT.fullmatch(text) or (not integer and _DECIMAL_FLOAT.fullmatch(text))
    if not decimal:
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            return bad(f"'{shown}' is not a finite number", "write a number")
        if plain:
            reading = "sexagesimal (base 60)" if ":" in text else "hexadecimal, octal or binary"
            return bad(f"'{shown}' is not a number written in decimal (YAML 1.1 would read it as {reading})",
                       "write numbers in decimal digits (20, 0.5), or quote the value if it is text", "bad-number")
        return bad(f"'{shown}' is not a number", "write a number in decimal digits", "bad-number")
    digits = text.replace("_", "")
    whole = re.split("[.eE]", digits.lstrip("+-"))[0]
    if len(whole) > 16:  # before int(): thousands of digits would be refused by Python, or be slow
        return bad(f"'{shown}' is beyond ±{MAX_NUMBER:,}", "write a smaller number", "bad-number")
    number = int(digits) if _DECIMAL_INT.fullmatch(text) else float(digits)
    if isinstance(number, float) and not math.isfinite(number) or abs(number) > MAX_NUMBER:
        return bad(f"'{shown}' is beyond ±{MAX_NUMBER:,}", "write a smaller number", "bad-number")
    return number


def _unprintable(text: str, file: str, problems) -> None:
    """Characters YAML refuses, each with its line and column (one linear pass over the text)."""
    line, line_start, counted_to = 1, 0, 0
    for found in _UNPRINTABLE.finditer(text):
        position = found.start()
        newlines = text.count("\n", counted_to, position)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted_to, position) + 1
        counted_to = position
        name = "a NUL byte" if found.group() == "\x00" else f"the control character U+{ord(found.group()):04X}"
        problems.append(Problem(Span(file, line, position - line_start + 1), (),
                                f"the file holds {name}, which YAML does not allow",
                                "remove it; if it must be in a value, the file is not the place for it",
                                code="yaml-syntax"))
