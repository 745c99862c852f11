"""Problems a user can cause, each pointing at the file, line, column and YAML path that caused it."""
from __future__ import annotations

import difflib
import os
import stat
import re
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

    def render(self, sources: "SourceLines | None" = None) -> str:
        """The problem as a block of text, with the offending source line when the file can be read. Pass one
        SourceLines for many problems: each file is then read once."""
        where = f"{self.span}: {self.severity}"
        if self.code:
            where += f"[{self.code}]"
        lines = [f"{where}: {_clip(self.message, 1000)}"]
        details = f"  at {_clip(yaml_path(self.path), 300)}"
        if self.subject:
            details += f" ({_clip(self.subject, 300)})"
        lines.append(details)
        source_line = (sources if sources is not None else SourceLines()).line(self.span)
        if source_line is not None:
            lines.append(f"  | {source_line}")
            lines.append("  | " + " " * max(self.span.column - 1, 0) + "^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")  # ours, not quoted input: never clipped
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


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
def _clip(text: str, limit: int) -> str:
    """Text quoted from the input (a key of a megabyte) shortened, so that each rendered problem stays small."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


MAX_SHOWN = 50  # problems printed in full; the rest are counted (every one is in the JSON output)
_SHOWN_LINE = 200  # characters of a source line shown under a problem


class SourceLines:
    """The lines of the files problems point into, each file read once (rendering stays linear in the problems)."""

    def __init__(self) -> None:
        self._files: dict[str, list[str] | None] = {}

    def line(self, span: Span) -> str | None:
        if span.line <= 0:
            return None
        if span.file not in self._files:
            self._files[span.file] = self._read(span.file)
        lines = self._files[span.file]
        if lines is None or span.line > len(lines):
            return None
        text = lines[span.line - 1]
        if len(text) > _SHOWN_LINE:
            text = text[:_SHOWN_LINE] + " ..."
        return _CONTROL.sub("?", text)  # the caret stays aligned; no escape sequence reaches the terminal

    @staticmethod
    def _read(file: str) -> list[str] | None:
        try:
            info = os.stat(file)
            if not stat.S_ISREG(info.st_mode) or info.st_size > 16 * 1024 * 1024:
                return None  # never open a pipe or a device to show a line of it
            return Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError, ValueError):
            return None


def render_problems(problems: list[Problem], omitted: int = 0, limit: int = MAX_SHOWN) -> list[str]:
    """The first `limit` problems in full (in the order given), then one line counting the rest."""
    sources = SourceLines()
    blocks = [problem.render(sources) for problem in problems[:limit]]
    rest = len(problems) - len(blocks) + omitted
    if rest > 0:
        blocks.append(f"... and {rest:,} more problem{'s' if rest != 1 else ''} not shown "
                      f"(the first {len(blocks)} are above; fix them and run again, or ask for --format json)")
    return blocks


@dataclass
class InputError(Exception):
    """Raised when user input is wrong; carries every problem found in one pass."""

    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0  # problems past the loader's cap, counted but not kept

    def __post_init__(self) -> None:
        super().__init__(self.problems)

    def __str__(self) -> str:  # rendered when asked for, not when raised: raising stays cheap
        return self.render()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def render(self) -> str:
        ordered = sorted(self.problems, key=Problem.sort_key)
        body = "\n".join(render_problems(ordered, self.omitted))
        count = len(self.errors) + self.omitted
        return f"{body}\n{count:,} error{'s' if count != 1 else ''} found." if body else "no problems"


class EngineFailure(RuntimeError):
    """An internal failure of the rule engine (exit code 1): not the user's fault."""


def suggest(name: str, known: list[str]) -> str:
    """A hint for a mistyped id: the close matches, else the first known ids."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return "known ids: " + ", ".join(sorted(known)[:12]) + (" ..." if len(known) > 12 else "")
