"""Check the knowledge base as a whole: every reference resolves, precedence is settled, every rule can fire,
the engine can take it.

Each problem names file:line:col, the YAML path, the rule or fact id, and a hint. All are reported in one pass,
also past files with structural errors (references into a broken file are then not reported as unknown).
One module per family of checks; this driver runs them in order.
"""
from __future__ import annotations

from pathlib import Path

from ppexpert.check._common import _conclusion_ids
from ppexpert.check.conflicts import check_conflicts
from ppexpert.check.facts import check_facts, check_unused
from ppexpert.check.floors import check_floors
from ppexpert.check.limits import MAX_TESTS_PER_NODE, MAX_THRESHOLD_TESTS, check_limits
from ppexpert.check.reachability import check_never_fires
from ppexpert.check.rules import check_graph, check_rule
from ppexpert.engine.compile import LimitError, compile_rules
from ppexpert.knowledge.base import KnowledgeBase, collect_knowledge
from ppexpert.knowledge.problems import InputError, Problem

__all__ = ["check_knowledge", "load_knowledge", "MAX_TESTS_PER_NODE", "MAX_THRESHOLD_TESTS"]


def load_knowledge(root: Path | str | None = None, *, check: bool = True) -> KnowledgeBase:
    """Load and check the knowledge base; raise InputError with every problem found."""
    kb, problems = collect_knowledge(root)
    if check and not problems:
        problems += check_knowledge(kb)
    errors = [p for p in problems if p.severity == "error"]
    kb.warnings = [p for p in problems if p.severity != "error"]
    if errors:
        raise InputError(sorted(problems, key=Problem.sort_key))
    return kb


def check_knowledge(kb, partial: bool = False) -> list[Problem]:
    """Every cross-file problem of a loaded knowledge base. `partial`: some files failed to load."""
    problems: list[Problem] = []
    problems += check_facts(kb)
    concluded = _conclusion_ids(kb)
    for rule in kb.rules:
        problems += check_rule(kb, rule, concluded)
    problems += check_graph(kb)
    problems += check_conflicts(kb)
    problems += check_floors(kb)
    problems += check_never_fires(kb)
    problems += check_limits(kb)
    if not partial:
        problems += check_unused(kb)
    if not any(p.severity == "error" for p in problems) and not partial and kb.scale is not None:
        try:  # the compiler's own guard, in case a limit slipped past the checks above
            # kept for plan_of (reasoning/prepared.py), which compiles the same rules again otherwise
            kb.__dict__["_checked_compiled"] = (tuple(kb.rules), kb.scale, compile_rules(kb.rules, kb.scale))
        except LimitError as error:
            problems.append(Problem(kb.rules[0].span if kb.rules else kb.scale.span, ("rules",), str(error),
                                    "see ENGINE-NOTES: durable_rules hangs or crashes past this limit",
                                    code="engine-limit"))
    return problems
