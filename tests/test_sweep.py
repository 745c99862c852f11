"""Sweeps: every row equals an assessment of that scenario on its own; the classes of an input's domain keep every
test's truth; the same arguments give the same bytes; bad arguments are every one reported, exit 2."""
from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
import yaml

import ppexpert
from ppexpert.cli import main
from ppexpert.knowledge.problems import InputError
from ppexpert.knowledge.scenario import without_stated
from ppexpert.reasoning.axes import axis, truth
from ppexpert.reasoning.sweep import conclusion_ids, prepare, scenario_chunks, sweep


ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "us-28-point-plan.yaml"
SEED = ROOT / "examples" / "seed-calculator.yaml"
KB = ppexpert.load_knowledge(ROOT / "knowledge")


def _patched(plan: Path, values: dict) -> dict:
    """The plan as a mapping with some parameters replaced (what a researcher would write by hand): an input the
    plan derives from its regions replaces the regions, since a file may not state both."""
    data = yaml.safe_load(plan.read_text())
    for name in values:
        source = KB.parameters[name].derived_when if name in KB.parameters else None
        if source:
            data["parameters"] = without_stated(data["parameters"], source)
    data["parameters"].update(values)
    return data


def _expected(assessment, conclusion: str, has_level: bool):
    found = assessment.get(conclusion)
    if has_level:
        return found.level if found else None
    return found is not None


def test_a_grid_sweep_equals_one_assessment_per_scenario():
    vary = ["territory_ceded_pct=0:40:8", "military_cap.pct_of_current=10:100:30", "war_crimes_amnesty=*"]
    table = sweep(PLAN, vary)
    assert len(table) == 6 * 4 * 3
    kinds = conclusion_ids(ppexpert.load_knowledge(ROOT / "knowledge"))
    assert list(table.columns) == ["territory_ceded_pct", "military_cap.pct_of_current", "war_crimes_amnesty",
                                   *sorted(kinds, key=lambda c: (c != "risk.overall", not c.startswith("risk."), c))]
    for row in table.itertuples(index=False):
        territory, cap, amnesty = row[0], row[1], row[2]
        alone = ppexpert.assess(_patched(PLAN, {"territory_ceded_pct": territory, "war_crimes_amnesty": amnesty,
                                                "military_cap": {"pct_of_current": cap}}))
        for name, value in zip(table.columns[3:], row[3:]):
            assert value == _expected(alone, name, kinds[name]), (territory, cap, amnesty, name)


def test_a_sample_equals_one_assessment_per_scenario_around_the_derived_thresholds():
    # the seed calculator's troop baseline (1,000,000) puts a derived threshold (the cap against the Russian
    # force) between whole shares: a sample over the two whole shares around it crosses it (the other such break,
    # just above 0, is "some cap at all", which the forces rules test)
    kb = ppexpert.load_knowledge(ROOT / "knowledge")
    cut = axis(kb, ppexpert.assess(SEED).loaded, "military_cap", "pct_of_current")
    (edge,) = [b for b in cut.breaks if not float(b).is_integer() and b > 1]
    span = f"{int(edge) - 1}:{int(edge) + 1}"
    table = sweep(SEED, [f"military_cap.pct_of_current={span}", "election_within_days=170:190"], sample=40,
                  method="random", seed=3, conclusions=["risk.*", "consequence.*"])
    kinds = conclusion_ids(ppexpert.load_knowledge(ROOT / "knowledge"))
    assert len(table) == 40 and len(set(table["military_cap.pct_of_current"])) > 30
    for row in table.itertuples(index=False):
        alone = ppexpert.assess(_patched(SEED, {"military_cap": {"pct_of_current": row[0]},
                                                "election_within_days": row[1]}))
        for name, value in zip(table.columns[2:], row[2:]):
            assert value == _expected(alone, name, kinds[name]), (row[0], row[1], name)
    assert len(set(table["risk.defence"])) == 2  # the sample crosses the defence threshold


@pytest.mark.parametrize("plan,parameter,field", [
    (SEED, "military_cap", "pct_of_current"), (PLAN, "military_cap", "troops"), (PLAN, "territory_ceded_pct", None),
    (PLAN, "election_within_days", None), (PLAN, "war_crimes_amnesty", None)])
def test_two_values_share_a_class_exactly_when_every_test_on_the_input_agrees(plan, parameter, field):
    kb = ppexpert.load_knowledge(ROOT / "knowledge")
    base = ppexpert.assess(plan).loaded
    cut = axis(kb, base, parameter, field)
    spec = kb.parameters[parameter]
    if cut.kind in ("number", "integer"):
        step = 1 if cut.kind == "integer" else 0.0001
        values = {cut.low, cut.high}
        for edge in cut.breaks:
            values.update({edge, edge - step, edge + step})
        generator = random.Random(7)
        values.update(generator.uniform(cut.low, min(cut.high, 2_000_000)) for _ in range(200))
        values = [round(v) if cut.kind == "integer" else round(v, 4) for v in values if cut.low <= v <= cut.high]
        assert cut.breaks, "the rules test this input"
    else:
        values = list(spec.choices or []) + [None, "unknown"]
    seen: dict = {}
    for value in values:
        key, vector = cut.class_of(value), truth(cut, kb, base, value)
        seen.setdefault(key, vector)
        assert seen[key] == vector, (value, key)
    vectors = list(seen.values())
    assert len(vectors) == len(set(vectors)) or cut.kind not in ("number", "integer")


def test_the_same_arguments_give_the_same_bytes_and_a_seed_its_own_sample(tmp_path):
    arguments = ["sweep", str(PLAN), "--vary", "territory_ceded_pct=0:100", "--vary",
                 "military_cap.troops=0:1000000", "--vary", "us_commitment=*", "--sample", "300", "--method", "lhs"]
    for name in ("a.parquet", "b.parquet", "a.csv", "b.csv"):
        assert main(arguments + ["--seed", "5", "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert main(arguments + ["--seed", "6", "-o", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_bytes() != (tmp_path / "a.csv").read_bytes()
    table = pd.read_parquet(tmp_path / "a.parquet")
    from_csv = pd.read_csv(tmp_path / "a.csv", keep_default_na=False)
    assert len(table) == 300 and list(table.columns) == list(from_csv.columns)
    assert table["risk.overall"].tolist() == from_csv["risk.overall"].tolist()
    # a Latin hypercube: each hundredth of every numeric axis holds exactly three of the 300 scenarios
    for column, width in (("territory_ceded_pct", 100), ("military_cap.troops", 1_000_001)):
        strata = [min(int(v / width * 100), 99) for v in table[column]]
        assert sorted(strata) == sorted(list(range(100)) * 3), column
    assert set(table["us_commitment"]) == {"none", "vague", "defined", "treaty"}


def test_a_group_parameter_is_varied_by_its_dotted_name_not_read_as_a_record_field():
    table = sweep(SEED, ["forces.russia_cap=*", "guarantee.duration_years=10,null"])
    assert list(table.columns[:2]) == ["forces.russia_cap", "guarantee.duration_years"] and len(table) == 6
    for row in table.to_dict("records"):
        alone = ppexpert.assess(_patched(SEED, {"forces": {"russia_cap": row["forces.russia_cap"]}}))
        assert row["finding.one-sided-force-limits"] == (alone.get("finding.one-sided-force-limits") is not None)
    assert set(table.loc[table["finding.one-sided-force-limits"], "forces.russia_cap"]) == {"none"}


def test_the_grid_runs_first_vary_slowest_and_ranges_include_their_stop():
    prepared = prepare(PLAN, ["territory_ceded_pct=0:1:0.5", "war_crimes_amnesty=none,full", "us_commitment=treaty"])
    (chunk,) = list(scenario_chunks(prepared.design))
    assert chunk["territory_ceded_pct"] == [0, 0, 0.5, 0.5, 1, 1]
    assert chunk["war_crimes_amnesty"] == ["none", "full"] * 3
    assert prepared.design.size == 6


def test_every_wrong_argument_is_reported_at_once_with_what_to_do(capsys):
    code = main(["sweep", str(PLAN), "--vary", "territory_ceded_pct=0:200", "--vary", "military_cap=1:2",
                 "--vary", "war_crimes_amnesty=some", "--vary", "nonsense=1", "--conclusion", "risk.nothing",
                 "-o", "x.parquet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    for expected in ("territory_ceded_pct: 200 is out of range", "military_cap is a record",
                     "military_cap.pct_of_current", "'some' is not an allowed word", "unknown input 'nonsense'",
                     "no conclusion matches 'risk.nothing'", "5 errors"):
        assert expected in err, expected
    assert main(["sweep", str(PLAN), "--vary", "territory_ceded_pct=1", "-o", "x.xlsx"]) == 2
    assert "name the file .parquet or .csv" in capsys.readouterr().err
    with pytest.raises(InputError, match="needs --sample"):
        sweep(PLAN, ["territory_ceded_pct=1:2"], method="lhs")


def test_a_sweep_on_a_two_worker_dask_cluster_on_loopback_equals_the_one_in_this_process():
    import logging

    from distributed import LocalCluster

    from ppexpert.reasoning.sweep import run_chunks

    vary = ["territory_ceded_pct=0:30:2", "military_cap.troops=100000:900000:100000", "us_commitment=*"]
    alone = sweep(PLAN, vary)
    prepared = prepare(PLAN, vary)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        blocks = list(run_chunks(prepared, scheduler=cluster.scheduler_address, chunk=100, timeout=120))
    assert len(blocks) == 6  # 16 x 9 x 4 = 576 rows in chunks of 100, spread over both workers
    on_dask = pd.DataFrame({name: [v for b in blocks for v in b[name]] for name in prepared.columns})
    pd.testing.assert_frame_equal(on_dask, alone)
