"""YAML test cases: the runner (`ppexpert test`), coverage, the case-file model's errors, the pytest plugin."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from ppexpert.authoring.cases import default_case_files, run_case_files
from ppexpert.cli import main
from ppexpert.reasoning import knowledge_for

ROOT = Path(__file__).resolve().parents[1]


def case_file(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_shipped_cases_pass_make_every_rule_fire_and_check_every_conclusion():
    run = run_case_files(default_case_files(ROOT), ROOT / "knowledge")
    assert run.problems == []
    assert [r.report() for r in run.failed] == []
    fired, missed = run.coverage()
    assert [f"{r.id} ({r.span})" for r in missed] == [], "add a case under tests/cases/ that makes these rules fire"
    assert len(fired) == len(knowledge_for(ROOT / "knowledge").rules)
    assert run.unexpected() == [], "add `expect:` lines for these conclusions to a case under tests/cases/"


def test_a_failing_case_shows_where_it_is_its_name_expected_and_actual_and_the_derivation(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: The 28-point plan is wrongly expected to be a low sovereignty risk
            scenario: examples/us-28-point-plan.yaml
            expect:
              risk.sovereignty: low
              risk.defence: {at_most: medium}
              finding.land-control: absent
              risk.elections: high
        """)
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2:5: FAIL The 28-point plan is wrongly expected to be a low sovereignty risk" in out
    assert "risk.sovereignty: expected low, actual high" in out
    assert "risk.defence: expected at most medium, actual high" in out
    assert "finding.land-control: expected absent, actual present" in out
    assert "risk.elections: expected" not in out  # the expectation that holds is not reported
    assert "because rule SOV-RISK-HIGH" in out and "knowledge/rules/sovereignty.yaml" in out
    assert "defeated: SOV-RISK-MEDIUM would conclude risk.sovereignty = medium; SOV-RISK-HIGH overrides it" in out
    assert out.endswith("0 passed, 1 failed\n")


def test_an_expected_conclusion_that_does_not_hold_is_explained_by_why_not(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: A calm plan is wrongly expected to breach Art. 73
            parameters: {territory_ceded_pct: 10, recognition_of_annexation: de-jure, territory_change_by_referendum: true}
            expect:
              requirement.referendum-on-territory: present
        """)
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "requirement.referendum-on-territory: expected present, actual absent" in out
    assert "why it does not hold:" in out and "its exception holds" in out and "all-Ukrainian referendum" in out


def test_coverage_lists_the_rules_no_case_makes_fire_and_the_share_that_fire(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: No amnesty is a low accountability risk
            parameters: {war_crimes_amnesty: none}
            expect:
              risk.accountability: low
        """)
    assert main(["test", "--coverage", str(path)]) == 0
    out = capsys.readouterr().out
    total = len(knowledge_for(ROOT / "knowledge").rules)
    assert f"coverage: 2 of {total} rules fire in some case ({100 * 2 / total:.0f}%)" in out  # ACC-RISK-LOW, OVR-LOW
    assert "rules no case makes fire:" in out
    assert "ACC-RISK-HIGH" in out and "knowledge/rules/accountability.yaml:" in out
    assert "\n  ACC-RISK-LOW " not in out
    assert "expectations: 1 of " in out and "conclusions no case checks" in out
    assert "\n  risk.defence\n" in out and "\n  risk.accountability\n" not in out


def test_malformed_case_files_are_reported_with_file_line_and_exit_2(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: too short
            parameters: {}
            expect: {risk.overall: low}
          - name: A case that names both a scenario and parameters
            scenario: examples/us-28-point-plan.yaml
            parameters: {}
            expect: {risk.overall: low}
          - name: A case that expects what no rule concludes
            parameters: {}
            expect:
              risk.weather: low
              risk.overall: dire
              finding.land-control: high
          - name: A case whose patch is out of range
            scenario: examples/us-28-point-plan.yaml
            patch: {territory_ceded_pct: 120}
            expect: {risk.overall: high}
        """)
    assert main(["test", str(path)]) == 2
    out = capsys.readouterr().out
    for fragment in [f"{path}:2:5: error[bad-shape]: a case's name is a sentence",
                     f"{path}:5:5: error[bad-shape]: a case takes either `scenario`",
                     f"{path}:12:7: error[unknown-reference]: no rule concludes 'risk.weather'",
                     f"{path}:13:21: error[bad-word]: 'dire' is not a level",
                     f"{path}:14:29: error[bad-word]: finding.land-control has no level",
                     f"{path}:17:34: error[bad-value]: territory_ceded_pct: 120 is out of range",
                     "at cases[3].patch.territory_ceded_pct"]:
        assert fragment in out, f"{fragment!r} missing from:\n{out}"


def test_ppexpert_check_checks_case_files_against_the_knowledge_base(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: A case with an unknown parameter
            parameters: {territory_surrendered: 10}
            expect: {risk.overall: low}
        """)
    assert main(["check", str(ROOT / "knowledge"), str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}:3:18: error[unknown-parameter]: unknown parameter 'territory_surrendered'" in out


def test_k_runs_only_the_cases_whose_name_contains_the_text(capsys):
    assert main(["test", "-k", "treaty ratified", *map(str, default_case_files(ROOT))]) == 0
    out = capsys.readouterr().out
    assert out.endswith("1 passed, 0 failed\n")


def test_pytest_collects_case_files_and_reports_a_failure_with_the_case_file_line(tmp_path):
    (tmp_path / "tests" / "cases").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "tests" / "conftest.py")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    case_file(tmp_path / "tests" / "cases", """\
        cases:
          - name: The 28-point plan is a high risk overall
            scenario: examples/us-28-point-plan.yaml
            expect: {risk.overall: high}
          - name: The 28-point plan is wrongly expected to be a low risk overall
            scenario: examples/us-28-point-plan.yaml
            expect: {risk.overall: low}
        """, "plan.yaml")
    env = {**os.environ, "PPEXPERT_KNOWLEDGE": str(ROOT / "knowledge")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                             str(tmp_path), str(tmp_path / "tests")], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "tests/cases/plan.yaml:5:5: FAIL The 28-point plan is wrongly expected to be a low risk overall" \
        in result.stdout
    assert "risk.overall: expected low, actual high" in result.stdout
    assert "because rule OVR-HIGH" in result.stdout


def test_a_wrong_expectation_of_precedence_fails_with_the_defeat_the_trace_recorded(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: The 28-point plan's precedence is wrongly expected
            scenario: examples/us-28-point-plan.yaml
            expect:
              risk.sovereignty: high
            defeated:
              SOV-RISK-MEDIUM: SOV-RISK-HIGH
              DEF-RISK-MEDIUM: DEF-RISK-CRITICAL
              SOV-RISK-CRITICAL: SOV-RISK-HIGH
              SOV-RISK-HIGH: unless
        """)
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "SOV-RISK-MEDIUM: expected" not in out  # that one holds
    assert ("DEF-RISK-MEDIUM: expected defeated by DEF-RISK-CRITICAL, actual: DEF-RISK-MEDIUM would conclude "
            "risk.defence = medium; DEF-RISK-HIGH-PARITY overrides it") in out
    assert "SOV-RISK-CRITICAL: expected defeated by SOV-RISK-HIGH, actual: it did not match" in out
    assert "SOV-RISK-HIGH: expected defeated by unless, actual: it stands" in out


def test_a_precedence_expectation_naming_an_unknown_rule_is_a_malformed_case(tmp_path, capsys):
    path = case_file(tmp_path, """\
        cases:
          - name: A case names a rule that does not exist
            scenario: examples/us-28-point-plan.yaml
            expect:
              risk.sovereignty: high
            defeated:
              SOV-RISK-MEDIUM: SOV-RISK-HIGHER
        """)
    assert main(["test", str(path)]) == 2
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert f"{path}:7:24: error[unknown-reference]: unknown rule 'SOV-RISK-HIGHER'" in shown
    assert "did you mean 'SOV-RISK-HIGH'" in shown
