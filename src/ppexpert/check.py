"""Check the knowledge base as a whole: every reference resolves, precedence is settled, the engine can take it.

Each problem names file:line:col, the YAML path, the rule or fact id, and a hint. All are reported in one pass.
"""
from __future__ import annotations

import itertools
import re

import networkx as nx

from .compile import LimitError, compile_rules
from .conditions import is_number, normalise_number
from .model import UNKNOWN, Condition, Rule
from .problems import Problem
from .rulegraph import reads_conclusion, rule_graph


def check_knowledge(kb) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_sources(kb)
    rule_problems = []
    for index, rule in enumerate(kb.rules):
        rule_problems += _check_rule(kb, rule)
    problems += rule_problems
    if not rule_problems:
        problems += _check_graph(kb)
        problems += _check_conflicts(kb)
        try:
            compile_rules(kb.rules, kb.scale)
        except LimitError as error:
            problems.append(Problem(kb.rules[0].span if kb.rules else kb.scale.span, ("rules",), str(error),
                                    "see ENGINE-NOTES: durable_rules hangs or crashes past this limit",
                                    code="engine-limit"))
    return problems


def _p(obj, path: tuple, message: str, hint: str, code: str, subject: str = "", severity: str = "error") -> Problem:
    return Problem(obj.span, path, message, hint, severity, subject, code)


def _check_sources(kb) -> list[Problem]:
    problems = []
    for provision in kb.provisions.values():
        if provision.source not in kb.sources:
            problems.append(_p(provision, (provision.id, "source"), f"unknown source '{provision.source}'",
                               "add it to knowledge/sources.yaml or fix the id", "unknown-source", provision.id))
    for baseline in kb.baselines.values():
        for index, value in enumerate(baseline.values):
            if value.source not in kb.sources:
                problems.append(_p(value, (baseline.id, "values", index, "source"), f"unknown source '{value.source}'",
                                   "add it to knowledge/sources.yaml or fix the id", "unknown-source", baseline.id))
        if baseline.values and baseline.values[0].value != baseline.value:
            problems.append(_p(baseline, (baseline.id, "values", 0), "the first source's value differs from `value`",
                               "list first the source whose value the knowledge base uses", "bad-shape", baseline.id))
        if baseline.disputed and not baseline.chosen_because:
            problems.append(_p(baseline, (baseline.id,), "sources disagree but `chosen_because` is missing",
                               "say why the knowledge base uses this value", "missing-key", baseline.id))
    for claim in kb.claims.values():
        if claim.source not in kb.sources:
            problems.append(_p(claim, (claim.id, "source"), f"unknown source '{claim.source}'",
                               "add it to knowledge/sources.yaml", "unknown-source", claim.id))
        for index, citation in enumerate(claim.record_sources):
            if citation.source not in kb.sources:
                problems.append(_p(citation, (claim.id, "record_sources", index), f"unknown source '{citation.source}'",
                                   "add it to knowledge/sources.yaml", "unknown-source", claim.id))
    from .derive import DERIVATIONS
    for parameter in kb.parameters.values():
        if parameter.derived and parameter.id not in DERIVATIONS:
            problems.append(_p(parameter, (parameter.id, "derived"), f"no derivation is defined for '{parameter.id}'",
                               f"derivations exist for: {', '.join(sorted(DERIVATIONS))}", "unknown-parameter",
                               parameter.id))
    return problems


def _conclusion_ids(kb) -> set[str]:
    return {rule.then.conclusion_id for rule in kb.rules}


def _check_rule(kb, rule: Rule) -> list[Problem]:
    problems = []
    subject = rule.id
    for index, ref in enumerate(rule.rests_on):
        if ref not in kb.provisions and ref not in kb.baselines:
            problems.append(_p(rule, ("rests_on", index), f"rule {rule.id} rests on unknown provision or baseline '{ref}'",
                               _suggest(ref, list(kb.provisions) + list(kb.baselines)), "unknown-reference", subject))
    if not rule.rests_on:
        problems.append(_p(rule, ("rests_on",), f"rule {rule.id} cites nothing", "name the provisions or baselines "
                           "it rests on under `rests_on:`", "uncited-rule", subject))
    then = rule.then
    if then.kind == "violation" and then.violation not in kb.provisions:
        problems.append(_p(then, ("then", "violation"), f"unknown provision '{then.violation}'",
                           _suggest(then.violation, list(kb.provisions)), "unknown-reference", subject))
    if then.kind == "violation" and then.violation not in rule.rests_on:
        problems.append(_p(then, ("then", "violation"), f"rule {rule.id} concludes a violation of {then.violation} "
                           "without resting on it", "add it to `rests_on`", "uncited-rule", subject))
    area = then.area_id
    if area is not None and area not in kb.areas:
        problems.append(_p(then, ("then", "risk" if then.risk else "area"), f"unknown area '{area}'",
                           f"areas: {', '.join(kb.areas)}", "unknown-reference", subject))
    if then.level is not None and then.level not in kb.scale.names:
        problems.append(_p(then, ("then", "level"), f"unknown level '{then.level}'",
                           f"levels, least to most severe: {', '.join(kb.scale.names)}", "bad-word", subject))
    for section in ("when", "unless"):
        for index, condition in enumerate(getattr(rule, section)):
            problems += _check_condition(kb, rule, condition, (section, index))
    for index, other in enumerate(rule.overrides):
        if other not in kb.rules_by_id:
            problems.append(_p(rule, ("overrides", index), f"rule {rule.id} overrides unknown rule {other}",
                               _suggest(other, list(kb.rules_by_id)), "dangling-override", subject))
        elif kb.rules_by_id[other].then.conclusion_id != then.conclusion_id:
            problems.append(_p(rule, ("overrides", index), f"rule {rule.id} overrides {other}, which concludes "
                               f"{kb.rules_by_id[other].then.conclusion_id}, not {then.conclusion_id}",
                               "an exception must conclude the same thing as the rule it overrides",
                               "dangling-override", subject))
    known = _template_names(kb) | {"level"}
    for name in re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because):
        if name not in known:
            problems.append(_p(rule, ("because",), f"the sentence uses unknown value '{{{name}}}'",
                               _suggest(name, sorted(known)), "unknown-reference", subject))
    return problems


def _template_names(kb) -> set[str]:
    names = set(kb.parameters) | set(kb.baselines)
    names |= {b.alias for b in kb.baselines.values() if b.alias}
    return names


def _check_condition(kb, rule: Rule, condition: Condition, path: tuple) -> list[Problem]:
    subject, op, operand = condition.subject, condition.op, condition.operand
    problems = []

    def bad(message: str, hint: str, code: str = "bad-condition") -> None:
        problems.append(_p(condition, path + (condition.subject_kind,), message, hint, code, rule.id))

    if condition.subject_kind == "conclusion":
        ids = _conclusion_ids(kb)
        matching = [c for c in ids if reads_conclusion(subject, c)]
        if not matching:
            bad(f"no rule concludes '{subject}'", _suggest(subject, sorted(ids)), "unknown-reference")
        elif op != "present":
            values = operand if isinstance(operand, list) else [operand]
            if any(v not in kb.scale.names for v in values):
                bad(f"'{operand}' is not a level", f"levels: {', '.join(kb.scale.names)}", "bad-word")
        return problems
    if condition.subject_kind == "fact":
        baseline = kb.baselines.get(subject)
        if baseline is None:
            bad(f"unknown baseline '{subject}'", _suggest(subject, list(kb.baselines)), "unknown-reference")
            return problems
        kind = "number" if is_number(baseline.value) else "boolean" if isinstance(baseline.value, bool) else "word"
        choices = None
    else:
        parameter = kb.parameters.get(subject)
        if parameter is None:
            bad(f"unknown parameter '{subject}'", _suggest(subject, list(kb.parameters)), "unknown-reference")
            return problems
        if parameter.type == "record":
            bad(f"'{subject}' is a record; test its derived values instead",
                "e.g. " + ", ".join(p for p, d in kb.parameters.items() if d.derived), "bad-condition")
            return problems
        kind = {"number": "number", "integer": "number", "boolean": "boolean", "choice": "word"}[parameter.type]
        choices = parameter.choices
    values = operand if isinstance(operand, list) else [operand]
    for value in values:
        if value == UNKNOWN or value is None:
            continue
        if op in ("at_least", "at_most", "above", "below") or kind == "number":
            if not is_number(value):
                bad(f"{subject} is a number; {value!r} is not", "compare with a number, e.g. `at_least: 10`",
                    "wrong-type")
            elif normalise_number(value) != value:
                bad(f"{value!r} has more precision than the engine keeps", "write at most 4 decimals, below 1e16",
                    "bad-number")
        elif kind == "boolean" and not isinstance(value, bool):
            bad(f"{subject} is true or false; {value!r} is not", "write `is: true` or `is: false`", "wrong-type")
        elif kind == "word" and choices and value not in choices:
            bad(f"'{value}' is not an allowed value of {subject}", f"allowed: {', '.join(choices)}, unknown", "bad-word")
    if kind != "number" and op in ("at_least", "at_most", "above", "below"):
        bad(f"{subject} is not a number; `{op}` needs one", "use `is` or `in`", "wrong-type")
    return problems


def _check_graph(kb) -> list[Problem]:
    problems = []
    graph = rule_graph(kb.rules)
    rules = kb.rules_by_id
    for cycle in sorted(nx.simple_cycles(graph), key=sorted)[:20]:
        first = rules[sorted(cycle)[0]]
        problems.append(_p(first, (), "rules depend on each other in a cycle: " + " -> ".join(cycle + cycle[:1]),
                           "break the cycle: a rule may not depend, through conclusions or overrides, on itself",
                           "cycle", first.id))
    return problems


def _check_conflicts(kb) -> list[Problem]:
    """Two rules that may both conclude different levels for one risk need precedence between them."""
    problems = []
    graph = rule_graph(kb.rules)
    overrides = nx.DiGraph([(r.id, o) for r in kb.rules for o in r.overrides])
    by_conclusion: dict[str, list[Rule]] = {}
    for rule in kb.rules:
        if rule.then.level is not None:
            by_conclusion.setdefault(rule.then.conclusion_id, []).append(rule)
    for conclusion_id, rules in by_conclusion.items():
        for a, b in itertools.combinations(rules, 2):
            if a.then.level == b.then.level or _disjoint(a, b):
                continue
            if a.id in overrides and b.id in overrides and (
                    nx.has_path(overrides, a.id, b.id) or nx.has_path(overrides, b.id, a.id)):
                continue
            problems.append(_p(b, ("then",), f"rules {a.id} ({a.span}) and {b.id} ({b.span}) may both apply and "
                               f"conclude {conclusion_id} = {a.then.level} and = {b.then.level}, with no precedence",
                               f"add `overrides: [{a.id}]` to {b.id} (or the reverse), or make their conditions exclusive",
                               "conflict", b.id))
    del graph
    return problems


def _disjoint(a: Rule, b: Rule) -> bool:
    """True when some input tested by both rules can never satisfy both tests at once."""
    for ca in a.when:
        for cb in b.when:
            if ca.subject_kind != "input" or cb.subject_kind != "input" or ca.subject != cb.subject:
                continue
            if _never_both(ca, cb):
                return True
    return False


def _never_both(a: Condition, b: Condition) -> bool:
    sa, sb = _as_set(a), _as_set(b)
    if sa is not None and sb is not None:
        return not (sa & sb)
    ia, ib = _as_interval(a), _as_interval(b)
    if ia and ib:
        return _empty(ia, ib)
    if (sa is not None and ib) or (sb is not None and ia):
        words, interval = (sa, ib) if sa is not None else (sb, ia)
        return not any(kind == "n" and _empty((value, True, value, True), interval) is False for kind, value in words)
    return False


def _as_set(c: Condition):
    if c.op == "is":
        return {_key(c.operand)}
    if c.op == "in":
        return {_key(v) for v in c.operand}
    return None


def _key(value):
    return ("n", float(value)) if is_number(value) else (type(value).__name__, value)


def _as_interval(c: Condition):
    """(low, low_closed, high, high_closed) for a numeric comparison."""
    if not is_number(c.operand):
        return None
    inf = float("inf")
    return {"at_least": (c.operand, True, inf, False), "above": (c.operand, False, inf, False),
            "at_most": (-inf, False, c.operand, True), "below": (-inf, False, c.operand, False)}.get(c.op)


def _empty(a: tuple, b: tuple) -> bool:
    """Whether two intervals share no number."""
    low = max(a[0], b[0])
    low_closed = all(i[1] for i in (a, b) if i[0] == low)
    high = min(a[2], b[2])
    high_closed = all(i[3] for i in (a, b) if i[2] == high)
    return low > high or (low == high and not (low_closed and high_closed))


def _suggest(name: str, known: list[str]) -> str:
    import difflib
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return "known ids: " + ", ".join(sorted(known)[:12]) + (" ..." if len(known) > 12 else "")
