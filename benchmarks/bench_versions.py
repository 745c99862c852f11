"""The warm assessment of this tree against another commit's, measured alternately in the same minutes (issue 10's
"no more than 1.2x slower than before"): each round runs one process per version, each assessing every shipped
example of its own tree with its own knowledge base (`assess` + `to_json`, the scenario file read each time), the
cell cache and the memo of what unknown inputs leave open bypassed where the version has them (the reference has
neither). CPU time of the process (`time.process_time`), so that a busy machine inflates both alike.

    python benchmarks/bench_versions.py [REF] [--rounds 6] [--repeat 15]

REF defaults to 0c541c7, main just before issue 10's reasoning work (dates, unknowns, kinds, grounds, floors). It is
checked out, detached, in a temporary git worktree that is removed afterwards. Prints, per example both trees ship,
median and p95 in ms for each, and the ratio of medians; then the ratio of the sums of medians.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE_ISSUE_10 = "0c541c7"

# run inside the version's own tree (cwd), with its src first on the path
CHILD = r"""
import inspect, json, sys, time
from pathlib import Path
import ppexpert.reasoning as reasoning
root = Path.cwd()
kb = reasoning.knowledge_for(root / "knowledge")
fresh = "cache" in inspect.signature(getattr(reasoning, "assess_loaded", lambda: None)).parameters
if fresh:
    from ppexpert.knowledge.scenario import load_scenario

def once(path):
    kb.__dict__.pop("_possible_memo", None)
    if fresh:  # a new cell each time: the cell cache would answer a repeated one without the engine
        return reasoning.assess_loaded(load_scenario(path, kb), kb, cache=False).to_json()
    return reasoning.assess(path, kb).to_json()

repeat = int(sys.argv[1])
samples = {}
for path in sorted((root / "examples").glob("*.yaml")):
    once(path)  # compile and register once
    times = []
    for _ in range(repeat):
        start = time.process_time()
        once(path)
        times.append(time.process_time() - start)
    samples[path.name] = times
print(json.dumps({"rules": len(kb.rules), "samples": samples}))
"""


def _run(tree: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PPEXPERT_CELL_CACHE": "off"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(repeat)], cwd=tree, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ref", nargs="?", default=BEFORE_ISSUE_10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "reference"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(reference), args.ref],
                       check=True)
        try:
            before: dict[str, list[float]] = {}
            after: dict[str, list[float]] = {}
            rules = {}
            for _ in range(args.rounds):  # alternately, so that a change in the machine's load hits both alike
                for name, tree, into in (("before", reference, before), ("after", ROOT, after)):
                    result = _run(tree, args.repeat)
                    rules[name] = result["rules"]
                    for example, times in result["samples"].items():
                        into.setdefault(example, []).extend(times)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(reference)], check=False)
    print(f"before: {args.ref} ({rules['before']} rules); after: this tree ({rules['after']} rules); "
          f"{args.rounds} alternating rounds of {args.repeat} runs; CPU ms, median (p95); load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'example':34} {'before':>17} {'after':>17} {'after/before':>13}")
    total_before = total_after = 0.0
    for example in sorted(set(before) & set(after)):
        (b, b95), (a, a95) = _stats(before[example]), _stats(after[example])
        total_before, total_after = total_before + b, total_after + a
        print(f"{example[:34]:34} {b:7.2f} ({b95:7.2f}) {a:7.2f} ({a95:7.2f}) {a / b:12.2f}x")
    ratio = total_after / total_before
    print(f"{'sum of medians':34} {total_before:17.2f} {total_after:17.2f} {ratio:12.2f}x  "
          f"(goal: at most 1.2x: {'met' if ratio <= 1.2 else 'missed'})")
    for example in sorted(set(after) - set(before)):
        a, a95 = _stats(after[example])
        print(f"{example[:34]:34} {'(new)':>17} {a:7.2f} ({a95:7.2f})")


if __name__ == "__main__":
    main()
