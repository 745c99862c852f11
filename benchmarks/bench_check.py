"""Medians of `ppexpert check`'s parts: the shipped knowledge base, and a synthetic chain of rules.

    python benchmarks/bench_check.py            # prints one line per measurement

Measures check_knowledge (references, graph, conflicts, rules that can never fire, engine limits, unused facts)
on the loaded knowledge base, collect_knowledge (reading and validating every file), the whole project check
(knowledge, examples, test cases), running every YAML test case (`ppexpert test`), and check_knowledge on chains of 500 and 2,000 rules, each reading the
conclusion of the one before (the shape that made the checker quadratic).
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ppexpert.authoring.project import check_project
from ppexpert.check import check_knowledge  # noqa: E402
from ppexpert.knowledge.base import collect_knowledge  # noqa: E402


def median_ms(action, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def chain(n: int) -> Path:
    root = Path(tempfile.mkdtemp()) / "knowledge"
    shutil.copytree(ROOT / "tests" / "fixtures" / "broken" / "_base", root)
    rules = "rules:\n" + "".join(
        f"  - id: C{i}\n    title: Chain {i}\n    rests_on: [xx.charter.art-1]\n"
        + (f"    when: [{{conclusion: consequence.c{i - 1}}}]\n" if i else "    when: [{input: ceded, above: 1}]\n")
        + f"    then: {{consequence: c{i}, area: land}}\n    because: B.\n" for i in range(n))
    (root / "rules" / "chain.yaml").write_text(rules)
    return root


def main() -> None:
    knowledge = ROOT / "knowledge"
    kb, _ = collect_knowledge(knowledge)
    files = sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "tests" / "cases").glob("*.yaml"))
    print(f"collect_knowledge, shipped ({len(kb.rules)} rules): {median_ms(lambda: collect_knowledge(knowledge)):.1f} ms")
    print(f"check_knowledge, shipped: {median_ms(lambda: check_knowledge(kb)):.1f} ms")
    print(f"check_project, shipped + {len(files)} scenario and case files: "
          f"{median_ms(lambda: check_project(knowledge, files), 3):.1f} ms")
    from ppexpert.authoring.cases import default_case_files, run_case_files
    cases = default_case_files(ROOT)
    run_case_files(cases, knowledge)  # warm: the knowledge base is loaded and compiled once per process
    print(f"run_case_files, {len(cases)} case files: {median_ms(lambda: run_case_files(cases, knowledge), 3):.1f} ms")
    for n in (500, 2000):
        synthetic, _ = collect_knowledge(chain(n))
        print(f"check_knowledge, chain of {n} rules: {median_ms(lambda: check_knowledge(synthetic), 3):.1f} ms")


if __name__ == "__main__":
    main()
