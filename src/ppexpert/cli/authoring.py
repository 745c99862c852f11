"""Commands for researchers who write rules: init, check, test, schema."""
# Imports inside the handlers are lazy, for start-up speed: each command loads only what it needs.
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ppexpert.cli import emit_json


def add(sub) -> None:
    p = sub.add_parser("check", help="check the knowledge base (and scenario or test-case files): every problem "
                       "with file:line:col and a hint", description="Check a knowledge folder and, against it, "
                       "scenario files and test-case files. With no PATH: the project's knowledge/ folder, "
                       "examples/*.yaml and tests/cases/*.yaml beside it. Exit 2 when there is any error; "
                       "warnings alone exit 0.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="a knowledge folder, scenario files, test-case files")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_check)

    p = sub.add_parser("test", help="run the YAML test cases (tests/cases/*.yaml)")
    p.add_argument("files", nargs="*", metavar="FILE", help="case files (default: tests/cases/*.yaml)")
    p.add_argument("--coverage", action="store_true", help="list the rules that no case makes fire")
    p.add_argument("-k", dest="keyword", help="run only the cases whose name contains this text")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_test)

    p = sub.add_parser("init", help="start your own knowledge project: the shipped knowledge base to extend, one "
                       "example, one test case, schemas and editor settings")
    p.add_argument("folder", metavar="DIR", help="a new (or empty) folder")
    p.set_defaults(handler=_init)

    p = sub.add_parser("schema", help="write the JSON Schemas of the knowledge, scenario and test-case files")
    p.add_argument("-o", "--output", metavar="DIR", default="schemas", help="where to write them (default schemas/)")
    p.add_argument("--annotate", nargs="*", metavar="PATH", help="instead: add or update the first-line "
                   "`# yaml-language-server: $schema=...` comment of YAML files (default: knowledge/, examples/, "
                   "tests/cases/)")
    p.add_argument("--check", action="store_true", help="exit 1 when the files in DIR are not up to date")
    p.set_defaults(handler=_schema)


def _init(args: argparse.Namespace) -> int:
    from ppexpert.authoring.init import start_project
    for path in start_project(Path(args.folder)):
        print(f"created {path}{'/' if path.is_dir() else ''}")
    print(f"next: cd {args.folder} && ppexpert test && ppexpert assess examples/seed-calculator.yaml")
    return 0


def _project_root(knowledge: Path) -> Path:
    return knowledge.resolve().parent


def _knowledge_folder(folder: Path) -> Path:
    """A knowledge folder, or a project folder holding one."""
    if not (folder / "parameters.yaml").is_file() and (folder / "knowledge" / "parameters.yaml").is_file():
        return folder / "knowledge"
    return folder


def _check(args: argparse.Namespace) -> int:
    from ppexpert.authoring.project import check_project
    from ppexpert.knowledge.base import find_knowledge
    folders = [_knowledge_folder(Path(p)) for p in args.paths if Path(p).is_dir()]
    files = [Path(p) for p in args.paths if not Path(p).is_dir()]
    knowledge = folders[0] if folders else Path(args.knowledge) if args.knowledge else find_knowledge()
    if not args.paths:
        root = _project_root(knowledge)
        files = sorted((root / "examples").glob("*.yaml")) + sorted((root / "tests" / "cases").glob("*.yaml"))
    report = check_project(knowledge, files)
    if args.format == "json":
        emit_json(report.to_json())
    else:
        sys.stdout.write(report.render())
    return 2 if report.errors else 0


def _test(args: argparse.Namespace) -> int:
    from ppexpert.authoring.cases import default_case_files, render_run, run_case_files, run_json
    from ppexpert.knowledge.base import find_knowledge
    knowledge = Path(args.knowledge) if args.knowledge else find_knowledge()
    files = [Path(f) for f in args.files] or default_case_files(_project_root(knowledge))
    run = run_case_files(files, args.knowledge, keyword=args.keyword)
    if args.format == "json":
        emit_json(run_json(run, coverage=args.coverage))
    else:
        sys.stdout.write(render_run(run, coverage=args.coverage))
    return run.exit_code


def _schema(args: argparse.Namespace) -> int:
    from ppexpert.authoring.schema import annotate, write_schemas
    if args.annotate is not None:
        from ppexpert.knowledge.base import find_knowledge
        root = _project_root(Path(args.knowledge) if args.knowledge else find_knowledge())
        targets = [Path(p) for p in args.annotate] or [root / "knowledge", root / "examples", root / "tests" / "cases"]
        changed = annotate(targets, Path(args.output) if args.output != "schemas" else root / "schemas")
        for path in changed:
            print(f"annotated {path}")
        print(f"{len(changed)} file{'s' if len(changed) != 1 else ''} changed")
        return 0
    from ppexpert.knowledge.base import find_knowledge
    stale = write_schemas(Path(args.output), check_only=args.check,
                          knowledge=Path(args.knowledge) if args.knowledge else find_knowledge())
    if args.check:
        for name in stale:
            print(f"out of date: {Path(args.output) / name}")
        return 1 if stale else 0
    for name in stale:
        print(f"wrote {Path(args.output) / name}")
    return 0
