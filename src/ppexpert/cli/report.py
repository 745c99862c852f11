"""The report commands: `report` (annotated Markdown, HTML or JSON; two or more scenarios are compared) and
`graph` (the trace as DOT, GraphML or node-link JSON)."""
# Imports inside the handlers are lazy, for start-up speed: each command loads only what it needs.
from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

from ppexpert.cli import add_as_of, as_of
from ppexpert.knowledge.problems import InputError, Problem, Span


def add(sub) -> None:
    p = sub.add_parser("report", help="an annotated report (md, html, json); two or more scenarios are compared",
                       description="Write the annotated report of a scenario: summary, every conclusion with its "
                                   "citations and derivation, facts and sources. Give two or more scenarios to "
                                   "compare them. The format follows the output file's suffix unless --format is "
                                   "given; without -o the report goes to standard output (Markdown by default).")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files, in the order to compare")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (.md, .html, .json); default stdout")
    p.add_argument("--format", choices=("md", "html", "json"), help="output format (default: from the suffix)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="a date to print on the report (none unless given)")
    add_as_of(p)
    p.set_defaults(handler=_report)

    p = sub.add_parser("graph", help="the derivation of one conclusion as a picture (svg), or the whole trace",
                       description="With a CONCLUSION: its derivation in words (rule titles, inputs with their values "
                                   "and plan points, baselines, the cited articles as leaves, overridden rules "
                                   "dashed), laid out by Graphviz, as .svg (needs Graphviz's dot) or .dot. Without: "
                                   "the assessment's whole trace (inputs and facts -> rule firings -> conclusions, "
                                   "with provisions and sources) sorted, as dot, graphml or json.")
    p.add_argument("scenario", help="a scenario YAML file, or an example plan's id")
    p.add_argument("conclusion", nargs="?", help="a conclusion id, e.g. risk.defence")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (.svg, .dot, .gv, .graphml, .json); default "
                   "stdout")
    p.add_argument("--format", choices=("svg", "dot", "graphml", "json"), help="default: from the suffix")
    add_as_of(p)
    p.set_defaults(handler=_graph)
    add_site(sub)


def add_site(sub) -> None:
    p = sub.add_parser("site", help="the knowledge base as a browsable static site (one page per source, article, "
                                    "baseline, input, rule and shipped plan)",
                       description="Write every source, provision, baseline, parameter and rule of the knowledge "
                                   "base as a static HTML page, cross-linked both ways (rules resting on an article, "
                                   "plans setting an input), with the sources' claims set against the record. The "
                                   "same pages are served under /kb by `ppexpert serve`.")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="the folder to write (made if missing)")
    p.set_defaults(handler=_site)


def _site(args: argparse.Namespace) -> int:
    from ppexpert.knowledge.shipped import examples
    from ppexpert.knowledge.xref import cross_references, load_plans
    from ppexpert.present.site import build_site, write_site
    from ppexpert.reasoning import knowledge_for

    kb = knowledge_for(args.knowledge)
    plans, failed = load_plans(kb, examples(kb.root))
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise _command_line_problem(f"{folder} is a file, not a folder", "give -o a folder (made if missing)",
                                    code="bad-output")
    try:
        written, stale = write_site(build_site(kb, cross_references(kb, plans)), folder)
    except OSError as error:
        raise _command_line_problem(f"cannot write {folder}: {error.strerror}",
                                    "check that the folder is writable", code="bad-output") from None
    for pid in failed:
        print(f"ppexpert: the plan {pid} does not load against this knowledge base; left out of the site "
              f"(ppexpert check shows why)", file=sys.stderr)
    removed = f"; removed {len(stale)} pages of an earlier site that no longer exist" if stale else ""
    print(f"wrote {len(written)} pages to {folder} (open {folder / 'index.html'}){removed}", file=sys.stderr)
    return 0


def _command_line_problem(message: str, hint: str, code: str) -> InputError:
    return InputError([Problem(Span("<command line>"), (), message, hint, code=code)])


def _resolve_format(output: str | None, explicit: str | None, format_for, suffixes: dict) -> str:
    fmt = format_for(output, explicit)
    if fmt is None:
        known = ", ".join(sorted(suffixes))
        raise _command_line_problem(f"cannot tell the output format from '{output}'",
                                    f"use one of the suffixes {known}, or give --format", code="bad-output")
    return fmt


def _date(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _command_line_problem(f"--date {text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-11-26",
                                    code="bad-date") from None


def _assess_all(paths: list[str], knowledge: str | None, day=None) -> list:
    """Assess every scenario against one knowledge base; report the problems of all files at once."""
    from ppexpert.reasoning import assess, knowledge_for

    kb = knowledge_for(knowledge, Path(paths[0]).parent)
    assessments, problems = [], []
    for path in paths:
        try:
            assessments.append(assess(path, kb, day))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(sorted(problems, key=Problem.sort_key))
    return assessments


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as error:
        raise _command_line_problem(f"cannot write {output}: {error.strerror}",
                                    "check that the folder exists and is writable", code="bad-output") from None
    print(f"wrote {output}", file=sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from ppexpert.present import report

    output = None if args.output == "-" else args.output
    fmt = _resolve_format(output, args.format, report.format_for, report.SUFFIXES)
    date = _date(args.date)
    assessments = _assess_all(args.scenarios, args.knowledge, as_of(args))
    document = report.build_report(assessments, date=date)
    pictures = report.derivation_pictures(assessments, document) if fmt == "html" else None
    _write(report.render_report(document, fmt, pictures), output)
    return 0


def _graph(args: argparse.Namespace) -> int:
    from ppexpert.present import graph_export

    output = None if args.output == "-" else args.output
    if args.conclusion:
        return _derivation(args, output)
    fmt = _resolve_format(output, args.format, graph_export.format_for, graph_export.SUFFIXES)
    if fmt == "svg":
        raise _command_line_problem("an svg picture is of one conclusion", "name it: ppexpert graph PLAN risk.defence "
                                    "-o defence.svg", code="bad-output")
    assessment = _assess_all([args.scenario], args.knowledge, as_of(args))[0]
    _write(graph_export.export(assessment.graph, fmt, name=assessment.scenario.id), output)
    return 0


def _derivation(args: argparse.Namespace, output: str | None) -> int:
    from ppexpert.present import derivation

    fmt = args.format or {".svg": "svg", ".dot": "dot", ".gv": "dot"}.get(Path(output or ".svg").suffix.lower())
    if fmt not in ("svg", "dot"):
        raise _command_line_problem(f"a conclusion's picture is .svg or .dot, not '{output}'",
                                    "write -o NAME.svg (or .dot)", code="bad-output")
    assessment = _assess_all([args.scenario], args.knowledge, as_of(args))[0]
    _write(derivation.render(derivation.derivation_graph(assessment, args.conclusion), fmt), output)
    return 0
