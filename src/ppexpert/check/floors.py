"""The scale's floors: each names a kind of conclusion, and no rule concludes an area's risk below a floor in every
scenario where the floor applies (its level could then never stand: the rule contradicts the scale)."""
from __future__ import annotations

from ppexpert.check._common import _p
from ppexpert.check.conflicts import _as_interval, _as_set, never_both
from ppexpert.knowledge import model as m
from ppexpert.knowledge.model import Condition, Rule
from ppexpert.knowledge.problems import Problem


def floor_kinds() -> list[str]:
    """The kinds of conclusion a floor can name: every kind a rule's `then` can draw but a risk."""
    return [name for name in m.Then.model_fields if name not in ("risk", "level", "area", "label")]


def check_floors(kb) -> list[Problem]:
    problems: list[Problem] = []
    if kb.scale is None:
        return problems
    kinds = floor_kinds()
    for level in kb.scale.levels:
        for floor in level.floors:
            if floor.kind not in kinds:
                problems.append(_p(kb, floor, ("kind",), f"a floor of level {level.id} names the kind "
                                   f"'{floor.kind}', which no rule can conclude",
                                   f"expected one of: {', '.join(kinds)}", "bad-word", level.id, value=True))
    names = kb.scale.names
    for rule in kb.rules:
        floor = rule.floor
        if floor is None:
            continue
        trigger = kb.rules_by_id[floor.trigger]
        for other in kb.rules:
            if other.floor or other.then.kind != "risk" or other.then.risk != floor.area or \
                    other.then.level not in names or names.index(other.then.level) >= names.index(floor.level):
                continue
            if _always(other, trigger):
                problems.append(_p(
                    kb, other, ("then", "level"),
                    f"rule {other.id} concludes risk.{floor.area} = {other.then.level}, but whenever it applies "
                    f"{trigger.id} ({trigger.span}) concludes {trigger.then.conclusion_id}, a {floor.kind} in the "
                    f"{floor.area} area, and the scale's floor ({floor.at}) makes the area at least {floor.level}: "
                    f"its level can never stand",
                    f"expected level {floor.level} or above for {other.id}; raise its level, or narrow its `when` "
                    f"so that it does not apply where {trigger.id} does", "floor", other.id, value=True))
    return problems


def _always(rule: Rule, trigger: Rule) -> bool:
    """Whether the trigger applies in every scenario where `rule` does: each of its tests follows from one of the
    rule's, and its exception (if any) cannot hold beside the rule's tests."""
    if not all(any(_implies(mine, theirs) for mine in rule.when) for theirs in trigger.when):
        return False
    return not trigger.unless or any(never_both(mine, theirs) for mine in rule.when for theirs in trigger.unless
                                     if mine.subject_kind == theirs.subject_kind and mine.subject == theirs.subject)


def _implies(a: Condition, b: Condition) -> bool:
    """Whether every value passing `a` passes `b` (same subject)."""
    if a.subject_kind != b.subject_kind or a.subject != b.subject:
        return False
    if (a.op, a.operand) == (b.op, b.operand):
        return True
    if a.subject_kind == "conclusion":
        return False
    sa, sb = _as_set(a), _as_set(b)
    if sa is not None and sb is not None:
        return sa <= sb
    ia, ib = _as_interval(a), _as_interval(b)
    if ia and ib:
        low_ok = ia[0] > ib[0] or (ia[0] == ib[0] and (ib[1] or not ia[1]))
        high_ok = ia[2] < ib[2] or (ia[2] == ib[2] and (ib[3] or not ia[3]))
        return low_ok and high_ok
    return False
