"""Speed of a sweep: 10,000 Latin-hypercube scenarios of the five dials (territory, the cap, the election deadline,
the amnesty, the U.S. commitment) of a plan, beside its yardstick measured in the same run:

- the sweep in this process with its cell cache (a fresh cache each repeat; the knowledge base warm), wall and
  CPU time, and the same written to Parquet; goal (issue 12): <= 1.5 s on 2 cores;
- the same scenarios without the cell cache (one engine run each), measured on a slice and scaled to 10,000;
- with --dask, the sweep on a local Dask cluster of two worker processes (cluster start included).

    python benchmarks/bench_explore.py [--repeat 5] [--scenarios 10000] [--plan examples/us-28-point-plan.yaml] [--dask]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIALS = ["territory_ceded_pct=0:100", "military_cap.pct_of_current=0:100", "election_within_days=0:3650",
         "war_crimes_amnesty=*", "us_commitment=*"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--plan", default=str(ROOT / "examples" / "us-28-point-plan.yaml"))
    parser.add_argument("--dask", action="store_true", help="also time a two-worker local Dask cluster")
    args = parser.parse_args()

    from ppexpert.present import sweep_files
    from ppexpert.reasoning.sweep import prepare, run_chunks, scenario_chunks

    prepared = prepare(args.plan, DIALS, sample=args.scenarios, method="lhs", seed=1,
                       knowledge=ROOT / "knowledge")
    blocks = list(scenario_chunks(prepared.design))

    def cached() -> int:
        evaluator = prepared.evaluator()
        for values in blocks:
            evaluator.evaluate(values)
        return evaluator.runs

    runs = cached()  # warm: imports, the compiled ruleset registered with the engine
    sweep_times, cpu_times = [], []
    for _ in range(args.repeat):
        start, cpu = time.perf_counter(), time.process_time()
        cached()
        sweep_times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweep.parquet"
        file_times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            sweep_files.write(prepared, run_chunks(prepared), out)
            file_times.append(time.perf_counter() - start)

    evaluator = prepared.evaluator()
    rows = list(zip(*(blocks[0][v.name] for v in prepared.design.varies)))[:200]
    start = time.perf_counter()
    for row in rows:
        evaluator.run(row)  # no cache: the engine on every scenario
    uncached = (time.perf_counter() - start) / len(rows) * args.scenarios

    cached_median, file_median = statistics.median(sweep_times), statistics.median(file_times)
    print(f"plan {Path(args.plan).name}; {args.scenarios:,} LHS scenarios of the five dials; {len(prepared.kb.rules)} "
          f"rules; {runs} cells (engine runs); median of {args.repeat}")
    print(f"  sweep, cell cache, in this process      {cached_median:8.3f} s   (goal <= 1.5 s; "
          f"CPU {statistics.median(cpu_times):.3f} s, which a loaded machine inflates less)")
    print(f"  the same, written to Parquet            {file_median:8.3f} s")
    print(f"  without the cell cache (200 x {args.scenarios // 200}) {uncached:8.3f} s")
    print(f"  ratio uncached / cached                  {uncached / cached_median:8.1f} x")
    if args.dask:
        start = time.perf_counter()
        for _ in run_chunks(prepared, workers=2):
            pass
        print(f"  on a 2-worker local Dask cluster         {time.perf_counter() - start:8.3f} s   (cluster start included)")


if __name__ == "__main__":
    main()
