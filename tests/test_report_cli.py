"""`ppexpert report` through the command line: formats, output files and errors (exit 2, file:line messages)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from test_report_support import ROOT, from_the_project_folder  # noqa: F401  (shared fixture)

from ppexpert.cli import main

US_PLAN = "examples/us-28-point-plan.yaml"


@pytest.mark.parametrize("suffix, start", [(".html", "<!DOCTYPE html>"), (".htm", "<!DOCTYPE html>"),
                                           (".md", "# U.S. 28-point"), (".markdown", "# U.S. 28-point"),
                                           (".json", "{")])
def test_report_format_follows_the_output_suffix(tmp_path, suffix, start):
    out = tmp_path / f"report{suffix}"
    assert main(["report", US_PLAN, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith(start)


def test_explicit_format_wins_and_stdout_gets_markdown_by_default(tmp_path, capsys):
    out = tmp_path / "report.txt"
    assert main(["report", US_PLAN, "--format", "md", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# U.S. 28-point")
    capsys.readouterr()
    assert main(["report", US_PLAN]) == 0
    assert capsys.readouterr().out.startswith("# U.S. 28-point")
    assert main(["report", US_PLAN, "--format", "json", "-o", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["scenarios"][0]["scenario"]["id"] == "us-28-point-plan"


def test_date_is_printed_only_when_given(capsys):
    assert main(["report", US_PLAN, "--format", "json", "--date", "2025-11-26"]) == 0
    assert json.loads(capsys.readouterr().out)["date"] == "2025-11-26"
    assert main(["report", US_PLAN, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["date"] is None


def test_unknown_output_suffix_exits_2_with_a_hint(tmp_path, capsys):
    assert main(["report", US_PLAN, "-o", str(tmp_path / "report.pdf")]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the output format from" in err and "report.pdf" in err
    assert "hint: use one of the suffixes .htm, .html, .json, .markdown, .md, or give --format" in err
    assert not (tmp_path / "report.pdf").exists()


def test_bad_date_exits_2(capsys):
    assert main(["report", US_PLAN, "--date", "26/11/2025"]) == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err


def test_missing_and_bad_scenario_files_are_all_reported_with_file_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nparameters:\n  territory_ceded_pct: 150\n", encoding="utf-8")
    assert main(["report", str(bad), "examples/does-not-exist.yaml", "-o", str(tmp_path / "r.md")]) == 2
    err = capsys.readouterr().err
    assert re.search(re.escape(str(bad)) + r":4:\d+: error\[bad-value\]: territory_ceded_pct: 150 is out of range", err)
    assert "examples/does-not-exist.yaml: error[missing-file]" in err
    assert "2 errors found." in err
    assert not (tmp_path / "r.md").exists()


def test_yaml_syntax_error_points_at_the_line(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    assert main(["report", str(broken)]) == 2
    assert f"{broken}:3:1: error[yaml-syntax]" in capsys.readouterr().err


def test_unwritable_output_exits_2(tmp_path, capsys):
    assert main(["report", US_PLAN, "-o", str(tmp_path / "no-such-folder" / "r.md")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ppexpert", "report", US_PLAN, "-o", str(tmp_path / "r.docx")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "hint:" in result.stderr
