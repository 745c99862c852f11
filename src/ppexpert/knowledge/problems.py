"""Problems a user can cause, each pointing at the file, line, column and YAML path that caused it."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Span:
    """Where an object stands in its YAML file (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column}


def yaml_path(path: tuple) -> str:
    """`('rules', 3, 'when')` -> `rules[3].when`, the notation jsonschema's json_path uses."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and what to do about it."""

    span: Span
    path: tuple
    message: str
    hint: str = ""
    severity: str = "error"  # error | warning
    subject: str = ""  # the rule, fact or parameter id concerned
    code: str = ""  # a stable name for the kind of problem, e.g. "unknown-key"

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.column, self.message)

    def render(self) -> str:
        where = f"{self.span}: {self.severity}"
        if self.code:
            where += f"[{self.code}]"
        lines = [f"{where}: {self.message}"]
        details = f"  at {yaml_path(self.path)}"
        if self.subject:
            details += f" ({self.subject})"
        lines.append(details)
        source_line = _source_line(self.span)
        if source_line is not None:
            lines.append(f"  | {source_line}")
            lines.append("  | " + " " * max(self.span.column - 1, 0) + "^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "subject": self.subject,
            "yaml_path": yaml_path(self.path),
            **self.span.to_json(),
        }


def _source_line(span: Span) -> str | None:
    if span.line <= 0:
        return None
    try:
        lines = Path(span.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if span.line > len(lines):
        return None
    return lines[span.line - 1]


@dataclass
class InputError(Exception):
    """Raised when user input is wrong; carries every problem found in one pass."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def render(self) -> str:
        ordered = sorted(self.problems, key=Problem.sort_key)
        body = "\n".join(p.render() for p in ordered)
        count = len(self.errors)
        return f"{body}\n{count} error{'s' if count != 1 else ''} found." if body else "no problems"


class EngineFailure(RuntimeError):
    """An internal failure of the rule engine (exit code 1): not the user's fault."""


def suggest(name: str, known: list[str]) -> str:
    """A hint for a mistyped id: the close matches, else the first known ids."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return "known ids: " + ", ".join(sorted(known)[:12]) + (" ..." if len(known) > 12 else "")
