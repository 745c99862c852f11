"""pytest plugin: collects the YAML test cases (tests/cases/*.yaml) so that `python -m pytest` runs them.

Loaded from tests/conftest.py. Each case is one test item, named by its sentence; a failure shows the case's
file:line, its name, expected against actual, and the derivation of the actual conclusion.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ppexpert.authoring.cases import load_case_document, run_case
from ppexpert.knowledge.problems import InputError


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases" and file_path.parent.parent.name == "tests":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        # lazy, for start-up speed: a pytest run that collects no case file loads no ppexpert
        from ppexpert.knowledge.yamlfile import load_document
        try:
            doc = load_document(self.path)
        except InputError as error:
            yield BrokenCaseFile.from_parent(self, name="(the file cannot be read)", error=error)
            return
        cases, problems = load_case_document(doc)
        if problems:
            yield BrokenCaseFile.from_parent(self, name="(the file's shape)", error=InputError(problems))
        for loaded in cases:
            yield CaseItem.from_parent(self, name=loaded.case.name, loaded=loaded)


class CaseFailure(Exception):
    """A case whose expectations do not hold; its message is the report."""


class CaseItem(pytest.Item):
    def __init__(self, *, loaded, **kwargs):
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        from ppexpert.reasoning import knowledge_for  # lazy, for start-up speed (see collect)
        result = run_case(self.loaded, knowledge_for(None, self.path.parent))
        if not result.passed:
            raise CaseFailure(result.report())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (CaseFailure, InputError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.loaded.doc.span(self.loaded.path).line - 1, f"case: {self.name}"


class BrokenCaseFile(pytest.Item):
    def __init__(self, *, error: InputError, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, 0, f"case file: {self.name}"
