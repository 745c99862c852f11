"""Bad scenario input: one broken fixture per error mode, each with the fragments its message must carry.

Every case runs the real CLI: exit code 2, no traceback, file:line:column, the YAML path, what is allowed.
"""
import pytest
from _support import BROKEN_SCENARIOS, run_cli

CASES = {
    "malformed-yaml": ["malformed-yaml.yaml:5:", "yaml-syntax", "YAML syntax error"],
    "unknown-parameter": ["unknown-parameter.yaml:5:3", "unknown parameter 'territory_surrendered'",
                          "at parameters.territory_surrendered", "allowed parameters:", "territory_ceded_pct"],
    "out-of-range": ["out-of-range.yaml:4:24", "150 is out of range", "at parameters.territory_ceded_pct",
                     "from 0 to 100"],
    "wrong-type": ["wrong-type.yaml:4:25", "'soon' is not a whole number", "at parameters.election_within_days",
                   "or null (the plan sets no deadline)"],
    "unknown-word": ["unknown-word.yaml:4:23", "'total' is not an allowed word", "expected one of: none, partial, full"],
    "duplicate-key": ["duplicate-key.yaml:5:3", "duplicate key 'territory_ceded_pct' (first defined on line 4)"],
    "missing-title": ["missing-title.yaml:1:1", "missing required key 'title'", "add `title:`"],
    "bad-cap": ["bad-cap.yaml:4:17", "unknown key 'percent'", "{pct_of_current:", "{troops:"],
    "unknown-baseline": ["unknown-baseline.yaml:6:3", "unknown baseline 'ukraine_tanks'", "ukraine_troops"],
}


@pytest.mark.parametrize("mode", sorted(CASES))
def test_each_broken_scenario_fails_with_a_pointed_message_and_exit_code_2(mode):
    result = run_cli("assess", str(BROKEN_SCENARIOS / f"{mode}.yaml"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for fragment in CASES[mode]:
        assert fragment in result.stderr, f"{fragment!r} missing from:\n{result.stderr}"


def test_all_problems_of_a_file_are_reported_in_one_run_sorted_by_line():
    result = run_cli("assess", str(BROKEN_SCENARIOS / "several-problems.yaml"))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "several-problems.yaml:" in line]
    assert [line.split(":")[1] for line in lines] == ["4", "5", "6", "7"]
    assert "4 errors found." in result.stderr


def test_a_missing_scenario_file_is_exit_code_2_with_a_hint():
    result = run_cli("assess", "examples/no-such-plan.yaml")
    assert result.returncode == 2
    assert "file not found: examples/no-such-plan.yaml" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr


def test_the_offending_source_line_is_shown_with_a_caret():
    result = run_cli("assess", str(BROKEN_SCENARIOS / "out-of-range.yaml"))
    assert "  |   territory_ceded_pct: 150" in result.stderr
    assert "  |" + " " * 24 + "^" in result.stderr


def test_an_unknown_conclusion_id_is_a_user_error():
    result = run_cli("why", "examples/seed-calculator.yaml", "risk.weather")
    assert result.returncode == 2
    assert "no rule concludes 'risk.weather'" in result.stderr and "risk.sovereignty" in result.stderr


# ---------------------------------------------------------------- assumptions have domains (issue 15, defect 2)

@pytest.mark.parametrize("value, words", [
    (0, "0 is out of range"), (-352000, "-352,000 is out of range"), (0.00001, "is not a whole number"),
    (float("nan"), "nan is not a whole number"), (float("inf"), "inf is not a whole number"),
    (1e300, "1e+300 is out of range"), (5_000_001, "out of range"),
])
def test_an_assumption_outside_its_baselines_domain_is_refused_with_the_domain(value, words):
    from ppexpert.knowledge.problems import InputError
    from ppexpert.reasoning import assess
    scenario = {"id": "s", "title": "t", "parameters": {"military_cap": {"troops": 5000}},
                "assumptions": {"ukraine_troops": {"value": value, "source": "seed-article"}}}
    with pytest.raises(InputError) as error:
        assess(scenario)
    (problem,) = error.value.problems
    assert words in problem.message and problem.path == ("assumptions", "ukraine_troops", "value")
    assert "from 1 to 5,000,000 troops" in problem.hint


def test_an_assumption_in_a_file_is_refused_with_its_position(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("id: s\ntitle: t\nparameters: {}\nassumptions:\n"
                        "  ukraine_troops: {value: -352000, source: seed-article}\n")
    result = run_cli("assess", str(scenario))
    assert result.returncode == 2 and "s.yaml:5:27" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("title", ["red \x1b[31malert", "csi \x9b2J", "bell \x07", "lone \ud800 surrogate"])
def test_control_characters_and_lone_surrogates_in_text_given_as_a_mapping_are_refused(title):
    from ppexpert.knowledge.problems import InputError
    from ppexpert.reasoning import assess
    with pytest.raises(InputError) as error:
        assess({"id": "s", "title": title, "parameters": {}})
    assert error.value.problems[0].path == ("title",) and "U+" in error.value.problems[0].message
