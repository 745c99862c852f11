"""ppexpert as an EMA workbench model: its experiments' outcomes are the assessments' levels, PRIM finds the
rules' own threshold, and SALib (through the workbench's Sobol sampling) gives no effect to an input that no rule
behind the conclusion reads."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy
import pytest
import yaml

import ppexpert
from ppexpert.knowledge.problems import InputError
from ppexpert.reasoning.ema import ema_model

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the workbench warns about optional back-ends (ipyparallel) on import
    from ema_workbench import Samplers, SequentialEvaluator
    from ema_workbench.analysis import prim
    from ema_workbench.em_framework import get_SALib_problem
    from SALib.analyze import sobol

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "seed-calculator.yaml"  # its five dials are all inputs (no regions to set aside)
INPUTS = ["territory_ceded_pct=0:40", "election_within_days=0:365", "war_crimes_amnesty"]
LEVELS = ["low", "medium", "high", "critical"]


def _run(model, **options):
    numpy.random.seed(1)  # the workbench's samplers draw from numpy's global generator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            return evaluator.perform_experiments(**options)


def test_the_model_takes_its_uncertainties_from_the_domains_and_its_outcomes_from_the_assessments():
    model = ema_model(PLAN, INPUTS, conclusions=["risk.sovereignty", "risk.accountability", "risk.overall"])
    kinds = {u.name: type(u).__name__ for u in model.uncertainties}
    assert kinds == {"territory_ceded_pct": "RealParameter", "election_within_days": "IntegerParameter",
                     "war_crimes_amnesty": "CategoricalParameter"}
    experiments, outcomes = _run(model, scenarios=40)
    assert model.ppexpert_evaluator.runs < 40  # one engine run per cell
    plan = yaml.safe_load(PLAN.read_text())
    for i in range(12):
        row = experiments.iloc[i]
        plan["parameters"].update({"territory_ceded_pct": float(row["territory_ceded_pct"]),
                                   "election_within_days": int(row["election_within_days"]),
                                   "war_crimes_amnesty": str(row["war_crimes_amnesty"])})
        alone = ppexpert.assess(plan)
        for conclusion in ("risk.sovereignty", "risk.accountability", "risk.overall"):
            assert outcomes[conclusion][i] == LEVELS.index(alone.get(conclusion).level), (i, conclusion)


def test_prim_finds_the_sovereignty_threshold_and_sobol_gives_no_effect_to_what_no_rule_reads():
    model = ema_model(PLAN, INPUTS, conclusions=["risk.sovereignty"])
    experiments, outcomes = _run(model, scenarios=300)
    x = experiments[["territory_ceded_pct", "election_within_days", "war_crimes_amnesty"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, outcomes["risk.sovereignty"] == LEVELS.index("critical"), threshold=0.9).find_box()
    limits = box.box_lims[-1]
    assert 25 <= float(limits["territory_ceded_pct"][0]) < 27  # the rules' threshold is 25; PRIM peels in steps
    assert box.density == 1.0

    experiments, outcomes = _run(model, scenarios=64, uncertainty_sampling=Samplers.SOBOL)
    problem = get_SALib_problem(model.uncertainties)
    indices = sobol.analyze(problem, numpy.asarray(outcomes["risk.sovereignty"], dtype=float),
                            calc_second_order=True, print_to_console=False)
    total = dict(zip(problem["names"], indices["ST"]))
    assert total["territory_ceded_pct"] > 0.5
    assert total["election_within_days"] == 0 and total["war_crimes_amnesty"] == 0


def test_wrong_inputs_are_all_reported():
    with pytest.raises(InputError) as raised:
        ema_model(PLAN, ["nonsense", "military_cap", "territory_ceded_pct=0:500"], conclusions=["risk.nothing"])
    text = raised.value.render()
    for expected in ("unknown input 'nonsense'", "military_cap is a record", "500 is out of range",
                     "no conclusion matches 'risk.nothing'"):
        assert expected in text, expected
