"""`ppexpert check` beyond the one-fixture-per-mode tests: the shipped project, exit codes through the real CLI,
one run past broken files, scenario and case files, the engine's threshold limit, JSON output."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ppexpert.authoring.project import check_project
from ppexpert.check import MAX_TESTS_PER_NODE, MAX_THRESHOLD_TESTS

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "fixtures" / "broken" / "_base"


def run_cli(*args, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k != "PPEXPERT_KNOWLEDGE"}
    return subprocess.run([sys.executable, "-m", "ppexpert", *args], cwd=cwd, env={**env, "NO_COLOR": "1"},
                          capture_output=True, text=True, timeout=120)


def knowledge(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(BASE, root)
    for name, text in files.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_shipped_project_checks_without_errors_through_the_real_cli():
    result = run_cli("check")
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stderr
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("checked ") and ": 0 errors" in summary
    assert "examples/us-28-point-plan.yaml" in run_cli("check", "--format", "json").stdout


def test_an_error_exits_2_through_the_real_cli_and_names_file_line_and_column(tmp_path):
    knowledge(tmp_path, **{"rules__extra.yaml": "rules:\n  - id: X\n    title: [\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "knowledge/rules/extra.yaml:4:1: error[yaml-syntax]" in result.stdout
    assert "Traceback" not in result.stderr


def rule(rule_id: str, when: str, then: str, rests_on: str = "xx.charter.art-1", extra: str = "") -> str:
    """One rule as YAML text, in a list under `rules:`."""
    return (f"  - id: {rule_id}\n    title: Rule {rule_id}\n    rests_on: [{rests_on}]\n    when: [{when}]\n"
            f"    then: {{{then}, area: land}}\n    because: B.\n{extra}")


def test_problems_of_several_files_come_in_one_run_sorted_by_file_and_line(tmp_path):
    root = knowledge(tmp_path, **{
        "areas.yaml": "areas:\n  land:\n    title: Land\n    question: Q?\n    dial: cede\n",
        "rules__extra.yaml": "rules:\n" + rule("X", "{input: ceded, above: 200}", "consequence: x", rests_on="nope"),
    })
    report = check_project(root)
    found = [(Path(p.span.file).name, p.span.line, p.code) for p in report.problems]
    assert found == sorted(found)
    assert ("areas.yaml", 5, "unknown-reference") in found
    assert ("extra.yaml", 4, "unknown-reference") in found
    assert ("extra.yaml", 5, "never-fires") in found


def test_references_into_a_file_that_cannot_be_read_are_not_reported_as_unknown(tmp_path):
    root = knowledge(tmp_path, **{
        "rules__broken.yaml": "rules:\n  - id: BROKEN\n    title: [unclosed\n",
        "rules__reader.yaml": "rules:\n" + rule("READER", "{conclusion: consequence.hidden}", "consequence: seen"),
    })
    report = check_project(root)
    assert [p.code for p in report.errors] == ["yaml-syntax"]


def test_a_rule_that_failed_validation_still_counts_as_concluding_for_the_others(tmp_path):
    root = knowledge(tmp_path, **{
        "rules__extra.yaml": "rules:\n" + rule("MAKER", "{input: ceded, above: 1}", "consequence: made",
                                               extra="    becuase: typo\n")
                             + rule("USER", "{conclusion: consequence.made}", "consequence: used"),
    })
    report = check_project(root)
    assert [p.code for p in report.errors] == ["unknown-key"]


def test_too_many_threshold_tests_on_one_input_are_reported_before_the_engine_fails(tmp_path):
    rules = "rules:\n" + "".join(rule(f"T{i}", f"{{input: ceded, at_least: {i}}}", f"consequence: c{i}")
                                  for i in range(MAX_THRESHOLD_TESTS + 1))
    report = check_project(knowledge(tmp_path, **{"rules__many.yaml": rules}))
    limits = [p for p in report.errors if p.code == "engine-limit"]
    assert len(limits) == 1
    # the base's own rules already test `ceded > 0`: with T62, 64 tests hold at once for a large value
    assert "64 threshold tests on ceded hold at once when it is 62" in limits[0].message
    assert "durable_rules crashes past 63" in limits[0].message
    assert limits[0].subject == "T62" and limits[0].span.file.endswith("many.yaml")


def test_threshold_tests_that_cannot_hold_at_once_stay_within_the_limit(tmp_path):
    rules = "rules:\n" + "".join(
        rule(f"T{i}", f"{{input: ceded, {'at_least' if i % 2 else 'below'}: {i // 2}}}", f"consequence: c{i}")
        for i in range(100))  # 50 lower and 50 upper bounds: at most about 51 hold for any one value
    report = check_project(knowledge(tmp_path, **{"rules__many.yaml": rules}))
    assert [p for p in report.problems if p.code == "engine-limit"] == []


def test_more_distinct_tests_on_one_input_than_the_engine_takes_are_reported(tmp_path):
    rules = "rules:\n" + "".join(rule(f"E{i}", f"{{input: ceded, is: {i / 10}}}", f"consequence: c{i}")
                                  for i in range(MAX_TESTS_PER_NODE + 1))
    report = check_project(knowledge(tmp_path, **{"rules__many.yaml": rules}))
    limits = [p for p in report.errors if p.code == "engine-limit"]
    assert [p.message for p in limits] == [f"more than {MAX_TESTS_PER_NODE} distinct tests on ceded; "
                                           "durable_rules hangs past that"]


def test_scenario_files_are_checked_against_the_knowledge_base(tmp_path):
    root = knowledge(tmp_path)
    scenario = tmp_path / "plan.yaml"
    scenario.write_text("id: plan\ntitle: A plan\nparameters:\n  ceded: 150\n  mood: angry\n")
    report = check_project(root, [scenario])
    assert [(p.span.line, p.code) for p in report.errors] == [(4, "bad-value"), (5, "bad-value")]
    assert str(scenario) in report.files or "plan.yaml" in " ".join(report.files)


def test_json_output_lists_every_problem_with_its_position(tmp_path):
    knowledge(tmp_path, **{"parameters.yaml": "parameters:\n  ceded: {title: C, type: number, min: 0, max: 100}\n"
                                              "  mood: {title: M, type: choice, choices: [calm, tense]}\n"
                                              "  spare: {title: S, type: boolean}\n"})
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["errors"] == 0 and document["warnings"] == 1
    assert document["problems"][0] | {"file": "knowledge/parameters.yaml", "line": 4, "code": "unused-fact",
                                      "subject": "spare", "severity": "warning"} == document["problems"][0]


def test_a_project_folder_is_taken_to_mean_its_knowledge_folder(capsys):
    from ppexpert.cli import main
    assert main(["check", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("checked ") and ": 0 errors" in out


def test_case_files_against_a_broken_knowledge_base_report_no_scenario_problems_of_their_own(tmp_path):
    root = knowledge(tmp_path, **{"parameters.yaml": "parameters:\n  ceded: {title: C, type: numbr}\n"})
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - name: Some land ceded is a medium risk\n    parameters: {ceded: 10}\n"
                     "    expect: {risk.land: medium}\n")
    report = check_project(root, [cases])
    assert [p.code for p in report.errors if p.span.file.endswith("cases.yaml")] == []
    assert any(p.code == "bad-word" and p.span.file.endswith("parameters.yaml") for p in report.errors)
