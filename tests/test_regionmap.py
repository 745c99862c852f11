"""Region maps: every point of every region, and points either side of every boundary, get the region's level
when assessed on their own; the files are the same for the same arguments; the plan is marked."""
from __future__ import annotations

import random
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

import ppexpert
from ppexpert.cli import main
from ppexpert.knowledge.scenario import without_stated
from ppexpert.present.regionmap import exact
from ppexpert.reasoning.axes import value_of
from ppexpert.reasoning.regions import region_map

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "us-28-point-plan.yaml"
SEED = ROOT / "examples" / "seed-calculator.yaml"
KB = ppexpert.load_knowledge(ROOT / "knowledge")


def _assessed(plan: Path, values: dict, conclusion: str):
    data = yaml.safe_load(plan.read_text())
    for name in values:  # a dial the plan derives from its regions replaces them, as the map's cells do
        source = KB.parameters[name].derived_when if name in KB.parameters else None
        if source:
            data["parameters"] = without_stated(data["parameters"], source)
    data["parameters"].update(values)
    found = ppexpert.assess(data).get(conclusion)
    return found.level if found else None


@pytest.mark.parametrize("plan,x,y,conclusion,as_values", [
    (PLAN, "territory_ceded_pct=0:40", "military_cap.troops=0:1000000", "risk.overall",
     lambda x, y: {"territory_ceded_pct": x, "military_cap": {"troops": y}}),
    (SEED, "military_cap.pct_of_current", "war_crimes_amnesty", "risk.defence",
     lambda x, y: {"military_cap": {"pct_of_current": x}, "war_crimes_amnesty": y}),
])
def test_every_region_has_the_level_of_every_point_inside_it(plan, x, y, conclusion, as_values):
    regions = region_map(plan, x, y, conclusion)
    assert len(regions.regions) == len(regions.x.bands) * len(regions.y.bands) and regions.x.breaks
    generator = random.Random(11)
    points = []
    for region in regions.regions:
        for band_x, band_y in ((region.x, region.y),):
            xs = _inside(band_x, regions.x.kind, generator)
            ys = _inside(band_y, regions.y.kind, generator)
            points += [(a, b, region.level) for a in xs[:2] for b in ys[:2]]
    for a, b, level in points:
        assert regions.level_at(a, b) == level
        assert _assessed(plan, as_values(a, b), conclusion) == level, (a, b)
    assert regions.plan_level == _assessed(plan, {}, conclusion)


def _inside(band, kind, generator) -> list:
    """The least value of the band, the greatest below its end, and one drawn from between."""
    if not band.numeric:
        return [band.value]
    if band.start == band.end:
        return [band.start]
    step = 1 if kind == "integer" else 0.0001
    last = band.end - step
    inner = generator.uniform(band.start, last)
    inner = round(inner) if kind == "integer" else round(inner, 4)
    return [band.start, round(last, 4) if kind != "integer" else last, inner]


def test_a_derived_threshold_is_carried_back_to_the_input_exactly():
    # the defence rules test the cap against the Russian force (a derived share, rounded to a tenth): the seed
    # calculator's share of today's force crosses it between whole shares, at a value the map names exactly
    regions = region_map(SEED, "military_cap.pct_of_current", "war_crimes_amnesty", "risk.defence")
    (edge,) = [b for b in regions.x.breaks if not float(b).is_integer() and b > 1]  # not "some cap" just above 0
    kb = ppexpert.load_knowledge(ROOT / "knowledge")
    base = ppexpert.assess(SEED).loaded
    below = value_of(kb, base, "military_cap", "pct_of_current", round(edge - 0.0001, 4),
                     "military_cap_vs_russian_force_pct")
    at = value_of(kb, base, "military_cap", "pct_of_current", edge, "military_cap_vs_russian_force_pct")
    assert below < at  # the derived share steps over the threshold exactly there
    assert regions.level_at(round(edge - 0.0001, 4), "full") != regions.level_at(edge, "full")
    assert regions.x.plan == 40 and regions.y.plan == "full"


def test_map_files_are_the_same_for_the_same_arguments_and_mark_the_plan(tmp_path, capsys):
    arguments = ["map", str(PLAN), "--x", "territory_ceded_pct=0:40", "--y", "military_cap.troops=0:1000000",
                 "--conclusion", "risk.overall"]
    for name in ("a.svg", "b.svg", "a.html", "a.png"):
        assert main(arguments + ["-o", str(tmp_path / name)]) == 0
    assert "us-28-point-plan: risk.overall = high" in capsys.readouterr().err
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg == (tmp_path / "b.svg").read_bytes()
    ElementTree.fromstring(svg)  # well-formed
    regions = region_map(PLAN, "territory_ceded_pct=0:40", "military_cap.troops=0:1000000", "risk.overall")
    assert f"us-28-point-plan: {regions.plan_level}".encode() in svg
    for edge in regions.y.breaks:  # every threshold is a tick, written exactly
        assert exact(edge).encode() in svg, edge
    page = (tmp_path / "a.html").read_text()
    assert "<svg" in page and page.count("<tr><td>") == len(regions.regions)
    edges = [exact(b) for b in regions.y.breaks]
    for bounds in ("0 ≤ territory_ceded_pct &lt; 0.0001", "7 ≤ territory_ceded_pct &lt; 25",
                   "25 ≤ territory_ceded_pct ≤ 40", f"{edges[-2]} ≤ military_cap.troops &lt; {edges[-1]}"):
        assert bounds in page, bounds
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wrong_map_arguments_are_all_reported(capsys):
    code = main(["map", str(PLAN), "--x", "territory_ceded_pct=0:10,20", "--y", "nonsense", "--conclusion",
                 "risk.*", "-o", "map.svg"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    for expected in ("a numeric axis takes one span", "unknown input 'nonsense'", "names 6 conclusions"):
        assert expected in err, expected
    assert main(["map", str(PLAN), "--x", "territory_ceded_pct", "--y", "us_commitment", "-o", "map.pdf"]) == 2
    assert "name the file .svg, .png or .html" in capsys.readouterr().err
