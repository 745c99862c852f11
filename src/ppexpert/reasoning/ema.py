"""ppexpert as a model for the EMA workbench (ema_workbench): uncertainties from the parameters' declared domains,
outcomes from the conclusions, so its scenario discovery (PRIM, CART) and SALib's sensitivity analysis run on the
rules. The model keeps one cell cache (`Evaluator`) for all its experiments: the engine runs once per cell.

Outcomes are numbers, as the workbench wants them: a conclusion with a level is its rank on the knowledge base's
scale (low = 0, medium = 1, ...; -1 where it does not hold), one without a level is 1 where it holds, else 0.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.problems import InputError
from ppexpert.reasoning.run import load_plan
from ppexpert.reasoning.sweep import Evaluator, Vary, domain_vary, extra, read_request, sweep_problem

# the seed article's calculator: the five dials, the default uncertainties
DIALS = ("territory_ceded_pct", "military_cap.pct_of_current", "election_within_days", "war_crimes_amnesty",
         "us_commitment")


def uncertainty_of(vary: Vary):
    """The workbench's parameter for one input: its range, or its words (from the --vary form or the domain)."""
    workbench = extra("ema_workbench")
    span = vary.continuous
    if span is not None and vary.kind == "number":
        return workbench.RealParameter(vary.name, float(span.start), float(span.stop))
    if span is not None and vary.kind == "integer":
        return workbench.IntegerParameter(vary.name, int(span.start), int(span.stop))
    if vary.kind == "boolean" and sorted(vary.grid()) == [False, True]:
        return workbench.BooleanParameter(vary.name)
    return workbench.CategoricalParameter(vary.name, vary.grid())


def outcome_value(value: Any, has_level: bool, levels: list[str]) -> int:
    if has_level:
        return levels.index(value) if isinstance(value, str) else -1
    return 1 if value else 0


def ema_model(plan: Path | str | Mapping, inputs: Sequence[str] = DIALS, conclusions: Sequence[str] = ("risk.*",),
              knowledge: Path | str | KnowledgeBase | None = None, name: str = "ppexpert"):
    """An ema_workbench Model of the plan: `inputs` (a name over its domain, or NAME=START:STOP / NAME=a,b) are the
    uncertainties, the conclusions matching `conclusions` the outcomes; the plan's other inputs stay as set."""
    workbench = extra("ema_workbench")
    kb, base = load_plan(plan, knowledge)
    problems: list = []
    varies, chosen = read_request(kb, inputs, domain_vary, list(conclusions), problems)
    if len({v.parameter for v in varies}) != len(varies):
        problems.append(sweep_problem(("inputs",), "two uncertainties set the same input", "give each input once"))
    if problems:
        raise InputError(problems)
    evaluator = Evaluator(kb, base, varies, chosen)
    levels = kb.scale.names

    def run(**values: Any) -> dict[str, int]:
        found = evaluator.levels([_plain(values[v.name]) for v in varies])
        return {c: outcome_value(found[c], has_level, levels) for c, has_level in chosen.items()}

    model = workbench.Model(name, function=run)
    model.uncertainties = [uncertainty_of(v) for v in varies]
    model.outcomes = [workbench.ScalarOutcome(c) for c in chosen]
    model.ppexpert_evaluator = evaluator  # how many engine runs the experiments took: .runs
    return model


def _plain(value: Any) -> Any:
    """numpy's scalars, as the workbench hands them, to Python's (the loader's types)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
