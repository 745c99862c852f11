"""`ppexpert check`: the knowledge base, and against it scenario files and test-case files, in one report."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppexpert.authoring.cases import check_case_document
from ppexpert.check import check_knowledge
from ppexpert.knowledge.base import collect_knowledge, find_knowledge
from ppexpert.knowledge.problems import InputError, Problem, render_problems
from ppexpert.knowledge.scenario import scenario_from_document
from ppexpert.knowledge.yamlfile import display_path, load_document


@dataclass
class CheckReport:
    """What `ppexpert check` found: every problem, and the files it read."""

    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    omitted: int = 0  # errors past the loader's cap in a file: counted, not kept

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def summary(self) -> str:
        errors, warnings = len(self.errors) + self.omitted, len(self.warnings)
        return (f"checked {len(self.files)} file{'s' if len(self.files) != 1 else ''}: "
                f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")

    def render(self) -> str:
        body = render_problems(self.problems, self.omitted)
        return "\n".join(body + [self.summary()]) + "\n"

    def to_json(self) -> dict:
        return {"files": self.files, "errors": len(self.errors) + self.omitted, "warnings": len(self.warnings),
                "problems": [p.to_json() for p in self.problems]}


def check_project(knowledge: Path | str | None = None, files: list[Path | str] = ()) -> CheckReport:
    """Check a knowledge folder and, against it, scenario files and test-case files (`cases:` at the top)."""
    root = Path(knowledge) if knowledge is not None else find_knowledge()
    kb, problems = collect_knowledge(root)
    problems += check_knowledge(kb, partial=bool(problems))
    report = CheckReport(files=sorted(kb.documents) + sorted(_unread(problems, kb)))
    for path in files:
        found, omitted = _check_file(kb, Path(path), blocked=bool([p for p in problems if p.severity == "error"]))
        problems += found
        report.omitted += omitted
        report.files.append(_shown(path))
    report.problems = sorted(_unique(problems), key=Problem.sort_key)
    return report


def _unread(problems: list[Problem], kb) -> set[str]:
    return {p.span.file for p in problems if p.code in ("yaml-syntax", "unreadable-file")} - set(kb.documents)


def _shown(path) -> str:
    return display_path(path)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _check_file(kb, path: Path, blocked: bool) -> tuple[list[Problem], int]:
    """A scenario or a test-case file, checked against the knowledge base: its problems, and how many more the
    loader counted without keeping them."""
    try:
        doc = load_document(path)
    except InputError as error:
        return error.problems, error.omitted
    if blocked and not (isinstance(doc.data, dict) and "cases" in doc.data):
        return [], 0  # a scenario is only meaningful against a knowledge base that loads
    if isinstance(doc.data, dict) and "cases" in doc.data:
        return check_case_document(doc, kb, scenarios=not blocked), 0
    try:
        scenario_from_document(doc, kb)
    except InputError as error:
        return error.problems, error.omitted
    return [], 0
