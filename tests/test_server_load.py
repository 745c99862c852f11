"""Load on the real server (`ppexpert serve`, two worker processes) over loopback (issue 15, defect 6).

200 concurrent mixed requests (assessments, why, why-not, reports) all answer 200 and right, and their p95 is
printed; a burst of what-ifs is bounded (the excess answers 429 with Retry-After at once) and does not hold up the
slider assessments sent while it runs.
"""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from test_server_support import KNOWLEDGE, preset, server_process, with_parameters

import ppexpert


def _timed(port: int, path: str, body: object, timeout: float = 120) -> tuple[int, float, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read()
        took = time.perf_counter() - start
        return response.status, took, dict(response.getheaders()), json.loads(text) if path != "/api/report" else {}
    except OSError:
        return 0, time.perf_counter() - start, {}, {}
    finally:
        connection.close()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def _levels(document: dict) -> dict:
    return {a["id"]: a["level"] for a in document["areas"]}


def test_200_concurrent_mixed_requests_and_a_what_if_burst_on_the_real_server():
    base = preset("seed-calculator")
    requests = []
    for i in range(200):
        scenario = with_parameters(base, territory_ceded_pct=(i * 7) % 101, military_cap={"pct_of_current": 10 + i % 80})
        if i % 10 < 7:
            requests.append(("/api/assess", scenario))
        elif i % 10 < 9:
            requests.append(("/api/why", {"scenario": scenario, "id": "risk.sovereignty"}))
        elif i % 20 == 9:
            requests.append(("/api/why-not", {"scenario": scenario, "id": "risk.defence", "level": "critical"}))
        else:
            requests.append(("/api/report", scenario))
    expected = {i: _levels(ppexpert.assess(body, KNOWLEDGE).to_json())
                for i, (path, body) in enumerate(requests) if path == "/api/assess"}
    with server_process() as url:
        port = urlparse(url).port
        with ThreadPoolExecutor(max_workers=200) as pool:
            answers = list(pool.map(lambda request: _timed(port, *request), requests))
        statuses = [status for status, *_ in answers]
        assert statuses == [200] * 200, {s: statuses.count(s) for s in set(statuses)}
        assert all(_levels(answers[i][3]) == levels for i, levels in expected.items())
        p95 = _p95([took for _, took, _, _ in answers])
        print(f"\n200 concurrent mixed requests: p95 {p95 * 1000:.0f} ms, "
              f"max {max(t for _, t, _, _ in answers) * 1000:.0f} ms")

        # the same kind of slider assessments, first alone, then during a burst of what-ifs
        calm = [with_parameters(base, territory_ceded_pct=s, military_cap={"pct_of_current": 34}) for s in range(20)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            alone = list(pool.map(lambda s: _timed(port, "/api/assess", s), calm))
        assert [status for status, *_ in alone] == [200] * 20
        alone_p95 = _p95([took for _, took, _, _ in alone])
        # a burst of what-ifs: one runs, 16 queue, the rest are refused at once; assessments go on meanwhile
        burst = [{"scenario": with_parameters(base, territory_ceded_pct=60 + i), "id": "risk.sovereignty"}
                 for i in range(24)]
        asking = ThreadPoolExecutor(max_workers=24)
        what_ifs = [asking.submit(_timed, port, "/api/what-if", body, 300) for body in burst]
        time.sleep(1.0)
        sliders = [with_parameters(base, territory_ceded_pct=s, military_cap={"pct_of_current": 33}) for s in range(20)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            during = list(pool.map(lambda s: _timed(port, "/api/assess", s), sliders))
        refused = [f.result() for f in what_ifs if f.done() and f.result()[0] == 429]
        assert len(refused) >= 24 - 16 - 2, [f.result()[0] for f in what_ifs if f.done()]
        assert all(int(headers["retry-after"]) >= 1 for _, _, headers, _ in refused)
        assert [status for status, *_ in during] == [200] * 20
        assert [_levels(d) for *_, d in during] == [_levels(ppexpert.assess(s, KNOWLEDGE).to_json()) for s in sliders]
        slider_p95 = _p95([took for _, took, _, _ in during])
        print(f"20 assessments: p95 {alone_p95 * 1000:.0f} ms alone, {slider_p95 * 1000:.0f} ms during a burst of "
              f"24 what-ifs ({len(refused)} what-ifs refused 429)")
        # 11 s before (issue 15). Now at most one what-if is ahead of them, and one worker is theirs alone: at most
        # about twice as slow (one worker of two), whatever the machine's load (compared, not an absolute bound)
        assert slider_p95 < 3 * alone_p95 + 1.0
    asking.shutdown(wait=False, cancel_futures=True)
