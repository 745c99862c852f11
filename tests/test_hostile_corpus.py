"""The hostile-input corpus (tests/hostile/, issue 15): every file is answered as promised.

For each scenario file, each broken knowledge folder (`check` and `assess`) and each special path (a named pipe, a
device, a symlink loop, a folder, files of megabytes): exit code 2, a problem with a position or a file-level
message carrying the expected code, no traceback, under 2 s and 200 MB. The runs happen in two runner processes in
parallel (tests/_hostile_runner.py, the CLI in-process); a representative few also as real `python -m ppexpert`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _support import KNOWLEDGE, ROOT

CORPUS = ROOT / "tests" / "hostile"
BASE_KB = ROOT / "tests" / "fixtures" / "broken" / "_base"
MINI = ROOT / "tests" / "fixtures" / "mini-scenario.yaml"
SECONDS, MEGABYTES = 2.0, 200
# a problem line: `FILE:LINE:COL: error[code]: ...` or, for the file as a whole, `FILE: error[code]: ...`
PROBLEM = re.compile(r"^(?P<where>\S.*?)(?::(?P<line>\d+):(?P<column>\d+))?: error\[(?P<code>[a-z-]+)\]: ", re.M)


def _expected(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ").strip()


def _cases(tmp: Path) -> list[dict]:
    cases = []
    for path in sorted((CORPUS / "scenarios").rglob("*.yaml")):
        cases.append({"id": str(path.relative_to(CORPUS)), "expect": _expected(path), "position": True,
                      "argv": ["--knowledge", str(KNOWLEDGE), "assess", str(path)]})
    for folder in sorted(p for p in (CORPUS / "knowledge").glob("*/*") if p.is_dir()):
        kb = tmp / "kb" / folder.parent.name / folder.name
        shutil.copytree(BASE_KB, kb)
        shutil.copytree(folder, kb, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expect"))
        expect = (folder / "expect").read_text().strip()
        name = str(folder.relative_to(CORPUS))
        cases.append({"id": f"{name} (check)", "expect": expect, "argv": ["--knowledge", str(kb), "check"]})
        cases.append({"id": f"{name} (assess)", "expect": expect, "argv": ["--knowledge", str(kb), "assess", str(MINI)]})
    special = tmp / "special"
    special.mkdir()
    os.mkfifo(special / "pipe.yaml")  # opening it would block until a writer came
    (special / "loop.yaml").symlink_to(special / "loop.yaml")
    (special / "folder.yaml").mkdir()
    for name, size in [("ten-megabytes.yaml", 10 * 2 ** 20), ("three-megabytes.yaml", 3 * 2 ** 20)]:
        with open(special / name, "wb") as handle:
            handle.write(b"id: x\n" + b"k: 1\n" * (size // 5))
    sparse = special / "sparse-gigabyte.yaml"
    with open(sparse, "wb") as handle:
        handle.truncate(2 ** 30)  # all NUL bytes, none written to disk
    kb_loop = tmp / "kb-loop"
    shutil.copytree(BASE_KB, kb_loop)
    (kb_loop / "rules" / "loop.yaml").symlink_to(kb_loop / "rules" / "loop.yaml")
    for path, expect in [(special / "pipe.yaml", "unreadable-file"), (special / "loop.yaml", "unreadable-file"),
                         (special / "folder.yaml", "unreadable-file"), ("/dev/zero", "unreadable-file"),
                         ("/dev/urandom", "unreadable-file"), (special / "missing.yaml", "missing-file"),
                         (special / "ten-megabytes.yaml", "file-too-large"),
                         (special / "three-megabytes.yaml", "file-too-large"), (sparse, "file-too-large")]:
        cases.append({"id": f"special/{Path(path).name}", "expect": expect,
                      "argv": ["--knowledge", str(KNOWLEDGE), "assess", str(path)]})
        cases.append({"id": f"special/{Path(path).name} (check)",  # a folder given to check is a knowledge base
                      "expect": "missing-file" if Path(path).name == "folder.yaml" else expect,
                      "argv": ["--knowledge", str(KNOWLEDGE), "check", str(path)]})
    cases.append({"id": "special/knowledge symlink loop", "expect": "unreadable-file",
                  "argv": ["--knowledge", str(kb_loop), "check"]})
    return cases


def _run_batch(batch: list[dict]) -> list[dict]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "tests")}
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "_hostile_runner.py")], input=json.dumps(batch),
                          capture_output=True, text=True, timeout=30 + len(batch) * SECONDS, env=env, cwd=ROOT)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(batch), f"the runner stopped after {len(results)} runs:\n{done.stderr[-3000:]}"
    return results


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[dict, dict]]:
    cases = _cases(tmp_path_factory.mktemp("hostile"))
    batches = [cases[0::2], cases[1::2]]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_run_batch, batches))
    by_id = {r["id"]: r for batch in results for r in batch}
    return [(case, by_id[case["id"]]) for case in cases]


def test_the_corpus_has_a_folder_per_class_and_at_least_100_files():
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("generate.py", "README.md", "expect")]
    assert len(files) >= 100
    classes = {p.name for p in (CORPUS / "scenarios").iterdir()} | {p.name for p in (CORPUS / "knowledge").iterdir()}
    assert {"1-aliases", "2-domains", "3-yaml", "4-volume", "7-literals", "9-numbers", "9-files"} <= classes


def test_every_hostile_input_is_refused_with_exit_2_and_its_problem(corpus):
    wrong = []
    for case, result in corpus:
        codes = [m.group("code") for m in PROBLEM.finditer(result["output"])]
        if result["traceback"]:
            wrong.append(f"{case['id']}: traceback\n{str(result['traceback'])[-1500:]}")
        elif result["code"] != 2:
            wrong.append(f"{case['id']}: exit {result['code']}\n{result['stderr'][:500]}")
        elif case["expect"] not in codes:
            wrong.append(f"{case['id']}: expected error[{case['expect']}], got {codes[:5]}\n{result['stderr'][:600]}")
    assert not wrong, f"{len(wrong)} of {len(corpus)} runs broke the promise:\n\n" + "\n\n".join(wrong)


def test_scenario_problems_carry_a_line_and_column(corpus):
    unplaced = [case["id"] for case, result in corpus if case.get("position") and case["expect"] not in
                ("unreadable-file", "file-too-large") and not any(
                    m.group("line") for m in PROBLEM.finditer(result["output"]) if m.group("code") == case["expect"])]
    assert not unplaced


def test_every_run_takes_under_2_seconds_and_200_megabytes(corpus):
    # CPU seconds of the run: what the input costs, not how busy the machine is (a loaded CI shares its cores)
    slow = [(case["id"], round(r["cpu_seconds"], 2)) for case, r in corpus if r["cpu_seconds"] > SECONDS]
    heavy = [(case["id"], round(r["max_rss_mb"])) for case, r in corpus if r["max_rss_mb"] > MEGABYTES]
    assert not slow and not heavy


def test_error_output_is_capped(corpus):
    for case, result in corpus:
        assert result["output_chars"] < 150_000, case["id"]
        if "unknown-keys-16000" in case["id"]:
            assert "more problems not shown" in result["output"] and "16,000 errors found." in result["output"]


@pytest.mark.parametrize("relative", ["scenarios/1-aliases/bomb-20-levels.yaml", "scenarios/4-volume/unknown-keys-16000.yaml",
                                  "scenarios/3-yaml/nesting-5000-flow.yaml", "/dev/zero", "pipe"])
def test_a_representative_few_as_real_processes(relative, tmp_path):
    if relative == "pipe":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
    else:
        path = Path(relative) if relative.startswith("/") else CORPUS / relative
    command = [sys.executable, "-c", "import sys; from _hostile_runner import peak_mb; from ppexpert.cli import main; "
               "code = main(sys.argv[1:]); print(peak_mb(), file=sys.stderr); sys.exit(code)",
               "--knowledge", str(KNOWLEDGE), "assess", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "tests")})
    assert done.returncode == 2 and "Traceback" not in done.stderr and PROBLEM.search(done.stderr)
    assert float(done.stderr.strip().splitlines()[-1]) < MEGABYTES
