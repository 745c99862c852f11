"""The result object of one assessment: what every presentation reads; none of them computes anything."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, ClassVar

from ppexpert.engine.durable import Firing
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.reasoning import document, explain, frames, unknowns
from ppexpert.reasoning._conclusion_types import Conclusion, Defeat, Undetermined
from ppexpert.reasoning.trace import Trace

__all__ = ["Assessment", "Conclusion", "Defeat", "Undetermined"]


@dataclass
class Assessment:
    kb: KnowledgeBase
    loaded: LoadedScenario
    conclusions: dict[str, Conclusion]
    firings: list[Firing]
    defeats: list[Defeat]
    undetermined: list[Undetermined]
    trace: "Trace"
    support: dict[str, list[Firing]] = field(default_factory=dict)
    # what-if re-runs the pipeline on a changed scenario; run.py hands itself in, so this module need not import it
    runner: Callable[[LoadedScenario, KnowledgeBase], "Assessment"] | None = field(default=None, repr=False)

    @cached_property
    def graph(self):
        """The trace as a networkx DiGraph (built on first use: most runs never need networkx itself)."""
        return self.trace.to_graph()

    @cached_property
    def possible(self) -> dict:
        """conclusion id -> unknowns.Possible for every conclusion the scenario's unknown inputs leave open (exact,
        computed on first use from the cells of the unknown inputs)."""
        actual = {c.id: (c.level or "holds") for c in self.conclusions.values()}
        return unknowns.possible_outcomes(self.kb, self.loaded, actual)

    def outcomes(self, conclusion_id: str) -> list:
        """Every outcome the conclusion can have: its level (or 'holds', or None) when settled, else each possible."""
        if conclusion_id in self.possible:
            return list(self.possible[conclusion_id].outcomes)
        conclusion = self.get(conclusion_id)
        return [(conclusion.level or "holds") if conclusion else None]

    def standing(self, firing: Firing) -> bool:
        return firing.order in self.trace.standing

    @property
    def scenario(self):
        return self.loaded.scenario

    def by_kind(self, kind: str) -> list[Conclusion]:
        return [c for c in self.conclusions.values() if c.kind == kind]

    @property
    def risks(self) -> list[Conclusion]:
        return [c for c in self.by_kind("risk") if c.area != "overall"]

    @property
    def overall(self) -> Conclusion | None:
        return self.conclusions.get("risk.overall")

    def get(self, conclusion_id: str) -> Conclusion | None:
        return self.conclusions.get(conclusion_id)

    def why(self, conclusion_id: str) -> dict:
        return explain.why(self, conclusion_id)

    def why_not(self, conclusion_id: str, level: str | None = None) -> dict:
        return explain.why_not(self, conclusion_id, level)

    def what_if(self, conclusion_id: str) -> dict:
        return explain.what_if(self, conclusion_id)

    def to_json(self) -> dict:
        return document.assessment_json(self)

    def to_frame(self):
        """A pandas DataFrame, one row per conclusion (needs the `notebook` extra)."""
        return frames.to_frame(self)

    def __repr__(self) -> str:
        areas = ", ".join(f"{r.area} {r.level}" for r in sorted(self.risks, key=lambda r: r.area))
        overall = self.overall.level if self.overall else "not determined"
        return (f"<Assessment {self.scenario.id}: overall {overall}; {areas}; {len(self.by_kind('violation'))} "
                f"violations, {len(self.by_kind('consequence'))} consequences>")

    # The HTML a notebook shows (the area cards). Presentation is not this layer's: ppexpert.present.notebook
    # sets it when imported (the package root imports it), and without it notebooks fall back to the repr.
    html_renderer: ClassVar[Callable[["Assessment"], str] | None] = None

    def _repr_html_(self) -> str | None:
        return type(self).html_renderer(self) if type(self).html_renderer else None

    def reassess(self, loaded: LoadedScenario) -> "Assessment":
        """The same knowledge base on a changed scenario (what-if)."""
        return self.runner(loaded, self.kb)
