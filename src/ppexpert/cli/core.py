"""The core commands: assess, why, why-not, what-if."""
from __future__ import annotations

import argparse
from pathlib import Path

from ppexpert.cli import add_as_of, add_format, as_of, emit_json
from ppexpert.knowledge.base import find_knowledge
from ppexpert.knowledge.shipped import examples
from ppexpert.knowledge.yamlfile import load_document
from ppexpert.present.text import (
    console,
    render_assessment,
    render_what_if,
    render_why,
    render_why_not,
)
from ppexpert.reasoning import assess


def add(sub) -> None:
    p = sub.add_parser("assess", help="assess a scenario: risks per area, violations, consequences")
    p.add_argument("scenario", help="a scenario YAML file, or an example plan's id (`ppexpert examples`)")
    add_format(p)
    add_as_of(p)
    p.set_defaults(handler=_assess)

    p = sub.add_parser("examples", help="list the example plans, by the id that assess, report and serve accept")
    add_format(p)
    p.set_defaults(handler=_examples)

    p = sub.add_parser("why", help="why a conclusion holds: its derivation down to the cited articles")
    p.add_argument("scenario")
    p.add_argument("conclusion", help="a conclusion id, e.g. risk.accountability")
    add_format(p)
    add_as_of(p)
    p.set_defaults(handler=_why)

    p = sub.add_parser("why-not", help="why a conclusion (or a level of it) does not hold")
    p.add_argument("scenario")
    p.add_argument("conclusion", help="a conclusion id, optionally with a level: risk.sovereignty=critical")
    add_format(p)
    add_as_of(p)
    p.set_defaults(handler=_why_not)

    p = sub.add_parser("what-if", help="the smallest change of one input that changes a conclusion")
    p.add_argument("scenario")
    p.add_argument("conclusion")
    add_format(p)
    add_as_of(p)
    p.set_defaults(handler=_what_if)


def _examples(args: argparse.Namespace) -> int:
    found = examples(Path(args.knowledge) if args.knowledge else find_knowledge())
    rows = [{"id": name, "title": str(load_document(path).data.get("title", "")), "file": str(path)}
            for name, path in found.items()]
    if args.format == "json":
        emit_json({"examples": rows})
    else:
        width = max((len(r["id"]) for r in rows), default=0)
        for row in rows:
            print(f"{row['id']:<{width}}  {row['title']}")
    return 0


def _assess(args: argparse.Namespace) -> int:
    return _show(args, assess(args.scenario, args.knowledge, as_of(args)).to_json(), render_assessment)


def _why(args: argparse.Namespace) -> int:
    return _show(args, assess(args.scenario, args.knowledge, as_of(args)).why(args.conclusion), render_why)


def _why_not(args: argparse.Namespace) -> int:
    conclusion, _, level = args.conclusion.partition("=")
    result = assess(args.scenario, args.knowledge, as_of(args)).why_not(conclusion, level or None)
    return _show(args, result, render_why_not)


def _what_if(args: argparse.Namespace) -> int:
    return _show(args, assess(args.scenario, args.knowledge, as_of(args)).what_if(args.conclusion), render_what_if)


def _show(args: argparse.Namespace, document: dict, render) -> int:
    """One document, as JSON or rendered for the terminal."""
    if args.format == "json":
        emit_json(document)
    else:
        render(document, console())
    return 0
