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
