"""How long a report of the largest example takes: prints medians.

    python benchmarks/bench_report.py [--runs N]

Measured, for the example scenario with the most conclusions:
- in one process, knowledge base loaded and templates compiled once (as a server or a batch run would):
  assess + build the report document + render it, per format (md, html, json), and all three together;
- the whole command `ppexpert report <largest> -o report.html` as a new process (imports, loading the
  knowledge base, compiling the rules and the template included), beside `ppexpert assess` for comparison:
  the difference is what the report itself costs a cold start (importing jinja2, compiling the template).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ppexpert import assess  # noqa: E402
from ppexpert.present.report import build_report, render_report  # noqa: E402
from ppexpert.reasoning import knowledge_for  # noqa: E402


def _median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--cli-runs", type=int, default=5)
    args = parser.parse_args()

    kb = knowledge_for(ROOT / "knowledge")
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    largest = max(examples, key=lambda p: (len(assess(p, kb).conclusions), p.stat().st_size))
    print(f"largest example: {largest.relative_to(ROOT)} ({len(assess(largest, kb).conclusions)} conclusions)")

    for fmt in ("md", "html", "json"):
        render_report(build_report([assess(largest, kb)]), fmt)  # compile the template once
        ms = _median_ms(lambda: render_report(build_report([assess(largest, kb)]), fmt), args.runs)
        print(f"assess + build + render {fmt:<4}  median {ms:7.1f} ms  ({args.runs} runs, warm)")
    ms = _median_ms(lambda: build_report([assess(largest, kb)]), args.runs)
    print(f"assess + build (no rendering)  median {ms:7.1f} ms")

    def all_formats():
        document = build_report([assess(largest, kb)])
        for fmt in ("md", "html", "json"):
            render_report(document, fmt)
    print(f"assess + build + all three     median {_median_ms(all_formats, args.runs):7.1f} ms")

    with tempfile.TemporaryDirectory() as folder:
        commands = {"ppexpert report ... -o r.html": ["report", str(largest), "-o", str(Path(folder) / "r.html")],
                    "ppexpert assess ... --format json (for comparison)": ["assess", str(largest), "--format", "json"]}
        for title, command in commands.items():
            ms = _median_ms(lambda: subprocess.run([sys.executable, "-m", "ppexpert", *command], check=True, cwd=ROOT,
                                                   capture_output=True), args.cli_runs)
            print(f"`{title}` as a new process  median {ms:7.1f} ms  ({args.cli_runs} runs, cold)")


if __name__ == "__main__":
    main()
