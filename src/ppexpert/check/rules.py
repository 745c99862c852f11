"""Checks of each rule and condition: references resolve, operators fit the subject, templates name known values."""
from __future__ import annotations

import re

from ppexpert.check._common import _THRESHOLDS, _exists, _p, _uncertain
from ppexpert.knowledge.conditions import is_number, normalise_number, show_value
from ppexpert.knowledge.model import PLAN_PLACEHOLDERS, SPECIAL_VALUES, Condition, Rule
from ppexpert.knowledge.problems import Problem, suggest
from ppexpert.knowledge.rulegraph import has_cycle, reads_conclusion, rule_graph


def check_rule(kb, rule: Rule, concluded: set[str]) -> list[Problem]:
    problems = []
    subject = rule.id
    for key in ("rests_on", "context"):
        for index, ref in enumerate(getattr(rule, key)):
            if not _exists(kb, ref, ("provisions", "baselines")):
                what = "rests on" if key == "rests_on" else "cites for context"
                problems.append(_p(kb, rule, (key, index), f"rule {rule.id} {what} unknown provision or "
                                   f"baseline '{ref}'", suggest(ref, [*kb.provisions, *kb.baselines]),
                                   "unknown-reference", subject))
    if not rule.rests_on and not rule.context and not all(c.subject_kind == "conclusion" for c in rule.when):
        problems.append(_p(kb, rule, ("id",), f"rule {rule.id} cites nothing", "name the provisions or baselines "
                           "it rests on under `rests_on:` (or cites for background under `context:`); only a rule "
                           "that reads nothing but other conclusions may cite nothing", "uncited-rule", subject))
    problems += _check_plan_points(kb, rule)
    then = rule.then
    if then.kind in ("violation", "commitment"):
        provision = getattr(then, then.kind)
        if not _exists(kb, provision, ("provisions",)):
            problems.append(_p(kb, then, (then.kind,), f"unknown provision '{provision}'",
                               suggest(provision, list(kb.provisions)), "unknown-reference", subject, value=True))
        if provision not in rule.rests_on:
            problems.append(_p(kb, then, (then.kind,), f"rule {rule.id} concludes a {then.kind} of {provision} "
                               "without resting on it", "add it to `rests_on`", "uncited-rule", subject))
    problems += _check_kind(kb, rule)
    for key in ("because", "title", "step", "met_by"):
        text = getattr(rule.then if key in ("step", "met_by") else rule, key)
        named = _names_a_plan(kb, text or "")
        if named:
            problems.append(_p(kb, rule.then if key in ("step", "met_by") else rule, (key,),
                               f"the sentence names {named}, which is true of one plan only",
                               "write it for any plan that sets these inputs: use {<input>.point}, {<input>.note}, "
                               "{plan.title} or {plan.parties} for what the scenario supplies, and record corrections "
                               "of a source in knowledge/claims.yaml", "plan-specific-sentence", subject, "warning",
                               value=True))
    area = then.area_id
    if area is not None and not _exists(kb, area, ("areas",)):
        problems.append(_p(kb, then, ("risk" if then.risk else "area",), f"unknown area '{area}'",
                           f"areas: {', '.join(kb.areas)}", "unknown-reference", subject, value=True))
    if then.level is not None and kb.scale is not None and then.level not in kb.scale.names:
        problems.append(_p(kb, then, ("level",), f"unknown level '{then.level}'",
                           f"levels, least to most severe: {', '.join(kb.scale.names)}", "bad-word", subject, value=True))
    for section in ("when", "unless"):
        for condition in getattr(rule, section):
            problems += _check_condition(kb, rule, condition, concluded)
    if rule.unless_reason and not rule.unless:
        problems.append(_p(kb, rule, ("unless_reason",), f"rule {rule.id} gives an `unless_reason` but no `unless`",
                           "add the exception's conditions under `unless:`, or remove the reason",
                           "bad-shape", subject))
    for index, other in enumerate(rule.overrides):
        if other not in kb.rules_by_id:
            if not _uncertain(kb, "rules", other):
                problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides unknown rule {other}",
                                   suggest(other, list(kb.rules_by_id)), "dangling-override", subject))
        elif kb.rules_by_id[other].then.conclusion_id != then.conclusion_id:
            problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides {other}, which concludes "
                               f"{kb.rules_by_id[other].then.conclusion_id}, not {then.conclusion_id}",
                               "an exception must conclude the same thing as the rule it overrides",
                               "dangling-override", subject))
        elif other == rule.id:
            problems.append(_p(kb, rule, ("overrides", index), f"rule {rule.id} overrides itself",
                               "remove it from `overrides`", "dangling-override", subject))
    for name in re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because):
        if not _known_name(kb, name) and not _uncertain(kb, "parameters", name) \
                and not _uncertain(kb, "baselines", name):
            problems.append(_p(kb, rule, ("because",), f"the sentence uses unknown value '{{{name}}}'",
                               suggest(name, sorted(_template_names(kb) | {"level"})), "unknown-reference", subject,
                               value=True))
    return problems


PLAN_POINT = re.compile(r"^([a-z0-9][a-z0-9]*):([0-9]+(?:\([a-z0-9]+\))?)$")


def plan_codes(kb) -> dict[str, str]:
    """plan code -> the source id of the plan it names (sources with a `plan_code`)."""
    return {s.plan_code: s.id for s in sorted(kb.sources.values(), key=lambda s: s.id) if s.plan_code}


def _check_plan_points(kb, rule: Rule) -> list[Problem]:
    """A rule's `plan_points` are written <plan code>:<point>, e.g. 28pt:21 or 28pt:21(d), with a known code."""
    if not rule.plan_points:
        return []
    codes = plan_codes(kb)
    shown = ", ".join(f"{code} ({source})" for code, source in sorted(codes.items())) or "none yet"
    problems = []
    for index, point in enumerate(rule.plan_points):
        match = PLAN_POINT.match(point)
        if match is None:
            problems.append(_p(kb, rule, ("plan_points", index), f"plan point '{point}' is not written like 28pt:21",
                               f"write <plan code>:<point>, e.g. 28pt:21 or 28pt:21(d); plan codes: {shown}",
                               "bad-plan-point", rule.id, value=True))
        elif match.group(1) not in codes and "sources" not in kb.unreadable:
            problems.append(_p(kb, rule, ("plan_points", index), f"unknown plan code '{match.group(1)}' in '{point}'",
                               f"{suggest(match.group(1), list(codes))}; plan codes: {shown}; a new plan gets one "
                               "as `plan_code:` on its source in sources.yaml", "bad-plan-point", rule.id, value=True))
    return problems


def _known_name(kb, name: str) -> bool:
    """Whether `name` is in _template_names(kb) | {"level"}, without building that set for every rule (it was most
    of checking 4,000 rules)."""
    if name in kb.parameters or name in kb.baselines or name in PLAN_PLACEHOLDERS or name == "level":
        return True
    head, dot, part = name.rpartition(".")
    if dot and part in ("point", "note") and head in kb.parameters:
        return True
    return any(b.alias == name for b in kb.baselines.values())


def _template_names(kb) -> set[str]:
    names = set(kb.parameters) | set(kb.baselines)
    names |= {b.alias for b in kb.baselines.values() if b.alias}
    names |= {f"{p}.{part}" for p in kb.parameters for part in ("point", "note")}
    return names | set(PLAN_PLACEHOLDERS)


# A rule's sentence is printed for every plan that sets its inputs, so it may not name one plan's points or the plan.
_PLAN_WORDS = (
    (re.compile(r"\(?\bpoints?\s+\d+", re.IGNORECASE), "a plan point"),
    (re.compile(r"\b\d+-point\b", re.IGNORECASE), "a plan by its number of points"),
    (re.compile(r"\bseed article\b|\bthe article (?:says|claims|reads)\b", re.IGNORECASE), "the seed article"),
    (re.compile(r"\bU\.S\.-Russian\b"), "one plan's drafters"),
)


# any of _PLAN_WORDS (one search where most sentences match none of them)
_ANY_PLAN_WORD = re.compile("|".join(f"(?:{pattern.pattern})" if pattern.flags & re.IGNORECASE == 0 else
                                     f"(?i:{pattern.pattern})" for pattern, _ in _PLAN_WORDS))
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _names_a_plan(kb, text: str) -> str | None:
    """What in a rule sentence names one plan: a point number, the plan, its drafters, or the seed article."""
    text = _PLACEHOLDER.sub("", text)  # placeholders are filled from the scenario
    if _ANY_PLAN_WORD.search(text):
        for pattern, what in _PLAN_WORDS:
            found = pattern.search(text)
            if found:
                return f"{what} ('{found.group(0).strip('( ')}')"
    for source in kb.sources.values():
        if source.kind == "plan" and source.title in text:
            return f"the plan '{source.title}'"
    return None


def _check_kind(kb, rule: Rule) -> list[Problem]:
    """A violation rests on binding law only; a requirement's bars and conditions are among its basis."""
    then, problems = rule.then, []
    if then.kind == "violation":
        for index, ref in enumerate(rule.rests_on):
            provision = kb.provisions.get(ref)
            if provision is None:
                continue
            why = ("a preamble, which states purposes and creates no obligation" if provision.part == "preamble"
                   else "politically, not legally, binding" if provision.binding == "political" else None)
            if why:
                problems.append(_p(kb, rule, ("rests_on", index), f"rule {rule.id} concludes a violation resting on "
                                   f"{ref}, {why}", "a violation rests on binding operative law only: conclude a "
                                   "`commitment` (a political text), a `requirement` or a `consequence`, or move "
                                   f"{ref} to `context:`", "violation-of-non-binding", rule.id, value=True))
    if then.kind == "commitment":
        provision = kb.provisions.get(then.commitment)
        if provision is not None and provision.binding != "political":
            problems.append(_p(kb, then, ("commitment",), f"{then.commitment} is legally binding; a commitment "
                               "names a politically binding text", "conclude a `violation` if the plan's terms breach "
                               "it, or give its instrument `binding: political` if that is what it is",
                               "commitment-of-legal-text", rule.id, "warning", value=True))
    for key in ("barred_by", "conditioned_by"):
        for index, ref in enumerate(getattr(then, key)):
            if not _exists(kb, ref, ("provisions",)):
                problems.append(_p(kb, then, (key, index), f"unknown provision '{ref}'",
                                   suggest(ref, list(kb.provisions)), "unknown-reference", rule.id, value=True))
            elif ref not in rule.rests_on:
                problems.append(_p(kb, then, (key, index), f"rule {rule.id} names {ref} under `{key}` "
                                   "without resting on it", "add it to `rests_on`", "uncited-rule",
                                   rule.id, value=True))
    return problems


def _check_condition(kb, rule: Rule, condition: Condition, concluded: set[str]) -> list[Problem]:
    subject, op, operand = condition.subject, condition.op, condition.operand
    problems = []

    def bad(message: str, hint: str, code: str = "bad-condition", at: str | None = None) -> None:
        problems.append(_p(kb, condition, (at or condition.subject_kind,), message, hint, code, rule.id, value=True))

    if condition.subject_kind == "conclusion":
        ids = concluded
        matching = [subject] if subject in ids else [c for c in ids if reads_conclusion(subject, c)]
        if not matching:
            if not ("rules" in kb.unreadable or any(reads_conclusion(subject, i) for i in kb.failed_ids)):
                bad(f"no rule concludes '{subject}'", suggest(subject, sorted(ids)), "unknown-reference")
        elif op != "present" and kb.scale is not None:
            values = operand if isinstance(operand, list) else [operand]
            if any(v not in kb.scale.names for v in values):
                bad(f"'{show_value(operand)}' is not a level", f"levels: {', '.join(kb.scale.names)}", "bad-word", op)
        return problems
    if condition.subject_kind == "fact":
        baseline = kb.baselines.get(subject)
        if baseline is None:
            if not _uncertain(kb, "baselines", subject):
                bad(f"unknown baseline '{subject}'", suggest(subject, list(kb.baselines)), "unknown-reference")
            return problems
        kind = "number" if is_number(baseline.value) else "boolean" if isinstance(baseline.value, bool) else "word"
        choices = None
    else:
        parameter = kb.parameters.get(subject)
        if parameter is None:
            if not _uncertain(kb, "parameters", subject):
                bad(f"unknown parameter '{subject}'", suggest(subject, list(kb.parameters)), "unknown-reference")
            return problems
        if parameter.type == "record":
            bad(f"'{subject}' is a record; test its derived values instead",
                "e.g. " + ", ".join(p for p, d in kb.parameters.items() if d.derived and not d.member_of),
                "bad-condition")
            return problems
        if parameter.type == "set":
            bad(f"'{subject}' is a set; test whether it holds a word with its member, e.g. "
                f"`input: {subject}.{(parameter.choices or ['x'])[0]}` with `is: true`",
                f"members: {', '.join(f'{subject}.{c}' for c in parameter.choices or [])}", "bad-condition")
            return problems
        kind = {"number": "number", "integer": "number", "boolean": "boolean", "choice": "word"}[parameter.type]
        choices = parameter.choices
    values = operand if isinstance(operand, list) else [operand]
    for value in values:
        if value in SPECIAL_VALUES or value is None:
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


def check_graph(kb) -> list[Problem]:
    problems = []
    if not has_cycle(kb.rules):  # networkx only to name the cycles: importing it was a tenth of loading 4,000 rules
        return problems
    # lazy, for start-up speed: networkx is needed only when the rules have a cycle
    import networkx as nx
    graph = rule_graph(kb.rules)
    rules = kb.rules_by_id
    cycles = [cycle[cycle.index(min(cycle)):] + cycle[:cycle.index(min(cycle))] for cycle in nx.simple_cycles(graph)]
    for cycle in sorted(cycles)[:20]:  # each starts at its first id: the same text on every run
        first = rules[cycle[0]]
        problems.append(_p(kb, first, ("id",), "rules depend on each other in a cycle: " + " -> ".join(cycle + cycle[:1]),
                           "break the cycle: a rule may not depend, through conclusions or overrides, on itself",
                           "cycle", first.id))
    return problems
