"""Where the web server's assessments run: a bounded, two-lane queue in front of worker processes.

Crash containment (issue 15, defect 8): durable_rules is C code, and some inputs have crashed it; a crash inside
the server process would take every connection down. Here each assessment runs in a worker process forked from a
forkserver that has already imported ppexpert (a replacement starts in a fraction of a second). When a worker dies
in the middle of a job (a segfault, a kill) or overruns `job_timeout`, that one request gets WorkerCrashed (the
server answers 503), the worker is replaced, and the other workers go on serving.

Overload (defect 6): jobs wait in the parent, not in threads: the fast lane (assessments first, then why, why-not
and reports) and the slow lane (what-if, seconds each) are bounded separately, and a full lane refuses at once
(Overloaded, the server answers 429 with Retry-After). Worker 0 never takes a slow job, so a burst of what-ifs
cannot delay a slider's assessment by more than one job.

With workers=0 the same queue feeds two threads of the server process instead (tests and the Python API use it;
no containment, the same priorities and limits).
"""
from __future__ import annotations

import heapq
import itertools
import multiprocessing
import sys
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

FAST, SLOW = "fast", "slow"
READY_TIMEOUT = 120.0  # a worker that is not ready by then is started again


class Overloaded(Exception):
    """The lane's queue is full: come back after `retry_after` seconds."""

    def __init__(self, lane: str, retry_after: int):
        super().__init__(f"the {lane} queue is full")
        self.lane, self.retry_after = lane, retry_after


class WorkerCrashed(Exception):
    """The worker died (or overran its time) in the middle of this job; it has been replaced."""


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    kind: str = field(compare=False)
    args: Any = field(compare=False)
    future: Future = field(compare=False)


Runner = Callable[[str, Any], tuple]  # (kind, args) -> ("ok", text) | ("api", status, error, problems) | ...


class Pool:
    """N worker processes (or, with workers=0, two threads running `local` in this process)."""

    def __init__(self, knowledge: str, examples: str | None, workers: int, local: Runner | None = None,
                 max_queued: int = 256, max_slow_queued: int = 16, job_timeout: float = 60.0,
                 target: Callable | None = None, preload: str = "ppexpert.web.server"):
        """target(conn, knowledge, examples): a worker process's main function (module-level, so that it can be
        named to the forkserver): it sends ("ready", pid), then answers each (kind, args) it receives with a
        reply tuple. preload: the module the forkserver imports once, so that workers start without importing."""
        if workers <= 0 and local is None:
            raise ValueError("workers=0 needs a local runner")
        if workers > 0 and target is None:
            raise ValueError("worker processes need a target")
        self.target, self.preload = target, preload
        self.knowledge, self.examples = knowledge, examples
        self.processes = workers > 0
        self.slots = workers if workers > 0 else 2
        self.local = local
        self.max_queued, self.max_slow_queued, self.job_timeout = max_queued, max_slow_queued, job_timeout
        self._fast: list[_Job] = []
        self._slow: list[_Job] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._busy: dict[int, tuple[int | None, str]] = {}  # slot -> (worker pid, job kind)
        self._pids: dict[int, int] = {}
        self._ready = threading.Event()
        if not self.processes:
            self._ready.set()
        self.crashes = 0
        self.submitted = 0  # jobs accepted since the start
        self._threads = [threading.Thread(target=self._drive, args=(slot,), name=f"ppexpert-worker-{slot}",
                                          daemon=True) for slot in range(self.slots)]
        for thread in self._threads:
            thread.start()

    # -- the parent's side

    def submit(self, kind: str, args: Any, lane: str = FAST, priority: int = 0) -> Future:
        """Queue a job; its Future gets the runner's reply tuple, or WorkerCrashed. Raises Overloaded at once."""
        job = _Job(priority, next(self._seq), kind, args, Future())
        with self._cond:
            if self._closed:
                raise Overloaded(lane, 5)
            queue = self._fast if lane == FAST else self._slow
            limit = self.max_queued if lane == FAST else self.max_slow_queued
            if len(queue) >= limit:
                raise Overloaded(lane, 1 if lane == FAST else 5)
            heapq.heappush(queue, job)
            self.submitted += 1
            self._cond.notify_all()
        return job.future

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """True once every worker has started (the first start of the forkserver imports ppexpert)."""
        return self._ready.wait(timeout)

    def pids(self) -> list[int]:
        with self._cond:
            return sorted(self._pids.values())

    def busy(self) -> dict[int, tuple[int | None, str]]:
        """slot -> (pid, job kind) of the jobs running now."""
        with self._cond:
            return dict(self._busy)

    def queued(self) -> tuple[int, int]:
        with self._cond:
            return len(self._fast), len(self._slow)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending = self._fast + self._slow
            self._fast, self._slow = [], []
            self._cond.notify_all()
        for job in pending:
            job.future.cancel()
        for thread in self._threads:
            thread.join(timeout=10)

    # -- one thread per slot

    def _take(self, slot: int) -> _Job | None:
        slow_ok = slot != 0 or self.slots == 1
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._fast:
                    return heapq.heappop(self._fast)
                if slow_ok and self._slow:
                    return heapq.heappop(self._slow)
                self._cond.wait()

    def _drive(self, slot: int) -> None:
        while not self._closed:
            worker = self._start(slot) if self.processes else None
            if self.processes and worker is None:
                time.sleep(1)
                continue
            while True:
                job = self._take(slot)
                if job is None:
                    if worker is not None:
                        _stop(*worker)
                    return
                if worker is not None and not worker[0].is_alive():  # died idle: the job has not reached it
                    self.crashes += 1
                    _stop(*worker)
                    worker = self._start(slot)
                    if worker is None:
                        job.future.set_exception(WorkerCrashed("no worker could be started"))
                        break
                if not job.future.set_running_or_notify_cancel():
                    continue
                with self._cond:
                    self._busy[slot] = (worker[0].pid if worker else None, job.kind)
                try:
                    reply = self._run_remote(worker, job) if worker else self._run_local(job)
                except WorkerCrashed as crash:
                    self.crashes += 1
                    job.future.set_exception(crash)
                    _stop(*worker)
                    break  # start a new worker for this slot
                finally:
                    with self._cond:
                        self._busy.pop(slot, None)
                job.future.set_result(reply)

    def _run_local(self, job: _Job) -> tuple:
        try:
            return self.local(job.kind, job.args)
        except Exception:  # noqa: BLE001 - the runner answers errors itself; this is the last resort
            traceback.print_exc(file=sys.stderr)
            return ("internal",)

    def _run_remote(self, worker, job: _Job) -> tuple:
        process, conn = worker
        try:
            conn.send((job.kind, job.args))
            deadline = time.monotonic() + self.job_timeout
            while not conn.poll(0.1):
                if not process.is_alive():
                    raise WorkerCrashed(f"worker {process.pid} died (exit code {process.exitcode})")
                if time.monotonic() > deadline:
                    raise WorkerCrashed(f"worker {process.pid} overran {self.job_timeout:.0f} s")
            return conn.recv()
        except (EOFError, OSError) as error:
            raise WorkerCrashed(f"worker {process.pid} died ({type(error).__name__})") from None
        except Exception:  # noqa: BLE001 - a job that cannot be pickled; the worker is untouched
            traceback.print_exc(file=sys.stderr)
            return ("internal",)

    def _start(self, slot: int):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([self.preload])
        parent, child = context.Pipe()
        process = context.Process(target=self.target, args=(child, self.knowledge, self.examples),
                                  name=f"ppexpert-worker-{slot}", daemon=True)
        process.start()
        child.close()
        try:
            if parent.poll(READY_TIMEOUT) and parent.recv() == ("ready", process.pid):
                with self._cond:
                    self._pids[slot] = process.pid
                    if len(self._pids) == self.slots:
                        self._ready.set()
                return process, parent
        except (EOFError, OSError):
            pass
        _stop(process, parent)
        return None


def _stop(process, conn) -> None:
    try:
        conn.close()
    except OSError:
        pass
    if process.is_alive():
        process.kill()
    process.join(timeout=5)
