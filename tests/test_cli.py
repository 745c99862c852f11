"""The real CLI, end to end, in fresh processes."""
import json
import subprocess
import sys

from _support import ROOT, run_cli


def test_assess_prints_each_area_with_its_level_and_derived_lines():
    result = run_cli("assess", "examples/seed-calculator.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Overall risk: HIGH" in out
    assert "Impact on sovereignty: HIGH" in out and "20% of Ukraine under Russian control" in out
    assert "Impact on defence capability: HIGH" in out and "400,000 troops" in out
    assert "Enforcement reliability: MEDIUM" in out
    assert "requirement.referendum-on-territory" in out


def test_assess_json_is_the_documented_document():
    result = run_cli("assess", "examples/seed-calculator.yaml", "--format", "json")
    document = json.loads(result.stdout)
    assert {r["area"]: r["level"] for r in document["risks"]}["enforcement"] == "medium"
    assert document["scenario"]["id"] == "seed-calculator"


def test_why_prints_a_tree_down_to_the_cited_article():
    result = run_cli("why", "examples/seed-calculator.yaml", "risk.accountability")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("risk.accountability = high:")
    assert "because rule ACC-RISK-HIGH" in result.stdout
    assert "war_crimes_amnesty = full" in result.stdout
    basis, context = result.stdout.index("legal and factual basis"), result.stdout.index("context, not a basis")
    assert "Rome Statute of the International Criminal Court, Art. 17" in result.stdout[basis:context]
    assert "Rome Statute of the International Criminal Court, Preamble, paras. 4-6" in result.stdout[context:]


def test_why_json_is_the_proof_tree_as_data():
    result = run_cli("why", "examples/seed-calculator.yaml", "risk.defence", "--format", "json")
    tree = json.loads(result.stdout)
    assert tree["id"] == "risk.defence" and tree["derivations"]


def test_why_not_with_a_level_names_the_failed_test():
    result = run_cli("why-not", "examples/seed-calculator.yaml", "risk.sovereignty=critical")
    assert result.returncode == 0
    assert "territory_ceded_pct is at least 25 fails (it is 20)" in result.stdout


def test_what_if_names_the_smallest_change():
    result = run_cli("what-if", "examples/seed-calculator.yaml", "risk.enforcement")
    assert result.returncode == 0
    assert "if us_commitment were" in result.stdout


def test_python_dash_m_and_the_console_script_agree(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    script = Path(sys.executable).parent / "ppexpert"  # the console script pip installed beside this Python
    assert script.exists(), f"no console script at {script}"
    direct = subprocess.run([script, "assess", "examples/seed-calculator.yaml", "--format", "json"], cwd=ROOT,
                            capture_output=True, text=True)
    assert direct.stdout == run_cli("assess", "examples/seed-calculator.yaml", "--format", "json").stdout


def test_the_knowledge_base_can_be_named_explicitly():
    result = run_cli("--knowledge", "tests/fixtures/kb-mini", "assess", "tests/fixtures/mini-scenario.yaml")
    assert result.returncode == 0, result.stderr
    assert "Land: HIGH" in result.stdout


def test_a_broken_knowledge_base_is_exit_code_2_with_every_problem(tmp_path):
    import shutil
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "tests" / "fixtures" / "kb-mini", kb)
    rules = kb / "rules" / "land.yaml"
    rules.write_text(rules.read_text().replace("rests_on: [xx.charter.art-1, xx.land.size]",
                                               "rests_on: [xx.charter.art-9, xx.land.size]")
                     .replace("overrides: [LAND-HIGH]", "overrides: [LAND-HIGHER]"))
    result = run_cli("--knowledge", str(kb), "assess", "tests/fixtures/mini-scenario.yaml")
    assert result.returncode == 2
    assert "rests on unknown provision or baseline 'xx.charter.art-9'" in result.stderr
    assert "overrides unknown rule LAND-HIGHER" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_internal_engine_failure_is_exit_code_1(tmp_path):
    # A sitecustomize hook breaks the engine adapter in the child process only.
    (tmp_path / "sitecustomize.py").write_text(
        "import ppexpert.engine.durable as e\n"
        "def broken(self, ruleset, facts):\n"
        "    raise e.EngineFailure('simulated crash')\n"
        "e.Engine.run = broken\n")
    import os
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    result = run_cli("assess", "examples/seed-calculator.yaml", env={"PYTHONPATH": path})
    assert result.returncode == 1
    assert "internal failure of the rule engine: simulated crash" in result.stderr


def test_each_command_is_added_by_the_module_the_command_line_imports_for_it():
    """A command imports only its own module (start-up speed): the map must name the module that adds it."""
    import argparse
    import importlib

    from ppexpert.cli import _COMMANDS, _OWNERS

    added = {}
    for name in _COMMANDS:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).add(sub)
        added.update(dict.fromkeys(sub.choices, name))
    assert added == _OWNERS


def test_assess_from_the_cached_knowledge_base_imports_neither_the_checker_nor_the_other_commands():
    code = ("import sys; from ppexpert.cli import main; main(['assess', 'examples/seed-calculator.yaml']); "
            "print(sorted(m for m in ('networkx', 'ppexpert.check', 'ppexpert.cli.report', 'ppexpert.cli.serve', "
            "'ppexpert.cli.authoring', 'ppexpert.web.server') if m in sys.modules), file=sys.stderr)")
    first = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    again = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == again.returncode == 0, first.stderr
    assert "ppexpert.check" in first.stderr or first.stderr.strip() == "[]"  # the first run may fill the cache
    assert again.stderr.strip() == "[]"
