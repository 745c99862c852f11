"""Runs CLI invocations in this one process, one after the other, and prints one JSON line per run: exit code,
seconds, peak memory so far, whether a traceback escaped, and the head of stderr. tests/test_hostile_corpus.py
starts it (twice, in parallel) with the runs as JSON on stdin; running in-process keeps 150 runs in seconds."""
from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
import traceback

from ppexpert.cli import main


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a runner
    started by a big pytest process would report pytest's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(argv: list[str]) -> dict:
    out, err = io.StringIO(), io.StringIO()
    start, cpu = time.perf_counter(), time.process_time()
    escaped = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
        except BaseException:  # noqa: BLE001 - exactly what the corpus must never see
            escaped, code = traceback.format_exc(), 1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    output = err.getvalue() + out.getvalue()  # `check` reports on stdout, the other commands on stderr
    return {"code": code, "seconds": seconds, "cpu_seconds": cpu_seconds, "max_rss_mb": peak_mb(),
            "traceback": escaped or ("Traceback (most recent call last)" in output and output),
            "output": output if len(output) < 4000 else output[:3000] + "\n...\n" + output[-1000:],
            "output_chars": len(output)}


if __name__ == "__main__":
    for case in json.load(sys.stdin):
        print(json.dumps({"id": case["id"], **run(case["argv"])}), flush=True)
