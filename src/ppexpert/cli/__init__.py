"""Command line: `ppexpert assess|why|why-not|what-if ...`. Exit codes: 0 done, 2 bad input, 1 internal failure."""
from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import os
import sys
import types
from pathlib import Path
from typing import Callable

from ppexpert._version import __version__
from ppexpert.knowledge.problems import EngineFailure, InputError, Problem, Span
from ppexpert.reasoning.document import dumps

# Each command module adds its sub-command: add(subparsers) registers it and sets `handler`.
_COMMANDS: list[str] = ["ppexpert.cli.core", "ppexpert.cli.claims", "ppexpert.cli.report", "ppexpert.cli.serve",
                        "ppexpert.cli.authoring", "ppexpert.cli.explore"]


# An example in every sub-command's --help (tests/test_cli_conventions.py holds each command to it).
EXAMPLES: dict[str, str] = {
    "assess": "ppexpert assess us-28-point-plan\n  ppexpert assess my-plan.yaml --format json",
    "examples": "ppexpert examples",
    "why": "ppexpert why us-28-point-plan risk.accountability",
    "why-not": "ppexpert why-not seed-calculator risk.sovereignty=critical",
    "what-if": "ppexpert what-if seed-calculator risk.defence",
    "claims": "ppexpert claims --status differs",
    "report": "ppexpert report us-28-point-plan -o report.html\n  ppexpert report seed-calculator us-28-point-plan "
              "-o compare.html",
    "graph": "ppexpert graph us-28-point-plan risk.defence -o defence.svg\n  ppexpert graph us-28-point-plan -o "
             "trace.dot",
    "serve": "ppexpert serve --port 8000",
    "site": "ppexpert site -o site/ && xdg-open site/index.html",
    "init": "ppexpert init my-kb && cd my-kb && ppexpert test",
    "check": "ppexpert check\n  ppexpert check knowledge/ examples/my-plan.yaml --format json",
    "test": "ppexpert test --coverage\n  ppexpert test -k amnesty --format json",
    "schema": "ppexpert schema -o schemas/\n  ppexpert schema --annotate",
    "completion": "eval \"$(ppexpert completion bash)\"    # in ~/.bashrc",
    "sweep": "ppexpert sweep us-28-point-plan --vary territory_ceded_pct=0:40:1 -o sweep.parquet\n  ppexpert sweep "
             "seed-calculator --vary war_crimes_amnesty='*' --sample 1000 --method lhs --seed 1 -o sweep.csv",
    "map": "ppexpert map us-28-point-plan --x territory_ceded_pct --y military_cap.pct_of_current "
           "--conclusion risk.overall -o map.svg",
}
_KNOWLEDGE_HELP = "the knowledge base folder (default: a knowledge/ folder here or above, else the shipped one)"


# The module that adds each command: a command imports only its own module (start-up speed; `assess` need not
# load the report, server and authoring code). Help and unknown commands import them all; a test checks this map
# against what the modules register.
_OWNERS: dict[str, str] = {
    **dict.fromkeys(("assess", "examples", "why", "why-not", "what-if"), "ppexpert.cli.core"),
    "claims": "ppexpert.cli.claims", "report": "ppexpert.cli.report", "graph": "ppexpert.cli.report",
    "site": "ppexpert.cli.report",
    "serve": "ppexpert.cli.serve", **dict.fromkeys(("check", "test", "init", "schema"), "ppexpert.cli.authoring"),
    **dict.fromkeys(("sweep", "map"), "ppexpert.cli.explore")}


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
    parser.add_argument("--knowledge", metavar="DIR", help=_KNOWLEDGE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    owner = _OWNERS.get(_command(sys.argv[1:] if argv is None else argv) or "")
    for name in [owner] if owner else _COMMANDS:
        importlib.import_module(name).add(sub)
    _add_completion(sub)
    for command, p in sub.choices.items():
        # --knowledge also after the sub-command; SUPPRESS keeps a value given before it.
        p.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS, help=_KNOWLEDGE_HELP)
        for action in p._actions:  # what the shell completes (argcomplete reads `completer`)
            if action.dest in ("scenario", "scenarios"):
                action.completer = _complete_scenarios
            elif action.dest == "conclusion":
                action.completer = _complete_conclusions
        if command in EXAMPLES:
            p.formatter_class = argparse.RawDescriptionHelpFormatter
            p.epilog = "example:\n  " + EXAMPLES[command]
    return parser


def _complete_scenarios(prefix: str, parsed_args=None, **_) -> list[str]:
    from ppexpert.knowledge.shipped import examples  # lazy: only a completing shell needs it
    files = [str(p) for p in Path(".").glob(f"{prefix}*") if p.is_dir() or p.suffix in (".yaml", ".yml")]
    return [name for name in examples() if name.startswith(prefix)] + files


def _complete_conclusions(prefix: str, parsed_args=None, **_) -> list[str]:
    from ppexpert.reasoning import knowledge_for  # lazy: only a completing shell needs it
    kb = knowledge_for(getattr(parsed_args, "knowledge", None))
    return sorted({r.then.conclusion_id for r in kb.rules if r.then.conclusion_id.startswith(prefix)})


def _add_completion(sub) -> None:
    p = sub.add_parser("completion", help="print the shell completion script (bash, zsh, fish)")
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    p.set_defaults(handler=_completion)


def _completion(args: argparse.Namespace) -> int:
    import argcomplete  # lazy: only this command and a completing shell need it
    sys.stdout.write(argcomplete.shellcode(["ppexpert"], shell=args.shell))
    return 0


def _no_plugin_loader() -> None:
    """With plugins off, pydantic's plugin loader would still be imported on the first validation, and with it
    importlib.metadata (a tenth of a cold `assess`): stand in for it with a loader that finds no plugins, which is
    what the real one answers under PYDANTIC_DISABLE_PLUGINS=__all__. Only where plugins are off for the whole
    process and the loader has not been imported yet."""
    name = "pydantic.plugin._loader"
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") == "__all__" and name not in sys.modules:
        loader = types.ModuleType(name, "ppexpert's stand-in: no pydantic plugins in this process")
        loader.get_plugins = lambda: ()
        sys.modules[name] = loader


def main(argv: list[str] | None = None) -> int:
    # The command line's process is ppexpert's own: no pydantic plugin observes it, and looking for one (reading
    # every installed package's entry points on the first validation) cost a tenth of a cold `assess`.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _no_plugin_loader()
    parser = _parser(argv)
    if argv is None and "_ARGCOMPLETE" in os.environ:  # the shell asks for completions, then exits
        import argcomplete  # lazy: only a completing shell needs it
        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    as_json = getattr(args, "format", None) == "json"
    try:
        return handler(args)
    except InputError as error:
        if as_json:  # under --format json an error is JSON too, on stdout where the answer would have been
            emit_json({"error": "input", "exit_code": 2, "problems": [p.to_json() for p in error.problems]})
        else:
            print(error.render(), file=sys.stderr)
        return 2
    except EngineFailure as error:
        message = f"ppexpert: internal failure of the rule engine: {error}"
        if as_json:
            emit_json({"error": "internal", "exit_code": 1, "message": message})
        else:
            print(message, file=sys.stderr)
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



def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", dest="as_of",
                        help="judge against the law and facts of this day (default: the scenario's date)")


def as_of(args: argparse.Namespace):
    """The --as-of day, or None; a bad date is a user error (exit 2)."""
    text = getattr(args, "as_of", None)
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem(Span("<command line>"), ("--as-of",), f"--as-of {text!r} is not a date",
                                  "write it as YYYY-MM-DD, e.g. 2021-06-01", code="bad-date")]) from None
