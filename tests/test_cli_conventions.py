"""The command line follows the conventions users expect: --knowledge before or after the sub-command, errors as
JSON under --format json, `test --format json`, "did you mean" for every id a user can mistype, shell completion,
NO_COLOR and FORCE_COLOR, and an example in every sub-command's --help."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppexpert.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed-calculator.yaml")


def json_out(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("where", ["before", "after"])
def test_knowledge_is_honoured_before_or_after_the_sub_command(where, tmp_path, capsys):
    argv = ["assess", SEED, "--format", "json"]
    argv = ["--knowledge", str(tmp_path), *argv] if where == "before" else [*argv, "--knowledge", str(tmp_path)]
    assert main(argv) == 2
    problem, = json_out(capsys)["problems"]
    assert problem["message"] == f"no knowledge base at {tmp_path} (parameters.yaml missing)"


def test_knowledge_given_before_the_sub_command_is_not_reset_by_it():
    args = _parser().parse_args(["--knowledge", "elsewhere", "assess", SEED])
    assert args.knowledge == "elsewhere"
    assert _parser().parse_args(["assess", SEED]).knowledge is None


def test_under_format_json_an_error_is_json_on_stdout_with_exit_2(capsys):
    assert main(["why", SEED, "risk.defense", "--format", "json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert captured.err == ""
    assert document["error"] == "input" and document["exit_code"] == 2
    assert document["problems"][0]["code"] == "unknown-conclusion"
    assert document["problems"][0]["hint"].startswith("did you mean 'risk.defence'")


def test_test_prints_json_with_every_case_and_the_coverage(capsys):
    case_file = str(ROOT / "tests" / "cases" / "accountability.yaml")
    assert main(["test", case_file, "--format", "json", "--coverage"]) == 0
    document = json_out(capsys)
    assert document["failed"] == 0 and document["passed"] == len(document["cases"]) > 0
    assert all(case["passed"] and case["file"].endswith("accountability.yaml") for case in document["cases"])
    assert "ACC-RISK-HIGH" in set().union(*(case["fired"] for case in document["cases"]))
    assert 0 < document["coverage"]["fired"] < document["coverage"]["rules"]


@pytest.mark.parametrize("argv, hint", [
    (["why", SEED, "risk.defense"], "did you mean 'risk.defence'"),                       # a conclusion
    (["why-not", SEED, "risk.defence=hihg"], "did you mean 'high'"),                       # a level
    (["assess", "us-28-pont-plan"], "did you mean us-28-point-plan?"),                     # an example
])
def test_a_mistyped_id_on_the_command_line_gets_the_closest_ones(argv, hint, capsys):
    assert main(argv) == 2
    assert hint in capsys.readouterr().err


def test_a_mistyped_input_or_baseline_in_a_scenario_gets_the_closest_ones(tmp_path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text("id: plan\ntitle: A plan\nparameters:\n  territory_ceeded_pct: 20\n"
                    "assumptions:\n  ukraine_trops: {value: 1, source: seed-article}\n")
    assert main(["assess", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "hint: did you mean 'territory_ceded_pct'" in err
    assert "hint: did you mean 'ukraine_troops'" in err


def test_a_mistyped_rule_in_an_override_gets_the_closest_ones(tmp_path, capsys):
    import shutil
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    rules = tmp_path / "knowledge" / "rules" / "defence.yaml"
    text = rules.read_text()
    assert "overrides: [DEF-RISK-MEDIUM]" in text
    rules.write_text(text.replace("overrides: [DEF-RISK-MEDIUM]", "overrides: [DEF-RISK-MEDUIM]", 1))
    assert main(["check", str(tmp_path / "knowledge")]) == 2
    assert "did you mean 'DEF-RISK-MEDIUM'" in capsys.readouterr().out


def test_every_sub_command_shows_an_example_in_its_help():
    sub = next(a for a in _parser()._actions if a.dest == "command")
    missing = [name for name, p in sub.choices.items() if "example:\n  ppexpert " not in p.format_help()
               and "example:\n  eval" not in p.format_help()]
    assert missing == [], "add an example to ppexpert.cli.EXAMPLES"


def test_completion_prints_a_script_and_completes_examples_and_conclusions(capsys):
    assert main(["completion", "bash"]) == 0
    assert "complete " in capsys.readouterr().out
    for line, expected in [("ppexpert assess us-28", "us-28-point-plan"),
                           ("ppexpert why seed-calculator risk.def", "risk.defence")]:
        env = {**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n", "COMP_LINE": line,
               "COMP_POINT": str(len(line))}
        read, write = os.pipe()
        subprocess.run([sys.executable, "-c", "import os; os.dup2(%d, 8); os.dup2(os.open(os.devnull, os.O_WRONLY), 9)"
                        "\nfrom ppexpert.cli import main; main()" % write], env=env, cwd=ROOT, pass_fds=(write,),
                       timeout=120)
        os.close(write)
        with os.fdopen(read) as pipe:
            assert expected in pipe.read().split()


@pytest.mark.parametrize("env, coloured", [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"},
                                                                           False), ({}, False)])
def test_no_color_and_force_color(env, coloured, monkeypatch, capsys):
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["assess", SEED]) == 0
    assert ("\x1b[" in capsys.readouterr().out) is coloured
