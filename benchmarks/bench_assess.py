"""Speed of one assessment: warm (in one process, knowledge loaded and rules compiled once) and cold (a whole
`ppexpert assess` process). Prints medians and ratios; run from the project folder:

    python benchmarks/bench_assess.py [--repeat 200] [--cold 10]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--cold", type=int, default=10)
    args = parser.parse_args()

    from ppexpert.reasoning import assess, knowledge_for

    kb = knowledge_for(ROOT / "knowledge")
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    print(f"knowledge base {kb.version}: {len(kb.rules)} rules, {len(kb.provisions)} provisions, "
          f"{len(kb.baselines)} baselines")
    print(f"{'example':40} {'warm median':>12} {'firings':>8} {'per firing':>11}")
    warm = {}
    for example in examples:
        assess(example, kb)  # compile and register once
        samples, firings = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = assess(example, kb)
            samples.append(time.perf_counter() - start)
            firings = len(result.firings)
        warm[example.name] = _median_ms(samples)
        print(f"{example.name:40} {warm[example.name]:9.2f} ms {firings:8d} "
              f"{warm[example.name] * 1000 / max(firings, 1):8.0f} us")

    cold = []
    for _ in range(args.cold):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ppexpert", "assess", "examples/seed-calculator.yaml"], cwd=ROOT,
                       check=True, capture_output=True)
        cold.append(time.perf_counter() - start)
    cold_ms = _median_ms(cold)
    print(f"cold `ppexpert assess examples/seed-calculator.yaml` process: median {cold_ms:.0f} ms")
    worst = max(warm.values())
    print(f"ratios: cold / slowest warm = {cold_ms / worst:.0f}x; aims: warm < 5 ms "
          f"({'met' if worst < 5 else 'missed'}), cold < 500 ms ({'met' if cold_ms < 500 else 'missed'})")


if __name__ == "__main__":
    main()
