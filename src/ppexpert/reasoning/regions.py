"""The region map of one conclusion over two inputs: the plan's other inputs held, each input cut into its classes
(`ppexpert.reasoning.axes`), and the conclusion's level in every product of a class of one with a class of the
other. Boundaries are the rules' thresholds themselves (carried back through derived values), not a sampled grid:
every value of a region gives the region's level, because every test of every rule keeps its truth there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.problems import InputError
from ppexpert.reasoning.run import load_plan
from ppexpert.reasoning.sweep import Evaluator, Vary, domain_vary, read_request, select_conclusions, sweep_problem


@dataclass(frozen=True)
class Band:
    """One class of an axis: [start, end) of a number (the last band closed), or one value of a word or yes/no."""

    start: Any
    end: Any = None
    value: Any = None  # the value the region is evaluated at: the least of the class, or the word

    @property
    def numeric(self) -> bool:
        return self.end is not None


@dataclass(frozen=True)
class MapAxis:
    name: str  # as given: territory_ceded_pct, military_cap.troops
    title: str
    unit: str | None
    kind: str
    low: Any
    high: Any
    bands: tuple[Band, ...]
    breaks: tuple[Any, ...]  # the thresholds inside (low, high]: where a class begins
    plan: Any  # the plan's own value, or None when it sets none or leaves it unknown


@dataclass(frozen=True)
class Region:
    x: Band
    y: Band
    level: Any  # the level (a word), True/False for a conclusion without one, None where it does not hold


@dataclass(frozen=True)
class RegionMap:
    plan: str  # the scenario's id
    plan_title: str
    conclusion: str
    has_level: bool
    levels: tuple[str, ...]  # the scale, lowest first
    x: MapAxis
    y: MapAxis
    regions: tuple[Region, ...]  # x changing slowest
    plan_level: Any  # the conclusion for the plan itself
    runs: int  # engine runs it took (one per region at most)

    def level_at(self, x: Any, y: Any) -> Any:
        """The level of the region holding (x, y); for tests and for reading a map back."""
        for region in self.regions:
            if _inside(region.x, x) and _inside(region.y, y):
                return region.level
        raise ValueError(f"({x}, {y}) is outside the map")


def _inside(band: Band, value: Any) -> bool:
    if not band.numeric:
        return type(band.value) is type(value) and band.value == value
    return band.start <= value < band.end or (band.end == band.start == value)


def region_map(plan: Path | str | Mapping, x: str, y: str, conclusion: str = "risk.overall",
               knowledge: Path | str | KnowledgeBase | None = None) -> RegionMap:
    """`x` and `y` are inputs (`territory_ceded_pct`, `military_cap.troops`), optionally with the span to draw:
    `military_cap.troops=0:1000000`. A word or yes/no input shows every value."""
    kb, base = load_plan(plan, knowledge)
    problems: list = []
    varies, chosen = read_request(kb, (x, y), _axis_vary, [conclusion], problems)
    if chosen is not None and len(chosen) != 1:
        problems.append(sweep_problem(("--conclusion",), f"'{conclusion}' names {len(chosen)} conclusions",
                                      "name one conclusion, e.g. risk.overall"))
    if len(varies) == 2 and varies[0].parameter == varies[1].parameter:
        problems.append(sweep_problem(("--y",), f"{varies[0].name} and {varies[1].name} set the same input",
                                 "map two different inputs"))
    if problems:
        raise InputError(problems)
    evaluator = Evaluator(kb, base, varies, chosen)
    axes = [_map_axis(kb, base, vary, cut) for vary, cut in zip(varies, evaluator.axes)]
    (cid, has_level), = chosen.items()
    regions = tuple(Region(bx, by, evaluator.levels([bx.value, by.value])[cid])
                    for bx in axes[0].bands for by in axes[1].bands)
    plan_level = evaluator.conclude(base)[cid]
    return RegionMap(base.scenario.id, base.scenario.title, cid, has_level, tuple(kb.scale.names), axes[0], axes[1],
                     regions, plan_level, evaluator.runs)


def _axis_vary(given: str, kb: KnowledgeBase) -> Vary:
    """An axis: a number over one span (given, or its whole domain), or every value of a word or yes/no."""
    vary = domain_vary(given, kb)
    if vary.kind in ("number", "integer") and vary.continuous is None:
        raise InputError([sweep_problem(("--x/--y", vary.name), f"{given}: a numeric axis takes one span START:STOP",
                                        f"e.g. {vary.name}=0:100")])
    return vary


def _map_axis(kb: KnowledgeBase, base, vary: Vary, cut) -> MapAxis:
    parameter = kb.parameters[vary.parameter]
    spec = (parameter.fields or {})[vary.field] if vary.field else parameter
    title = spec.title if vary.field and getattr(spec, "title", None) else parameter.title
    plan_value = _plan_value(base, vary)
    shown = plan_value if plan_value not in (None, UNKNOWN) else None
    span = vary.continuous
    if span is None:
        bands = tuple(Band(value, None, value) for value in vary.grid())
        return MapAxis(vary.name, title, getattr(spec, "unit", None), vary.kind, None, None, bands, (), shown)
    low, high = _plain(span.start), _plain(span.stop)
    breaks = tuple(b for b in cut.breaks if low < b <= high)
    edges = [low, *breaks]
    bands = tuple(Band(start, end, start) for start, end in zip(edges, [*breaks, high]) if start < end)
    if not bands or breaks and breaks[-1] == high:  # the top value opens a class of its own
        bands = bands + (Band(high, high, high),)
    return MapAxis(vary.name, title, getattr(spec, "unit", None), vary.kind, low, high, bands, breaks, shown)


def _plain(value) -> Any:
    return int(value) if value == value.to_integral_value() else float(value)


def _plan_value(base, vary: Vary) -> Any:
    value = base.inputs[vary.parameter].value
    if vary.field:
        return value.get(vary.field) if isinstance(value, dict) else (None if value is None else UNKNOWN)
    return value


__all__ = ["region_map", "RegionMap", "Region", "Band", "MapAxis"]


def slider_marks(kb: KnowledgeBase, base, conclusions: str = "risk.*") -> dict[str, list[dict]]:
    """For every numeric input outside the plan vocabulary's groups (a record by each of its fields), the values
    where one of the conclusions changes level while the plan's other inputs stay as they are:
    `{input: [{"at", "changes": {id: [before, after]}}]}`, what the web calculator marks on its sliders (it has no
    controls for the groups). Exact, like a map: the classes' bounds, not a sampled grid."""
    chosen = select_conclusions(kb, [conclusions])
    marks: dict[str, list[dict]] = {}
    for name, parameter in sorted(kb.parameters.items()):
        if parameter.derived or parameter.group:  # the page has controls only for the parameters outside groups
            continue
        fields = list(parameter.fields or {}) if parameter.type == "record" else [None]
        for field in fields:
            if parameter.type not in ("number", "integer", "record"):
                continue
            vary = domain_vary(f"{name}.{field}" if field else name, kb)
            evaluator = Evaluator(kb, base, [vary], chosen)
            cut = _map_axis(kb, base, vary, evaluator.axes[0])
            found, before = [], None
            for band in cut.bands:
                levels = evaluator.levels([band.value])
                if before is not None and levels != before:
                    changes = {c: [before[c], levels[c]] for c in chosen if before[c] != levels[c]}
                    found.append({"at": band.start, "changes": changes})
                before = levels
            marks[vary.name] = found
    return marks
