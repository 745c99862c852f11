"""Command line: `ppexpert assess|why|why-not|what-if ...`. Exit codes: 0 done, 2 bad input, 1 internal failure."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Callable

from ppexpert._version import __version__
from ppexpert.knowledge.problems import EngineFailure, InputError
from ppexpert.reasoning.document import dumps

# Each command module adds its sub-command: add(subparsers) registers it and sets `handler`.
_COMMANDS: list[str] = ["ppexpert.cli.core", "ppexpert.cli.claims", "ppexpert.cli.report", "ppexpert.cli.serve",
                        "ppexpert.cli.authoring"]


# The module that adds each command: a command imports only its own module (start-up speed; `assess` need not
# load the report, server and authoring code). Help and unknown commands import them all; a test checks this map
# against what the modules register.
_OWNERS: dict[str, str] = {
    **dict.fromkeys(("assess", "examples", "why", "why-not", "what-if"), "ppexpert.cli.core"),
    "claims": "ppexpert.cli.claims", "report": "ppexpert.cli.report", "graph": "ppexpert.cli.report",
    "serve": "ppexpert.cli.serve", **dict.fromkeys(("check", "test", "init", "schema"), "ppexpert.cli.authoring")}


def _command(argv: list[str]) -> str | None:
    """The command word of a command line (after the global options), or None."""
    words = iter(argv)
    for word in words:
        if word == "--knowledge":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ppexpert", description="Assess peace plans against cited law and "
                                     "security baselines, with explanations down to the article.")
    parser.add_argument("--version", action="version", version=f"ppexpert {__version__}")
    parser.add_argument("--knowledge", metavar="DIR", help="the knowledge base folder (default: ./knowledge)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    owner = _OWNERS.get(_command(sys.argv[1:] if argv is None else argv) or "")
    for name in [owner] if owner else _COMMANDS:
        importlib.import_module(name).add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # The command line's process is ppexpert's own: no pydantic plugin observes it, and looking for one (reading
    # every installed package's entry points on the first validation) cost a tenth of a cold `assess`.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = _parser(argv)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InputError as error:
        print(error.render(), file=sys.stderr)
        return 2
    except EngineFailure as error:
        print(f"ppexpert: internal failure of the rule engine: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as error:  # the output cannot be written: a full disk, a closed terminal
        _silence_stdout()
        print(f"ppexpert: error: cannot write the output: {error.strerror or error}\n"
              "  hint: check the free space and the destination", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail again on the way out."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def emit_json(document: dict, out=None) -> None:
    (out or sys.stdout).write(dumps(document))


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")

