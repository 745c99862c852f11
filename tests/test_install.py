"""Install anywhere: the wheel carries the knowledge base, the example plans and their schemas, so an installed
ppexpert assesses a shipped example by id, lists the examples and starts a researcher's own project in a folder
that has nothing to do with this checkout.

The wheel is built once from a copy of the sources (no build isolation, no dependencies: nothing is downloaded) and
installed into a fresh virtual environment whose only other packages are this test environment's dependencies."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("src", "knowledge", "examples", "schemas", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh venv's ppexpert script, an empty working folder far from the checkout, its environment)."""
    tmp = tmp_path_factory.mktemp("install")
    copy = tmp / "source"
    for name in SOURCES:
        source, target = ROOT / name, copy / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"),
         str(copy)])
    wheel, = (tmp / "dist").glob("ppexpert-*.whl")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    # The dependencies come from this test environment (added after the venv's own site-packages, so the
    # installed ppexpert, not the checkout's editable one, is what runs).
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # --ignore-installed: the test environment may hold an installed ppexpert itself (CI installs it non-editable)
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--ignore-installed",
         str(wheel)])
    work = tmp / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PPEXPERT_KNOWLEDGE", "PYTHONPATH")}
    env["PPEXPERT_CACHE_DIR"] = str(tmp / "cache")
    return venv / "bin" / "ppexpert", work, env


def run(command: list[str], **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_assesses_a_shipped_example_by_id_in_any_folder(installed):
    ppexpert, work, env = installed
    document = json.loads(run([str(ppexpert), "assess", "us-28-point-plan", "--format", "json"], cwd=work, env=env))
    assert document["scenario"]["id"] == "us-28-point-plan"
    assert document["overall"]["level"] in ("medium", "high", "critical")
    listed = json.loads(run([str(ppexpert), "examples", "--format", "json"], cwd=work, env=env))["examples"]
    assert "seed-calculator" in [e["id"] for e in listed]
    assert all(Path(e["file"]).is_relative_to(ppexpert.parents[1]) for e in listed), "read from the checkout"
    path = Path(listed[0]["file"])
    assert json.loads(run([str(ppexpert), "assess", str(path), "--format", "json"], cwd=work, env=env))


def test_init_starts_a_project_that_commands_inside_it_find(installed):
    ppexpert, work, env = installed
    run([str(ppexpert), "init", "my-kb"], cwd=work, env=env)
    project = work / "my-kb"
    assert (project / "knowledge" / "parameters.yaml").is_file()
    assert json.loads((project / ".vscode" / "settings.json").read_text())["yaml.schemas"]
    assert "1 passed, 0 failed" in run([str(ppexpert), "test"], cwd=project / "tests", env=env)
    sources = project / "knowledge" / "sources.yaml"
    sources.write_text(sources.read_text().replace("sources:\n", "sources:\n  my-note:\n    title: Mine\n", 1))
    checked = subprocess.run([str(ppexpert), "check"], cwd=project / "examples", env=env, capture_output=True,
                             text=True)
    assert checked.returncode == 2
    assert f"{sources}:4:3: error[missing-key]" in checked.stdout, "the project's own knowledge base was not read"
