"""Helpers for the server tests and benchmarks (no tests here): a real uvicorn server on a free loopback port,
in a thread or a subprocess; scenarios as the page sends them."""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
EXAMPLES = ROOT / "examples"


def preset(name: str | Path = "seed-calculator") -> dict:
    """A scenario file as the page sends it: JSON values (a YAML date becomes its ISO text)."""
    path = name if isinstance(name, Path) else EXAMPLES / f"{name}.yaml"
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def with_parameters(scenario: dict, **changes) -> dict:
    return {**scenario, "parameters": {**scenario.get("parameters", {}), **changes}}


def post(port: int, path: str, body: object) -> tuple[int, dict]:
    """One request on its own connection (what a browser tab does for a slider change)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@contextlib.contextmanager
def server_in_thread(app):
    """Serve `app` with uvicorn in a thread of this process (so a test can monkeypatch what it runs)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY, as serve does
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def server_process(*extra: str):
    """`ppexpert serve --port 0` as a subprocess, the way a user starts it; yields its base URL."""
    command = [sys.executable, "-m", "ppexpert", "--knowledge", str(KNOWLEDGE), "serve", "--port", "0", *extra]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"ppexpert serve did not start: {line}{process.stderr.read() if process.poll() is not None else ''}")
        url = match.group(0)
        port = int(match.group(1))
        deadline = time.monotonic() + 20
        while True:  # the socket is bound before the line is printed; wait until uvicorn answers
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/knowledge")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                connection.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
