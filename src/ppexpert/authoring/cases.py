"""YAML test cases for the knowledge base: given a scenario, expect these conclusions and levels.

A case file (tests/cases/*.yaml):

    cases:
      - name: A full amnesty for war crimes is a high accountability risk     # a sentence
        scenario: examples/us-28-point-plan.yaml     # a path from the project root ...
        patch: {war_crimes_amnesty: full}            # ... with some parameters changed (optional)
        # or instead of `scenario`: parameters: {war_crimes_amnesty: full}  (unstated ones are unknown)
        expect:
          risk.accountability: high                  # the level exactly
          risk.overall: {at_least: high}             # or at_most, or both
          consequence.icc-admissibility: present
          consequence.no-accountability: absent
        defeated:                                    # optional: precedence, as the trace records it
          ACC-RISK-MEDIUM: ACC-RISK-HIGH             # this rule matched but that one overrides it
          SOV-ART-73: unless                         # or its own `unless` exception held

`ppexpert test` runs them, `ppexpert test --coverage` says which rules no case makes fire, and the pytest
plugin (pytest_plugin.py) collects the same files so that `python -m pytest` runs them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, model_validator

from ppexpert.knowledge.model import Assumption, Identifier, RuleId, _Model
from ppexpert.knowledge.problems import InputError, Problem, render_problems, suggest
from ppexpert.knowledge.scenario import patched, scenario_from_document
from ppexpert.knowledge.validation import validate
from ppexpert.knowledge.yamlfile import Document, load_document
from ppexpert.present.text import render_why, render_why_not, to_text
from ppexpert.reasoning import assess_loaded, knowledge_for

ConclusionId = Annotated[str, Field(pattern=r"^(risk|violation|requirement|commitment|consequence|finding)\.[a-z0-9][a-z0-9_.\-]*$",
                                    description="a conclusion id, e.g. risk.sovereignty or requirement.referendum-on-territory")]


class LevelRange(_Model):
    """A risk level within bounds, on the scale's order."""

    at_least: Identifier | None = None
    at_most: Identifier | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> "LevelRange":
        if self.at_least is None and self.at_most is None:
            raise ValueError("give `at_least`, `at_most` or both")
        return self


Expectation = Union[
    Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                         description="`present`, `absent`, or a level of the scale (the level exactly)")],
    LevelRange,
]


class Case(_Model):
    """One test: a scenario and the conclusions expected of it."""

    name: str = Field(description="a sentence saying what the case shows, e.g. 'Ceding no land is a low "
                                  "sovereignty risk'")
    scenario: str | None = Field(None, description="a scenario file, relative to the project root")
    patch: dict[str, Any] | None = Field(None, description="parameters that replace the scenario file's")
    parameters: dict[str, Any] | None = Field(None, description="an inline scenario: its parameters")
    assumptions: dict[str, Assumption] | None = Field(None, description="an inline scenario's assumptions")
    expect: dict[ConclusionId, Expectation] = Field(min_length=1)
    defeated: dict[RuleId, str] | None = Field(
        None, description="rules expected to match but be defeated: each with the rule that overrides it, or `unless`")
    note: str | None = None

    @model_validator(mode="after")
    def _one_scenario(self) -> "Case":
        if (self.scenario is None) == (self.parameters is None):
            raise ValueError("a case takes either `scenario` (a file, optionally with `patch`) or `parameters`")
        if self.patch is not None and self.scenario is None:
            raise ValueError("`patch` changes a scenario file: add `scenario:`")
        if self.assumptions is not None and self.parameters is None:
            raise ValueError("`assumptions` belong to an inline scenario (`parameters:`)")
        words = self.name.split()
        if len(words) < 3 or not self.name[0].isupper():
            raise ValueError("a case's name is a sentence that says what it shows, e.g. "
                             "'A full amnesty is a high accountability risk'")
        return self


class CaseFile(_Model):
    cases: list[Case] = Field(min_length=1)


# ---------------------------------------------------------------- loading and checking


@dataclass
class LoadedCase:
    case: Case
    file: str
    index: int
    doc: Document

    @property
    def path(self) -> tuple:
        return ("cases", self.index)

    @property
    def where(self) -> str:
        return str(self.doc.span(self.path + ("name",)))


def default_case_files(root: Path) -> list[Path]:
    return sorted((root / "tests" / "cases").glob("*.yaml"))


def load_case_document(doc: Document) -> tuple[list[LoadedCase], list[Problem]]:
    """The cases of one file, or the problems of its shape (each with file:line)."""
    if not isinstance(doc.data, dict):
        return [], [doc.problem((), "a case file is a mapping with `cases:`", "see docs/authoring.md",
                                code="wrong-type")]
    raw_cases = doc.data.get("cases")
    problems = [doc.problem((key,), f"unknown key '{key}'", "a case file holds `cases:` only", code="unknown-key")
                for key in doc.data if key != "cases"]
    if not isinstance(raw_cases, list) or not raw_cases:
        return [], problems + [doc.problem(("cases",), "`cases` must be a list of cases",
                                           "start each case with '- name: '", code="wrong-type")]
    parsed: list[tuple[int, Case]] = []
    for index, raw in enumerate(raw_cases):  # each case on its own: one malformed case does not hide the others
        case, found = validate(doc, Case, raw, ("cases", index))
        problems += found
        if case is not None:
            parsed.append((index, case))
    names: dict[str, int] = {}
    for index, case in parsed:
        if case.name in names:
            problems.append(doc.problem(("cases", index, "name"), f"two cases are named '{case.name}'",
                                        f"the first is case {names[case.name] + 1}; give each case its own sentence",
                                        code="duplicate-id"))
        names.setdefault(case.name, index)
    return [LoadedCase(case, doc.file, index, doc) for index, case in parsed], problems


def check_case_document(doc: Document, kb, scenarios: bool = True) -> list[Problem]:
    """Problems of a case file against the knowledge base: its shape, conclusion ids, levels and (unless the
    knowledge base itself is broken) its scenarios."""
    cases, problems = load_case_document(doc)
    for loaded in cases:
        problems += _check_expectations(loaded, kb)
        if not scenarios:
            continue
        try:
            case_scenario(loaded, kb)
        except InputError as error:
            problems += error.problems
    return problems


def _check_expectations(loaded: LoadedCase, kb) -> list[Problem]:
    problems = []
    concluded = {rule.then.conclusion_id: rule for rule in kb.rules}
    levels = kb.scale.names if kb.scale else []
    for cid, expected in loaded.case.expect.items():
        path = loaded.path + ("expect", cid)
        if cid not in concluded:
            problems.append(loaded.doc.problem(path, f"no rule concludes '{cid}'", suggest(cid, sorted(concluded)),
                                               code="unknown-reference"))
            continue
        words = [expected] if isinstance(expected, str) else [w for w in (expected.at_least, expected.at_most) if w]
        has_level = concluded[cid].then.level is not None
        for word in words:
            if word in ("present", "absent"):
                continue
            if not has_level:
                problems.append(loaded.doc.problem(path, f"{cid} has no level; expect `present` or `absent`",
                                                   f"'{word}' would be a level", value=True, code="bad-word"))
            elif word not in levels:
                problems.append(loaded.doc.problem(path, f"'{word}' is not a level",
                                                   f"expected present, absent, or a level: {', '.join(levels)}",
                                                   value=True, code="bad-word"))
        if isinstance(expected, LevelRange) and not has_level:
            problems.append(loaded.doc.problem(path, f"{cid} has no level to bound", "expect `present` or `absent`",
                                               code="bad-word"))
    rules = kb.rules_by_id
    for rule_id, by in (loaded.case.defeated or {}).items():
        path = loaded.path + ("defeated", rule_id)
        for name, where in ((rule_id, False), (by, True)):
            if name not in rules and not (where and name == "unless"):
                    problems.append(loaded.doc.problem(path, f"unknown rule '{name}'", suggest(name, sorted(rules)),
                                                   value=where, code="unknown-reference"))
    return problems


def case_scenario(loaded: LoadedCase, kb):
    """The case's scenario, loaded and checked; errors in inline or patched values point into the case file."""
    case, doc = loaded.case, loaded.doc
    if case.parameters is not None:
        data = {"id": "case", "title": case.name, "parameters": doc.data["cases"][loaded.index]["parameters"]}
        if case.assumptions is not None:
            data["assumptions"] = doc.data["cases"][loaded.index]["assumptions"]
        scenario_doc = _graft(Document(doc.file, data), doc, loaded.path, ("parameters", "assumptions"))
        return scenario_from_document(scenario_doc, kb)
    path = kb.root.resolve().parent / case.scenario
    if not path.is_file():
        raise InputError([doc.problem(loaded.path + ("scenario",), f"scenario file not found: {case.scenario}",
                                      "give a path from the project root, e.g. examples/seed-calculator.yaml",
                                      code="missing-file")])
    scenario_doc = _GraftedDocument(load_document(path))
    if case.patch:
        if not isinstance(scenario_doc.data, dict) or not isinstance(scenario_doc.data.get("parameters", {}), dict):
            return scenario_from_document(scenario_doc, kb)  # reports the file's own shape
        raw_patch = doc.data["cases"][loaded.index]["patch"]
        scenario_doc.data = {**scenario_doc.data,
                             "parameters": patched(scenario_doc.data.get("parameters", {}), raw_patch)}
        for name in raw_patch:  # a patched value's problems point at the patch, in the case file
            scenario_doc.origins[("parameters", name)] = (doc, loaded.path + ("patch", name))
    return scenario_from_document(scenario_doc, kb)


class _GraftedDocument(Document):
    """A scenario some of whose nodes come from a case file (inline parameters, a patch): their problems
    point into the case file."""

    def __init__(self, base: Document):
        super().__init__(base.file, base.data, dict(base.marks))
        self.origins: dict[tuple, tuple[Document, tuple]] = {}

    def _origin(self, path: tuple) -> tuple[Document, tuple] | None:
        for length in range(len(path), 0, -1):
            origin = self.origins.get(path[:length])
            if origin is not None:
                source, prefix = origin
                return source, prefix + path[length:]
        return None

    def span(self, path: tuple = (), value: bool = False):
        origin = self._origin(tuple(path))
        return origin[0].span(origin[1], value) if origin else super().span(path, value)

    def problem(self, path: tuple, message: str, hint: str = "", value: bool = False, **kwargs):
        origin = self._origin(tuple(path))  # the YAML path too is the case file's
        return origin[0].problem(origin[1], message, hint, value, **kwargs) if origin else \
            super().problem(path, message, hint, value, **kwargs)


def _graft(target: Document, source: Document, prefix: tuple, keys: tuple) -> Document:
    grafted = _GraftedDocument(target)
    grafted.marks[()] = source.marks.get(prefix, (0, 0))
    for key in keys:
        grafted.origins[(key,)] = (source, prefix + (key,))
    return grafted


# ---------------------------------------------------------------- running


@dataclass
class CaseResult:
    loaded: LoadedCase
    failures: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """What failed: where the case is, its name, expected against actual, and the derivations."""
        lines = [f"{self.loaded.where}: FAIL {self.loaded.case.name}"]
        lines += [f"  {failure}" for failure in self.failures]
        for explanation in self.explanations:
            lines += ["  " + line if line else "" for line in explanation.rstrip().splitlines()]
        return "\n".join(lines)


def run_case(loaded: LoadedCase, kb) -> CaseResult:
    """Assess the case's scenario and compare each expectation; raise InputError if the case is malformed."""
    problems = _check_expectations(loaded, kb)
    if problems:
        raise InputError(problems)
    assessment = assess_loaded(case_scenario(loaded, kb), kb)
    result = CaseResult(loaded, fired={f.rule for f in assessment.firings})
    for cid, expected in loaded.case.expect.items():
        actual = assessment.get(cid)
        failure = _compare(cid, expected, actual, kb)
        if failure:
            result.failures.append(failure)
            result.explanations.append(_explain(assessment, cid, expected))
    for rule_id, by in (loaded.case.defeated or {}).items():
        failure = _compare_defeat(assessment, rule_id, by)
        if failure:
            result.failures.append(failure)
    return result


def _compare_defeat(assessment, rule_id: str, by: str) -> str | None:
    defeats = [d for d in assessment.defeats if d.rule == rule_id]
    if any(d.by == by for d in defeats):
        return None
    if defeats:
        actual = "; ".join(d.reason for d in defeats)
    elif any(f.rule == rule_id for f in assessment.firings):
        actual = "it stands"
    else:
        actual = "it did not match"
    return f"{rule_id}: expected defeated by {by}, actual: {actual}"


def _compare(cid: str, expected, actual, kb) -> str | None:
    shown = "absent" if actual is None else (actual.level or "present")
    if expected == "present":
        ok = actual is not None
    elif expected == "absent":
        ok = actual is None
    elif isinstance(expected, str):
        ok = actual is not None and actual.level == expected
    else:
        rank = kb.scale.rank
        ok = actual is not None and actual.level is not None and \
            (expected.at_least is None or rank(actual.level) >= rank(expected.at_least)) and \
            (expected.at_most is None or rank(actual.level) <= rank(expected.at_most))
    if ok:
        return None
    return f"{cid}: expected {_shown_expectation(expected)}, actual {shown}"


def _shown_expectation(expected) -> str:
    if isinstance(expected, str):
        return expected
    bounds = [f"at least {expected.at_least}" if expected.at_least else "",
              f"at most {expected.at_most}" if expected.at_most else ""]
    return " and ".join(b for b in bounds if b)


def _explain(assessment, cid: str, expected) -> str:
    """The derivation of the actual conclusion (why), or why it does not hold (why-not)."""
    if assessment.get(cid) is not None:
        return "derivation of the actual conclusion:\n" + to_text(render_why, assessment.why(cid))
    level = expected if isinstance(expected, str) and expected not in ("present", "absent") else None
    return "why it does not hold:\n" + to_text(render_why_not, assessment.why_not(cid, level))


@dataclass
class CaseRun:
    results: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rules: list = field(default_factory=list)  # every rule of the knowledge base, for coverage

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def exit_code(self) -> int:
        return 2 if self.problems else 1 if self.failed else 0

    def coverage(self) -> tuple[list, list]:
        """(rules some case makes fire, rules no case makes fire), in knowledge-base order."""
        fired = set().union(*(r.fired for r in self.results)) if self.results else set()
        return [r for r in self.rules if r.id in fired], [r for r in self.rules if r.id not in fired]

    def unexpected(self) -> list[str]:
        """Conclusions some rule draws that no case states an expectation about."""
        expected = {cid for r in self.results for cid in r.loaded.case.expect}
        return sorted({r.then.conclusion_id for r in self.rules} - expected)


def run_case_files(files: list[Path], knowledge=None, keyword: str | None = None) -> CaseRun:
    kb = knowledge_for(knowledge, Path(files[0]).parent if files else None)
    run = CaseRun(rules=list(kb.rules))
    for path in files:
        try:
            doc = load_document(path)
        except InputError as error:
            run.problems += error.problems
            continue
        cases, problems = load_case_document(doc)
        run.problems += problems
        for loaded in cases:
            if keyword and keyword.lower() not in loaded.case.name.lower():
                continue
            try:
                run.results.append(run_case(loaded, kb))
            except InputError as error:
                run.problems += error.problems
    return run


def render_run(run: CaseRun, coverage: bool = False) -> str:
    lines = []
    lines += render_problems(sorted(run.problems, key=Problem.sort_key))
    for result in run.results:
        lines.append(result.report() if not result.passed else f"{result.loaded.where}: ok   {result.loaded.case.name}")
    if coverage:
        lines.append(render_coverage(run))
    passed = len(run.results) - len(run.failed)
    summary = f"{passed} passed, {len(run.failed)} failed"
    if run.problems:
        errors = len([p for p in run.problems if p.severity == "error"])
        summary += f", {errors} error{'s' if errors != 1 else ''} in case files"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def run_json(run: CaseRun, coverage: bool = False) -> dict:
    """What `ppexpert test --format json` prints: every case with its outcome, the case-file problems, the counts,
    and with coverage the rules no case makes fire."""
    cases = [{"name": r.loaded.case.name, "file": r.loaded.file, "line": r.loaded.doc.span(r.loaded.path).line,
              "passed": r.passed, "failures": list(r.failures), "fired": sorted(r.fired)} for r in run.results]
    document = {"passed": len(run.results) - len(run.failed), "failed": len(run.failed), "exit_code": run.exit_code,
                "problems": [p.to_json() for p in sorted(run.problems, key=Problem.sort_key)], "cases": cases}
    if coverage:
        fired, missed = run.coverage()
        document["coverage"] = {"rules": len(run.rules), "fired": len(fired), "not_fired": [r.id for r in missed],
                                "conclusions_unchecked": run.unexpected()}
    return document


def render_coverage(run: CaseRun) -> str:
    fired, missed = run.coverage()
    total = len(run.rules)
    share = 100 * len(fired) / total if total else 100.0
    lines = [f"coverage: {len(fired)} of {total} rules fire in some case ({share:.0f}%)"]
    if missed:
        lines.append("rules no case makes fire:")
        width = max(len(r.id) for r in missed)
        lines += [f"  {r.id:<{width}}  {r.span}  {r.title}" for r in missed]
    unexpected = run.unexpected()
    concluded = len({r.then.conclusion_id for r in run.rules})
    lines.append(f"expectations: {concluded - len(unexpected)} of {concluded} conclusions are checked by some case")
    if unexpected:
        lines.append("conclusions no case checks (fired is not checked: add `expect:` lines):")
        lines += [f"  {cid}" for cid in unexpected]
    return "\n".join(lines)
