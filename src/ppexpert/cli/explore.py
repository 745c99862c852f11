"""Exploring the space of plans: `ppexpert sweep` (every conclusion over a grid or a sample of inputs) and
`ppexpert map` (the exact region map of one conclusion over two inputs)."""
from __future__ import annotations

import argparse
import sys

from ppexpert.present import regionmap, sweep_files
from ppexpert.reasoning.regions import region_map
from ppexpert.reasoning.sweep import METHODS, prepare, run_chunks


def add(sub) -> None:
    p = sub.add_parser("sweep", help="every conclusion over a grid or a sample of input values (Parquet or CSV)")
    p.add_argument("scenario", help="the plan whose other inputs stay as they are, e.g. examples/us-28-point-plan.yaml")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=VALUES", required=True,
                   help="an input and its values: START:STOP[:STEP] (inclusive), a comma-separated list, or * for "
                        "every word of a choice; a record's field as military_cap.pct_of_current (repeat --vary)")
    p.add_argument("--sample", type=int, metavar="N", help="draw N scenarios instead of the full grid")
    p.add_argument("--method", choices=METHODS, help="grid (the default), or random or lhs (Latin hypercube) "
                   "with --sample")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0): the same seed, the same file")
    p.add_argument("--conclusion", action="append", metavar="ID", help="report only these conclusions "
                   "(patterns such as risk.* work; repeat); default every conclusion the rules can derive")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="sweep.parquet or sweep.csv")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask cluster, e.g. tcp://HOST:8786")
    p.add_argument("--workers", type=int, metavar="N", help="run on a local Dask cluster of N worker processes")
    p.set_defaults(handler=_sweep)

    p = sub.add_parser("map", help="the exact region map of one conclusion over two inputs (SVG, PNG or HTML)")
    p.add_argument("scenario", help="the plan whose other inputs stay as they are; it is marked on the map")
    p.add_argument("--x", required=True, metavar="INPUT", help="the horizontal input, optionally with its span: "
                   "territory_ceded_pct or military_cap.troops=0:1000000 (a word or yes/no input shows every value)")
    p.add_argument("--y", required=True, metavar="INPUT", help="the vertical input, written the same way")
    p.add_argument("--conclusion", default="risk.overall", help="the conclusion to map (default risk.overall)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="map.svg, map.png or map.html")
    p.set_defaults(handler=_map)


def _sweep(args: argparse.Namespace) -> int:
    sweep_files.format_of(args.output)  # a wrong suffix is known before any work
    prepared = prepare(args.scenario, args.vary, sample=args.sample, method=args.method, seed=args.seed,
                       conclusions=args.conclusion, knowledge=args.knowledge)
    chunks = run_chunks(prepared, scheduler=args.scheduler, workers=args.workers)
    rows = sweep_files.write(prepared, chunks, args.output, progress=True)
    inputs, conclusions = len(prepared.design.varies), len(prepared.conclusions)
    print(f"{rows:,} scenarios x {len(prepared.columns)} columns ({inputs} input{'s' * (inputs != 1)}, "
          f"{conclusions} conclusion{'s' * (conclusions != 1)}) -> {args.output}", file=sys.stderr)
    return 0


def _map(args: argparse.Namespace) -> int:
    regionmap.format_of(args.output)  # a wrong suffix is known before any work
    regions = region_map(args.scenario, args.x, args.y, args.conclusion, knowledge=args.knowledge)
    regionmap.write(regions, args.output)
    print(f"{len(regions.regions)} regions ({len(regions.x.bands)} x {len(regions.y.bands)} classes, "
          f"{regions.runs} engine runs); {regions.plan}: {regions.conclusion} = {regionmap.label(regions.plan_level)} "
          f"-> {args.output}", file=sys.stderr)
    return 0
