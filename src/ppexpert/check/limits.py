"""durable_rules' limits, checked before the engine meets them (see docs/engine.md)."""
from __future__ import annotations

import json
from collections import defaultdict

from ppexpert.check._common import _THRESHOLDS, _p
from ppexpert.engine.compile import MAX_CONDITIONS, MAX_IDENTICAL_PATTERNS, MAX_RULES
from ppexpert.knowledge.conditions import is_number, show_value, value_holds
from ppexpert.knowledge.model import Condition, Rule
from ppexpert.knowledge.problems import Problem

# durable_rules 2.0.28 limits under one node of its network, measured on compiled rulesets: 511 distinct
# equality tests on one input run, 512 make create_ruleset hang (so do 512 distinct inputs with one test each);
# 63 threshold tests holding at once on one input run, 64 abort the process ("free(): invalid pointer"),
# whether or not other inputs carry thresholds of their own; 64 thresholds of which few hold run. The compiled
# patterns test `t`, then the subject's name `n`, then its value: the `t` node's children are the distinct
# subjects of one kind, a name node's children the distinct tests on that subject.
MAX_TESTS_PER_NODE = 511
MAX_THRESHOLD_TESTS = 63



def check_limits(kb) -> list[Problem]:
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
