"""`ppexpert serve`: the web calculator on http://127.0.0.1:8000 (loopback unless --host says otherwise)."""
# Imports inside the handlers are lazy, for start-up speed: each command loads only what it needs.
from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from pathlib import Path

from ppexpert.knowledge.problems import InputError, Problem, Span


def add(sub) -> None:
    p = sub.add_parser("serve", help="serve the web calculator (the engine behind sliders, cards and 'why?')")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--examples", metavar="DIR", help="the preset scenarios (default: examples/ beside knowledge/)")
    p.add_argument("--workers", type=_workers, default=2, metavar="N",
                   help="worker processes that run the assessments, replaced when one dies (default 2; 0 runs "
                        "them inside the server process, without that protection)")
    p.set_defaults(handler=_serve)


def _port(text: str) -> int:
    """A TCP port, 0..65535 (argparse turns the ValueError into a usage error, exit 2)."""
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: choose 0 to 65535 (0 picks a free one)")
    return port


def _workers(text: str) -> int:
    count = int(text)
    if not 0 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{count}: choose 0 to 64 worker processes")
    return count


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ppexpert.knowledge.base import find_knowledge
    from ppexpert.reasoning import knowledge_for
    from ppexpert.web.server import create_app

    knowledge = Path(args.knowledge) if args.knowledge else find_knowledge()
    kb = knowledge_for(knowledge)  # fail now, with every problem, rather than on the first request
    hosts = ["127.0.0.1", "localhost"] if args.host in ("127.0.0.1", "localhost") else None
    sock = _bind(args.host, args.port)
    app = create_app(knowledge, args.examples, allowed_hosts=hosts, workers=args.workers)
    if not app.state.calculator.pool.wait_ready():
        print("ppexpert: warning: the worker processes are slow to start", file=sys.stderr)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"ppexpert: serving the web calculator on http://{shown}:{port}/ (knowledge {kb.version} from "
          f"{knowledge}, {len(app.state.calculator.presets.all())} presets); Ctrl-C stops", file=sys.stderr)
    if not _loopback(args.host):
        print("ppexpert: warning: listening beyond this machine; the calculator has no authentication",
              file=sys.stderr)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """Bind before starting so that a busy port is the user's error (exit 2), not a server traceback."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it
        # a response written in two parts waits ~40 ms for the client's delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as error:
        raise InputError([Problem(Span("<command line>"), ("--port",), f"cannot listen on {host}:{port}: {getattr(error, 'strerror', None) or error}",
                                  "choose another --port (0 picks a free one) or stop what is using it",
                                  code="bad-address")]) from None
    return sock


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
