"""Check the knowledge base as a whole: every reference resolves, precedence is settled, every rule can fire,
the engine can take it. `ppexpert check` also checks scenario and test-case files against it.

Each problem names file:line:col, the YAML path, the rule or fact id, and a hint. All are reported in one pass,
also past files with structural errors (references into a broken file are then not reported as unknown).
"""
from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .compile import MAX_CONDITIONS, MAX_IDENTICAL_PATTERNS, MAX_RULES, LimitError, compile_rules
from .conditions import describe, is_number, normalise_number, show_value, value_holds
from .model import UNKNOWN, Condition, Rule
from .problems import InputError, Problem, Span
from .rulegraph import reads_conclusion, rule_graph

# durable_rules 2.0.28 limits under one node of its network, measured on compiled rulesets: 511 distinct
# equality tests on one input run, 512 make create_ruleset hang (so do 512 distinct inputs with one test each);
# 63 threshold tests holding at once on one input run, 64 abort the process ("free(): invalid pointer"),
# whether or not other inputs carry thresholds of their own; 64 thresholds of which few hold run. The compiled patterns test `t`, then the subject's
# name `n`, then its value: the `t` node's children are the distinct subjects of one kind, a name node's
# children the distinct tests on that subject.
MAX_TESTS_PER_NODE = 511
MAX_THRESHOLD_TESTS = 63
_THRESHOLDS = ("at_least", "at_most", "above", "below")


# ---------------------------------------------------------------- the whole project, for `ppexpert check`


@dataclass
class CheckReport:
    """What `ppexpert check` found: every problem, and the files it read."""

    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        return (f"checked {len(self.files)} file{'s' if len(self.files) != 1 else ''}: "
                f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")

    def render(self) -> str:
        body = [p.render() for p in self.problems]
        return "\n".join(body + [self.summary()]) + "\n"

    def to_json(self) -> dict:
        return {"files": self.files, "errors": len(self.errors), "warnings": len(self.warnings),
                "problems": [p.to_json() for p in self.problems]}


def check_project(knowledge: Path | str | None = None, files: list[Path | str] = ()) -> CheckReport:
    """Check a knowledge folder and, against it, scenario files and test-case files (`cases:` at the top)."""
    from .knowledge import collect_knowledge, find_knowledge
    root = Path(knowledge) if knowledge is not None else find_knowledge()
    kb, problems = collect_knowledge(root)
    problems += check_knowledge(kb, partial=bool(problems))
    report = CheckReport(files=sorted(kb.documents) + sorted(_unread(problems, kb)))
    for path in files:
        problems += _check_file(kb, Path(path), blocked=bool([p for p in problems if p.severity == "error"]))
        report.files.append(_shown(path))
    report.problems = sorted(_unique(problems), key=Problem.sort_key)
    return report


def _unread(problems: list[Problem], kb) -> set[str]:
    return {p.span.file for p in problems if p.code in ("yaml-syntax", "unreadable-file")} - set(kb.documents)


def _shown(path) -> str:
    from .yamlfile import _display
    return _display(path)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _check_file(kb, path: Path, blocked: bool) -> list[Problem]:
    """A scenario or a test-case file, checked against the knowledge base."""
    from .yamlfile import load_document
    try:
        doc = load_document(path)
    except InputError as error:
        return error.problems
    if isinstance(doc.data, dict) and "cases" in doc.data:
        from .cases import check_case_document
        return check_case_document(doc, kb, run=False)
    if blocked:
        return []  # a scenario is only meaningful against a knowledge base that loads
    from .scenario import scenario_from_document
    try:
        scenario_from_document(doc, kb)
    except InputError as error:
        return error.problems
    return []


# ---------------------------------------------------------------- the knowledge base


def check_knowledge(kb, partial: bool = False) -> list[Problem]:
    """Every cross-file problem of a loaded knowledge base. `partial`: some files failed to load."""
    problems: list[Problem] = []
    problems += _check_facts(kb)
    rule_problems = []
    for rule in kb.rules:
        rule_problems += _check_rule(kb, rule)
    problems += rule_problems
    problems += _check_graph(kb)
    problems += _check_conflicts(kb)
    problems += _check_never_fires(kb)
    problems += _check_limits(kb)
    if not partial:
        problems += _check_unused(kb)
    if not any(p.severity == "error" for p in problems) and not partial and kb.scale is not None:
        try:  # the compiler's own guard, in case a limit slipped past the checks above
            compile_rules(kb.rules, kb.scale)
        except LimitError as error:
            problems.append(Problem(kb.rules[0].span if kb.rules else kb.scale.span, ("rules",), str(error),
                                    "see ENGINE-NOTES: durable_rules hangs or crashes past this limit",
                                    code="engine-limit"))
    return problems


def _at(kb, obj, rel: tuple = ()) -> Span:
    doc = kb.documents.get(obj.span.file)
    path = obj.yaml_path + tuple(rel)
    return doc.span(path) if doc is not None and path else obj.span


def _p(kb, obj, rel: tuple, message: str, hint: str, code: str, subject: str = "",
       severity: str = "error") -> Problem:
    """A problem at the node `rel` below the YAML node `obj` was read from."""
    return Problem(_at(kb, obj, rel), obj.yaml_path + tuple(rel), message, hint, severity, subject, code)


def _uncertain(kb, kind: str, name: str) -> bool:
    """Whether `name` may exist in a file that could not be read or an entry that failed validation."""
    return name in kb.failed_ids or kind in kb.unreadable


def _unknown_source(kb, obj, rel: tuple, source: str, subject: str) -> list[Problem]:
    if source in kb.sources or _uncertain(kb, "sources", source):
        return []
    return [_p(kb, obj, rel, f"unknown source '{source}'",
               f"add it to knowledge/sources.yaml or fix the id; {_suggest(source, list(kb.sources))}",
               "unknown-source", subject)]


def _check_facts(kb) -> list[Problem]:
    problems = []
    for provision in kb.provisions.values():  # `source:` sits at the top of the provisions file
        problems += _unknown_source(kb, _FileTop(provision), ("source",), provision.source, provision.id)
    for baseline in kb.baselines.values():
        for index, value in enumerate(baseline.values):
            problems += _unknown_source(kb, value, ("source",), value.source, baseline.id)
        if baseline.values and baseline.values[0].value != baseline.value:
            problems.append(_p(kb, baseline, ("values", 0), "the first source's value differs from `value`",
                               "list first the source whose value the knowledge base uses", "bad-shape", baseline.id))
        if baseline.disputed and not baseline.chosen_because:
            problems.append(_p(kb, baseline, (), "sources disagree but `chosen_because` is missing",
                               "say why the knowledge base uses this value", "missing-key", baseline.id))
    for claim in kb.claims.values():
        problems += _unknown_source(kb, claim, ("source",), claim.source, claim.id)
        for citation in claim.record_sources:
            problems += _unknown_source(kb, citation, ("source",), citation.source, claim.id)
        for index, ref in enumerate(claim.about):
            if not _exists(kb, ref, ("provisions", "baselines", "parameters")):
                problems.append(_p(kb, claim, ("about", index), f"claim {claim.id} is about unknown '{ref}'",
                                   _suggest(ref, [*kb.provisions, *kb.baselines, *kb.parameters]),
                                   "unknown-reference", claim.id))
    from .derive import DERIVATIONS
    for parameter in kb.parameters.values():
        if parameter.derived and parameter.id not in DERIVATIONS:
            problems.append(_p(kb, parameter, ("derived",), f"no derivation is defined for '{parameter.id}'",
                               f"derivations exist for: {', '.join(sorted(DERIVATIONS))}", "unknown-parameter",
                               parameter.id))
    for area in kb.areas.values():
        if area.dial is not None and not _exists(kb, area.dial, ("parameters",)):
            problems.append(_p(kb, area, ("dial",), f"area {area.id} has unknown dial parameter '{area.dial}'",
                               _suggest(area.dial, list(kb.parameters)), "unknown-reference", area.id))
    return problems


class _FileTop:
    """The top of the file an object was read from (for keys shared by all its entries)."""

    yaml_path: tuple = ()

    def __init__(self, obj) -> None:
        self.span = Span(obj.span.file, 1, 1)


def _exists(kb, ref: str, kinds: tuple) -> bool:
    return any(ref in getattr(kb, kind) or _uncertain(kb, kind, ref) for kind in kinds)


def _conclusion_ids(kb) -> set[str]:
    return {rule.then.conclusion_id for rule in kb.rules}


def _check_rule(kb, rule: Rule) -> list[Problem]:
    problems = []
    subject = rule.id
    for index, ref in enumerate(rule.rests_on):
        if not _exists(kb, ref, ("provisions", "baselines")):
            problems.append(_p(kb, rule, ("rests_on", index), f"rule {rule.id} rests on unknown provision or "
                               f"baseline '{ref}'", _suggest(ref, [*kb.provisions, *kb.baselines]),
                               "unknown-reference", subject))
    if not rule.rests_on:
        problems.append(_p(kb, rule, ("id",), f"rule {rule.id} cites nothing", "name the provisions or baselines "
                           "it rests on under `rests_on:`", "uncited-rule", subject))
    then = rule.then
    if then.kind == "violation" and not _exists(kb, then.violation, ("provisions",)):
        problems.append(_p(kb, then, ("violation",), f"unknown provision '{then.violation}'",
                           _suggest(then.violation, list(kb.provisions)), "unknown-reference", subject))
    if then.kind == "violation" and then.violation not in rule.rests_on:
        problems.append(_p(kb, then, ("violation",), f"rule {rule.id} concludes a violation of {then.violation} "
                           "without resting on it", "add it to `rests_on`", "uncited-rule", subject))
    area = then.area_id
    if area is not None and not _exists(kb, area, ("areas",)):
        problems.append(_p(kb, then, ("risk" if then.risk else "area",), f"unknown area '{area}'",
                           f"areas: {', '.join(kb.areas)}", "unknown-reference", subject))
    if then.level is not None and kb.scale is not None and then.level not in kb.scale.names:
        problems.append(_p(kb, then, ("level",), f"unknown level '{then.level}'",
                           f"levels, least to most severe: {', '.join(kb.scale.names)}", "bad-word", subject))
    for section in ("when", "unless"):
        for condition in getattr(rule, section):
            problems += _check_condition(kb, rule, condition)
    if rule.unless_reason and not rule.unless:
        problems.append(_p(kb, rule, ("unless_reason",), f"rule {rule.id} gives an `unless_reason` but no `unless`",
                           "add the exception's conditions under `unless:`, or remove the reason",
                           "bad-shape", subject))
    for index, other in enumerate(rule.overrides):
        if other not in kb.rules_by_id:
            if not _uncertain(kb, "rules", other):
                problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides unknown rule {other}",
                                   _suggest(other, list(kb.rules_by_id)), "dangling-override", subject))
        elif kb.rules_by_id[other].then.conclusion_id != then.conclusion_id:
            problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides {other}, which concludes "
                               f"{kb.rules_by_id[other].then.conclusion_id}, not {then.conclusion_id}",
                               "an exception must conclude the same thing as the rule it overrides",
                               "dangling-override", subject))
        elif other == rule.id:
            problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides itself",
                               "remove it from `overrides`", "dangling-override", subject))
    known = _template_names(kb) | {"level"}
    for name in re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because):
        if name not in known and not _uncertain(kb, "parameters", name) and not _uncertain(kb, "baselines", name):
            problems.append(_p(kb, rule, ("because",), f"the sentence uses unknown value '{{{name}}}'",
                               _suggest(name, sorted(known)), "unknown-reference", subject))
    return problems


def _template_names(kb) -> set[str]:
    names = set(kb.parameters) | set(kb.baselines)
    names |= {b.alias for b in kb.baselines.values() if b.alias}
    return names


def _check_condition(kb, rule: Rule, condition: Condition) -> list[Problem]:
    subject, op, operand = condition.subject, condition.op, condition.operand
    problems = []

    def bad(message: str, hint: str, code: str = "bad-condition", at: str | None = None) -> None:
        problems.append(_p(kb, condition, (at or condition.subject_kind,), message, hint, code, rule.id))

    if condition.subject_kind == "conclusion":
        ids = _conclusion_ids(kb)
        matching = [c for c in ids if reads_conclusion(subject, c)]
        if not matching:
            if not ("rules" in kb.unreadable or any(reads_conclusion(subject, i) for i in kb.failed_ids)):
                bad(f"no rule concludes '{subject}'", _suggest(subject, sorted(ids)), "unknown-reference")
        elif op != "present" and kb.scale is not None:
            values = operand if isinstance(operand, list) else [operand]
            if any(v not in kb.scale.names for v in values):
                bad(f"'{show_value(operand)}' is not a level", f"levels: {', '.join(kb.scale.names)}", "bad-word", op)
        return problems
    if condition.subject_kind == "fact":
        baseline = kb.baselines.get(subject)
        if baseline is None:
            if not _uncertain(kb, "baselines", subject):
                bad(f"unknown baseline '{subject}'", _suggest(subject, list(kb.baselines)), "unknown-reference")
            return problems
        kind = "number" if is_number(baseline.value) else "boolean" if isinstance(baseline.value, bool) else "word"
        choices = None
    else:
        parameter = kb.parameters.get(subject)
        if parameter is None:
            if not _uncertain(kb, "parameters", subject):
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
        if op in _THRESHOLDS or kind == "number":
            if not is_number(value):
                bad(f"{subject} is a number; {value!r} is not", "compare with a number, e.g. `at_least: 10`",
                    "wrong-type", op)
            elif normalise_number(value) != value:
                bad(f"{value!r} has more precision than the engine keeps", "write at most 4 decimals, below 1e16",
                    "bad-number", op)
        elif kind == "boolean" and not isinstance(value, bool):
            bad(f"{subject} is true or false; {value!r} is not", "write `is: true` or `is: false`", "wrong-type", op)
        elif kind == "word" and choices and value not in choices:
            bad(f"'{value}' is not an allowed value of {subject}", f"allowed: {', '.join(choices)}, unknown; "
                "as written the test never holds", "bad-word", op)
    if kind != "number" and op in _THRESHOLDS:
        bad(f"{subject} is not a number; `{op}` needs one", "use `is` or `in`", "wrong-type", op)
    return problems


# ---------------------------------------------------------------- the rule graph


def _check_graph(kb) -> list[Problem]:
    problems = []
    graph = rule_graph(kb.rules)
    rules = kb.rules_by_id
    cycles = [cycle[cycle.index(min(cycle)):] + cycle[:cycle.index(min(cycle))] for cycle in nx.simple_cycles(graph)]
    for cycle in sorted(cycles)[:20]:  # each starts at its first id: the same text on every run
        first = rules[cycle[0]]
        problems.append(_p(kb, first, ("id",), "rules depend on each other in a cycle: " + " -> ".join(cycle + cycle[:1]),
                           "break the cycle: a rule may not depend, through conclusions or overrides, on itself",
                           "cycle", first.id))
    return problems


def _check_conflicts(kb) -> list[Problem]:
    """Two rules that may both conclude different levels for one risk need precedence between them."""
    problems = []
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
            problems.append(_p(kb, b, ("then",), f"rules {a.id} ({a.span}) and {b.id} ({b.span}) may both apply and "
                               f"conclude {conclusion_id} = {a.then.level} and = {b.then.level}, with no precedence",
                               f"add `overrides: [{a.id}]` to {b.id} (or the reverse), or make their conditions "
                               "exclusive", "conflict", b.id))
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


# ---------------------------------------------------------------- rules that can never fire


def _check_never_fires(kb) -> list[Problem]:
    """Rules whose conditions no scenario can meet, given the parameters' declared domains and what the
    other rules can conclude (a rule that reads only conclusions of dead rules is dead too)."""
    dead: dict[str, tuple[Condition, str]] = {}
    changed = True
    while changed:
        changed = False
        for rule in kb.rules:
            if rule.id in dead:
                continue
            found = _why_never(kb, rule, dead)
            if found is not None:
                dead[rule.id] = found
                changed = True
    problems = []
    for rule in kb.rules:
        if rule.id in dead:
            condition, reason = dead[rule.id]
            problems.append(_p(kb, condition, (condition.op if condition.op != "present" else "conclusion",),
                               f"rule {rule.id} can never fire: {reason}",
                               "change the condition, or the parameter's min/max/choices in parameters.yaml, or "
                               "remove the rule", "never-fires", rule.id))
    return problems


def _why_never(kb, rule: Rule, dead: dict) -> tuple[Condition, str] | None:
    for condition in rule.when:
        reason = _impossible(kb, condition, dead)
        if reason:
            return condition, reason
    for a, b in itertools.combinations(rule.when, 2):
        if a.subject_kind == b.subject_kind == "input" and a.subject == b.subject and _never_both(a, b):
            return b, f"'{describe(a)}' and '{describe(b)}' cannot both hold"
    return None


def _impossible(kb, condition: Condition, dead: dict) -> str | None:
    """Why no scenario can meet this one condition, or None."""
    if condition.subject_kind == "conclusion":
        producers = [r for r in kb.rules if reads_conclusion(condition.subject, r.then.conclusion_id)]
        if not producers or kb.scale is None:
            return None  # reported as an unknown reference
        live = [r for r in producers if r.id not in dead]
        if not live:
            return (f"it needs {condition.subject}, which only {', '.join(r.id for r in producers)} "
                    f"conclude{'s' if len(producers) == 1 else ''}, and {'it' if len(producers) == 1 else 'they'} "
                    "can never fire")
        if condition.op == "present":
            return None
        names = kb.scale.names
        levels = {r.then.level for r in live if r.then.level in names}
        operand = condition.operand
        if any(v not in names for v in (operand if isinstance(operand, list) else [operand])):
            return None  # reported as a bad word
        if levels and not any(value_holds(condition, level, kb.scale.rank) for level in levels):
            return (f"'{describe(condition)}' never holds: the rules concluding {condition.subject} give only "
                    f"{', '.join(sorted(levels, key=kb.scale.rank))}")
        return None
    if condition.subject_kind != "input":
        return None
    parameter = kb.parameters.get(condition.subject)
    if parameter is None or parameter.type == "record":
        return None
    op, operand = condition.op, condition.operand
    values = operand if isinstance(operand, list) else [operand]
    if op in ("is", "in"):
        if all(_outside(parameter, v) for v in values):
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
        return None
    if op in ("is_not", "not_in") and parameter.type in ("choice", "boolean"):
        possible = parameter.choices if parameter.type == "choice" else [True, False]
        if all(any(_same_value(p, v) for v in values) for p in possible):
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
        return None
    if op in _THRESHOLDS and is_number(operand) and parameter.type in ("number", "integer"):
        low, high = parameter.min, parameter.max
        never = {"at_least": high is not None and operand > high, "above": high is not None and operand >= high,
                 "at_most": low is not None and operand < low, "below": low is not None and operand <= low}[op]
        if never:
            return f"'{describe(condition)}' never holds: {_domain(parameter)}"
    return None


def _same_value(a, b) -> bool:
    return type(a) is type(b) and a == b


def _outside(parameter, value) -> bool:
    if value == UNKNOWN:
        return False
    if value is None:
        return not parameter.nullable
    if parameter.type in ("number", "integer"):
        if not is_number(value):
            return False  # reported as a wrong type
        return (parameter.min is not None and value < parameter.min) or \
            (parameter.max is not None and value > parameter.max)
    return False  # words outside `choices` are reported as bad words


def _domain(parameter) -> str:
    from .scenario import describe_domain
    return f"{parameter.id} takes {describe_domain(parameter).removeprefix('expected ')}"


# ---------------------------------------------------------------- facts nothing uses (warnings)


def _check_unused(kb) -> list[Problem]:
    from .derive import DERIVATIONS
    used: set[str] = set()
    for rule in kb.rules:
        used.update(rule.rests_on)
        if rule.then.violation:
            used.add(rule.then.violation)
        used.update(c.subject for c in rule.when + rule.unless if c.subject_kind != "conclusion")
        used.update(re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because))
    for claim in kb.claims.values():
        used.update(claim.about)
    aliases = {b.alias: b.id for b in kb.baselines.values() if b.alias}
    used |= {aliases[name] for name in list(used) if name in aliases}
    for name, (reads, _compute) in DERIVATIONS.items():
        if name in used:
            used.update(reads)
    problems = []
    hint = "cite it in a rule's `rests_on` or test it in a `when`; or remove it"
    for provision in kb.provisions.values():
        if provision.id not in used:
            problems.append(_p(kb, provision, (), f"provision {provision.id} is not used by any rule", hint,
                               "unused-fact", provision.id, "warning"))
    for baseline in kb.baselines.values():
        if baseline.id not in used:
            problems.append(_p(kb, baseline, (), f"baseline {baseline.id} is not used by any rule", hint,
                               "unused-fact", baseline.id, "warning"))
    for parameter in kb.parameters.values():
        if parameter.id not in used:
            problems.append(_p(kb, parameter, (), f"parameter {parameter.id} is not read by any rule",
                               "test it in a rule's `when` or `unless`, or remove it", "unused-fact", parameter.id,
                               "warning"))
    return problems


# ---------------------------------------------------------------- engine limits


def _check_limits(kb) -> list[Problem]:
    """durable_rules' limits (ENGINE-NOTES.md), reported at the rule that crosses them, before the engine hangs."""
    problems = []
    hint = "durable_rules hangs or crashes past this limit (see ENGINE-NOTES.md)"
    if len(kb.rules) + 1 > MAX_RULES:  # the compiler adds one rule of its own
        rule = kb.rules[MAX_RULES - 1]
        problems.append(_p(kb, rule, ("id",), f"{len(kb.rules)} rules exceed durable_rules' limit of "
                           f"{MAX_RULES - 1} per ruleset", f"{hint}; split the knowledge base or merge rules",
                           "engine-limit", rule.id))
    patterns: dict[str, list[Rule]] = defaultdict(list)
    tests: dict[tuple, set] = defaultdict(set)
    thresholds: dict[tuple, list[Condition]] = defaultdict(list)
    subjects: dict[str, set] = defaultdict(set)
    crossed: set[tuple] = set()

    def crossing(key, condition: Condition, rule: Rule, message: str) -> None:
        if key not in crossed:
            crossed.add(key)
            problems.append(_p(kb, condition, (condition.op if condition.op != "present" else condition.subject_kind,),
                               message, f"{hint}; test fewer distinct values or thresholds, or derive a coarser "
                               "input before the engine runs (derive.py)", "engine-limit", rule.id))

    for rule in kb.rules:
        if len(rule.when) > MAX_CONDITIONS:
            problems.append(_p(kb, rule, ("when",), f"rule {rule.id} has {len(rule.when)} conditions; durable_rules "
                               f"takes at most {MAX_CONDITIONS}", f"{hint}; split it into two rules with an "
                               "intermediate conclusion", "engine-limit", rule.id))
        shapes = [c.model_dump(mode="json", by_alias=True, exclude_unset=True) for c in rule.when]
        patterns[json.dumps(shapes, sort_keys=True)].append(rule)
        for condition in rule.when:
            node = (condition.subject_kind, condition.subject)
            subjects[condition.subject_kind].add(condition.subject)
            if len(subjects[condition.subject_kind]) > MAX_TESTS_PER_NODE:
                crossing(("subjects", condition.subject_kind), condition, rule,
                         f"rules test more than {MAX_TESTS_PER_NODE} distinct {condition.subject_kind} subjects; "
                         "durable_rules hangs past that")
            operand = condition.operand if isinstance(condition.operand, list) else [condition.operand]
            tests[node].update(json.dumps([condition.op, value]) for value in operand)
            if len(tests[node]) > MAX_TESTS_PER_NODE:
                crossing(("tests", node), condition, rule, f"more than {MAX_TESTS_PER_NODE} distinct tests on "
                         f"{condition.subject}; durable_rules hangs past that")
            if condition.op in _THRESHOLDS and is_number(condition.operand):
                thresholds[node].append(condition)
                if len(thresholds[node]) > MAX_THRESHOLD_TESTS:
                    most, value = _most_at_once(thresholds[node])
                    if most > MAX_THRESHOLD_TESTS:
                        crossing(("thresholds", node), condition, rule,
                                 f"{most} threshold tests on {condition.subject} hold at once when it is "
                                 f"{show_value(value)}; durable_rules crashes past {MAX_THRESHOLD_TESTS}")
    for rule_list in patterns.values():
        if len(rule_list) > MAX_IDENTICAL_PATTERNS:
            rule = rule_list[MAX_IDENTICAL_PATTERNS]
            problems.append(_p(kb, rule, ("when",), f"{len(rule_list)} rules share the conditions of "
                               f"{rule_list[0].id}; durable_rules takes at most {MAX_IDENTICAL_PATTERNS} rules with "
                               "an identical pattern", f"{hint}; merge them into one rule", "engine-limit", rule.id))
    return problems


def _most_at_once(conditions: list[Condition]) -> tuple[int, float]:
    """The largest number of these numeric comparisons that one value satisfies, and such a value."""
    points = {c.operand + d for c in conditions for d in (-0.5, 0, 0.5)}
    return max(((sum(value_holds(c, point) for c in conditions), point) for point in sorted(points)),
               key=lambda found: found[0])


def _suggest(name: str, known: list[str]) -> str:
    import difflib
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return "known ids: " + ", ".join(sorted(known)[:12]) + (" ..." if len(known) > 12 else "")
