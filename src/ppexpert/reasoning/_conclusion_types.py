"""The parts of a result: a conclusion that stands, a defeated rule, a rule left open by unknown inputs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ground:
    """One standing rule's reason for a conclusion: several rules may conclude the same id, each on its own ground."""

    rule: str
    because: str  # the rule's sentence, filled with the scenario's values
    sources: tuple[dict, ...]  # its own citations, each with its role
    area: str | None
    label: str | None


@dataclass(frozen=True)
class Conclusion:
    id: str
    kind: str  # risk | violation | requirement | commitment | consequence | finding
    level: str | None
    area: str | None
    label: str | None
    sentence: str
    rules: tuple[str, ...]  # every rule whose firing supports it, in settle order
    sources: tuple[dict, ...]  # citations of the provisions and baselines it rests on
    premises: tuple[str, ...]  # trace node ids of what the supporting firings matched
    disputed: tuple[dict, ...] = ()  # baselines it rests on whose sources disagree, or that the scenario assumed
    caveats: tuple[str, ...] = ()  # exceptions that would defeat it but that the scenario's unknowns leave open
    grounds: tuple[Ground, ...] = ()  # one per supporting rule, in settle order; the first gives `sentence`
    requirement: dict | None = None  # for a requirement: the step, what bars or conditions it, how it could be met

    @property
    def rule(self) -> str:
        return self.rules[0]


@dataclass(frozen=True)
class Defeat:
    """A rule that matched but whose conclusion does not stand."""

    rule: str
    conclusion: str
    level: str | None
    by: str  # the overriding rule's id, "unless", or "not-in-force" (its legal basis does not apply on the day)
    reason: str


@dataclass(frozen=True)
class Undetermined:
    """A conclusion the scenario's unknown inputs leave open: it would follow if they took these values."""

    rule: str
    conclusion: str
    level: str | None
    unknown: tuple[str, ...]
    needs: tuple[str, ...]
    sentence: str  # with ids, for researchers and the terminal
    words: str = ""  # the same for a reader: the conclusion as a heading, each input by its title
