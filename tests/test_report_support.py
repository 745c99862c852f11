"""Fixtures shared by the report, comparison and graph tests (imported by them; holds no tests of its own)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ppexpert.reasoning import knowledge_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def from_the_project_folder(monkeypatch):
    """Paths in reports are relative to the working directory: run from the project folder, as users do."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def kb():
    return knowledge_for(ROOT / "knowledge")
