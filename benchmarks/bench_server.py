"""Round trip of a slider change (POST /api/assess) against a real `ppexpert serve` (uvicorn) on loopback.

    python benchmarks/bench_server.py [--requests 500]

Starts the server as a subprocess on a free port (as a user would), warms it up, then moves the territory
slider through 0..100 one request at a time on a kept-alive connection (what a browser tab does), and
prints the median and 95th percentile. Also: a new connection per request, and a "why?" round trip.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_server_support import preset, server_process, with_parameters  # noqa: E402

SERVER_TIMES: list[float] = []  # the server's own time per /api/assess (its Server-Timing header)


def timed(connection_for, path: str, bodies: list[dict]) -> list[float]:
    times = []
    SERVER_TIMES.clear()
    for body in bodies:
        data = json.dumps(body).encode()  # one send: a str body goes out in a second packet (Nagle + delayed ACK)
        start = time.perf_counter()
        connection = connection_for()
        connection.request("POST", path, data, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        timing = response.getheader("Server-Timing") or ""
        if "dur=" in timing:
            SERVER_TIMES.append(float(timing.split("dur=")[1]))
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    return times


def line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return f"{name:<42} n={len(times):<5} median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"


def concurrent(port: int, clients: int, bodies: list[dict]) -> tuple[list[float], float]:
    """`clients` browser tabs at once, each on its own kept-alive connection, sharing out `bodies`; returns every
    round trip and the requests per second over the whole run (issue 13, goal 4: p95 <= 20 ms, >= 300 req/s)."""
    import threading

    times: list[float] = []
    lock = threading.Lock()

    def client(share: list[dict]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body in share:
            data = json.dumps(body).encode()
            start = time.perf_counter()
            connection.request("POST", "/api/assess", data, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                raise SystemExit(f"/api/assess answered {response.status}")
            with lock:
                times.append(elapsed)

    threads = [threading.Thread(target=client, args=(bodies[i::clients],)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, len(times) / (time.perf_counter() - start)


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) used so far by the `ppexpert serve` process this script started, and by its
    worker processes (with psutil: pip install -e '.[bench]', which the test extras include; (0, 0) without it)."""
    try:
        import psutil
    except ImportError:
        return 0.0, 0.0
    server = [p for p in psutil.Process().children() if "serve" in " ".join(p.cmdline())]
    if not server:
        return 0.0, 0.0
    own = sum(server[0].cpu_times()[:2])
    workers = 0.0
    for child in server[0].children(recursive=True):
        try:
            workers += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return own, workers


def _crowd(port: int, name: str, bodies: list[dict]) -> None:
    """Ten clients at once; beside the times, the CPU the server and its workers spent per request, and what that
    allows on this machine's two cores when nothing else runs (the server process is one thread: it bounds too)."""
    before = _cpu()
    times, rate = concurrent(port, 10, bodies)
    after = _cpu()
    own, workers = ((after[0] - before[0]) / len(times) * 1000, (after[1] - before[1]) / len(times) * 1000)
    print(line(name, times) + f"   {rate:.0f} req/s")
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    if own:
        bound = min(2000 / (own + workers), 1000 / own)
        print(f"  CPU per request: server {own:.2f} ms, workers {workers:.2f} ms: on two idle cores at most "
              f"{bound:.0f} req/s; with ten clients waiting on each other, p95 at least about "
              f"{10 / bound * 1000:.0f} ms")
    print(f"  goal 4 (p95 <= 20 ms, >= 300 req/s): p95 {p95:.0f} ms, {rate:.0f} req/s measured here: "
          f"{'met' if p95 <= 20 and rate >= 300 else 'missed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    base = preset("seed-calculator")
    # every request new settings: the territory slider in half-points, a different cap on each sweep
    slides = [with_parameters(base, territory_ceded_pct=(i % 201) * 0.5, military_cap={"pct_of_current": 40 + i // 201})
              for i in range(args.requests)]
    warm = [with_parameters(base, territory_ceded_pct=i, military_cap={"pct_of_current": 5}) for i in range(50)]
    with server_process() as url:
        port = urlparse(url).port

        def kept_alive():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            return lambda: connection

        timed(kept_alive(), "/api/assess", warm)  # knowledge base loaded, ruleset compiled and registered
        print(f"ppexpert serve on {url}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f}")
        print(line("slider change, new settings (engine runs)", timed(kept_alive(), "/api/assess", slides)))
        print(line("  of which in the server (Server-Timing)", list(SERVER_TIMES)))
        back = slides[::-1][:200]  # dragged back over the last 200 positions (the server keeps 256 answers)
        print(line("slider back over visited settings (cached)", timed(kept_alive(), "/api/assess", back)))
        recent = slides[-20:]  # the last 20 assessed (the server keeps 32 assessments)
        print(line("why? right after a change (cached assessment)",
                   timed(kept_alive(), "/api/why", [{"scenario": s, "id": "risk.sovereignty"} for s in recent])))
        print(line("slider change, a new connection for each", timed(
            lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/api/assess",
            [with_parameters(s, us_commitment="none") for s in slides])))
        crowd = [with_parameters(base, territory_ceded_pct=(i % 201) * 0.5, us_commitment="vague",
                                 military_cap={"pct_of_current": 10 + i // 201}) for i in range(args.requests)]
        _crowd(port, "ten clients at once, new settings", crowd)
        repeated = [with_parameters(base, territory_ceded_pct=(i % 201) * 0.5) for i in range(args.requests)]
        _crowd(port, "ten clients at once, settings seen before", repeated)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
