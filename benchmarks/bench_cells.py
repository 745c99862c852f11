"""The cell cache: a repeated cell against a first run of the engine. Medians and p95; run from the project folder:

    python benchmarks/bench_cells.py [--repeat 2000]

Goal (issue 13 §1): a repeated cell assesses in <= 0.3 ms with its full trace. Two kinds of repeat are timed: the
same loaded scenario again, and another scenario of the same cell (other raw values, so the sentences, premises and
input nodes are rebuilt).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _times(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def _show(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"median {statistics.median(ordered) * 1000:7.3f} ms  p95 {ordered[int(len(ordered) * 0.95)] * 1000:7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()

    from ppexpert.knowledge.scenario import load_scenario
    from ppexpert.reasoning import assess_loaded, knowledge_for

    kb = knowledge_for(ROOT / "knowledge")
    worst = 0.0
    for example, other in [("seed-calculator.yaml", {"territory_ceded_pct": 21, "military_cap": {"pct_of_current": 41}}),
                           ("us-28-point-plan.yaml", {"territory_ceded_pct": 21.5, "military_cap": {"troops": 590000}})]:
        loaded = load_scenario(ROOT / "examples" / example, kb)
        import yaml
        data = yaml.safe_load((ROOT / "examples" / example).read_text())
        data["parameters"].update(other)
        neighbour = load_scenario(data, kb)
        first = _times(lambda: assess_loaded(loaded, kb, cache=False), max(args.repeat // 40, 20))
        assess_loaded(loaded, kb)
        same = _times(lambda: assess_loaded(loaded, kb), args.repeat)
        same_cell = _times(lambda: assess_loaded(neighbour, kb), args.repeat)
        worst = max(worst, statistics.median(same), statistics.median(same_cell))
        print(f"{example}")
        print(f"  engine run (no cache)          {_show(first)}")
        print(f"  repeated cell, same scenario   {_show(same)}   "
              f"{statistics.median(first) / statistics.median(same):5.0f}x faster")
        print(f"  repeated cell, other values    {_show(same_cell)}   "
              f"{statistics.median(first) / statistics.median(same_cell):5.0f}x faster")
    print(f"goal: a repeated cell <= 0.3 ms with its full trace: {worst * 1000:.3f} ms "
          f"({'met' if worst <= 0.0003 else 'missed'} on this machine)")


if __name__ == "__main__":
    main()
