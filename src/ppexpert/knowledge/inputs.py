"""A loaded scenario as the rules see it: each input value and each baseline value, with where it came from."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from ppexpert.knowledge.conditions import show_value
from ppexpert.knowledge.model import Scenario
from ppexpert.knowledge.problems import Span


@dataclass(frozen=True)
class InputValue:
    """One scenario input as the engine sees it, with where it came from."""

    name: str
    value: Any  # a number, word, bool, None (the plan sets none), or UNKNOWN
    span: Span
    origin: str = "scenario"  # scenario | not-stated | derived
    point: str | None = None  # the plan point it encodes
    note: str | None = None
    derived_from: tuple[str, ...] = ()
    formula: str | None = None

    @property
    def shown(self) -> str:
        return show_value(self.value)


@dataclass(frozen=True)
class BaselineValue:
    """The value of a baseline used in one assessment: the knowledge base's, or a scenario's assumption."""

    id: str
    value: Any
    kb_value: Any
    source: str
    assumed: bool
    disputed: bool
    span: Span
    note: str | None = None
    holds_for: str | None = None  # the dated period whose value this is, when the baseline is dated


@dataclass
class LoadedScenario:
    scenario: Scenario
    inputs: dict[str, InputValue] = field(default_factory=dict)
    baselines: dict[str, BaselineValue] = field(default_factory=dict)
    file: str = "<memory>"
    content_hash: str = ""  # sha256 (12 hex) of the file's bytes, or of the mapping as canonical JSON
    as_of: _dt.date | None = None  # the day whose law and facts apply: --as-of, else the scenario's as_of or date
