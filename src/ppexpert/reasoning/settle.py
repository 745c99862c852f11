"""Settle precedence: which firings stand (premises standing, `unless` not holding, no standing overrider)."""
from __future__ import annotations

from typing import Any

from ppexpert.engine.durable import Firing
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import describe, value_holds
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN, Condition
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.reasoning._conclusion_types import Defeat
from ppexpert.reasoning.prepared import plan_of


def settle(loaded: LoadedScenario, kb: KnowledgeBase, firings: list[Firing]) -> tuple[dict[str, list[Firing]], list[Defeat]]:
    """Decide which firings stand: premises must stand, `unless` must not hold, no standing overrider."""
    rules = kb.rules_by_id
    by_rule: dict[str, list[Firing]] = {}
    for firing in firings:
        by_rule.setdefault(firing.rule, []).append(firing)
    standing: dict[str, list[Firing]] = {}  # conclusion fact id -> standing firings
    standing_rules: set[str] = set()
    defeats: list[Defeat] = []
    plan = plan_of(kb)
    defeaters = plan.defeaters
    day = loaded.as_of
    for rule_id in plan.settle_order:
        rule = rules[rule_id]
        lapsed = not_in_force(rule_id, kb, day) if day is not None and rule_id in plan.dated_basis else ()
        for firing in by_rule.get(rule_id, []):
            if not all(p["id"] in standing for p in firing.premises if p["t"] == "c"):
                continue  # it rested on a conclusion that was itself defeated
            if lapsed:
                defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), "not-in-force",
                                      f"{rule_id} would conclude {_concluded(firing)}, but its legal basis is not in "
                                      f"force on {day.isoformat()}: {'; '.join(lapsed)}"))
                continue
            if rule.unless and all(holds(c, loaded, standing, kb) for c in rule.unless):
                reason = rule.unless_reason or "; ".join(describe(c) for c in rule.unless)
                defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), "unless",
                                      f"{rule_id} would conclude {_concluded(firing)}, but its exception holds: {reason}"))
                continue
            overrider = next((other for other in defeaters[rule_id] if other in standing_rules), None)
            if overrider is not None:
                if rule.floor is not None:
                    continue  # the area's own rules reach the floor's level: the floor has nothing to raise
                floor = rules[overrider].floor
                if floor is not None:
                    defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), overrider,
                                          f"{rule_id} would conclude {_concluded(firing)}; the scale's floor raises it "
                                          f"to {floor.level} ({overrider}, {floor.at}): {floor.reason}"))
                    continue
                chain = plan.chains[(overrider, rule_id)]
                through = f" (through {', '.join(chain)})" if chain else ""
                defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), overrider,
                                      f"{rule_id} would conclude {_concluded(firing)}; {overrider} overrides it"
                                      f"{through}: {rules[overrider].title}"))
                continue
            standing.setdefault(firing.conclusion["id"], []).append(firing)
            standing_rules.add(rule_id)
    return standing, _unique(defeats)


def not_in_force(rule_id: str, kb: KnowledgeBase, day) -> tuple[str, ...]:
    """The rule's basis provisions that are not in force on `day`, each as 'Title, Art. N (in force from ...)'."""
    found = []
    for ref in plan_of(kb).dated_basis.get(rule_id, ()):
        provision = kb.provisions[ref]
        if not provision.in_force.covers(day):
            source = kb.sources.get(provision.source)
            title = source.title if source else provision.instrument
            note = f"; {provision.in_force.note}" if provision.in_force.note else ""
            found.append(f"{title}, {provision.cited_as} ({provision.in_force.shown}{note})")
    return tuple(found)


def _unique(defeats: list[Defeat]) -> list[Defeat]:
    """One defeat per rule and conclusion, however many of its firings were defeated."""
    first: dict[tuple, Defeat] = {}
    for defeat in defeats:
        first.setdefault((defeat.rule, defeat.conclusion, defeat.level), defeat)
    return list(first.values())


def _concluded(firing: Firing) -> str:
    level = firing.conclusion.get("lv")
    return f"{firing.conclusion['cid']} = {level}" if level else firing.conclusion["cid"]


def holds(condition: Condition, loaded: LoadedScenario, standing: dict, kb: KnowledgeBase) -> bool:
    if condition.subject_kind == "conclusion":
        levels = [f[0].conclusion.get("lv", True) for f in standing.values()
                  if reads_conclusion(condition.subject, f[0].conclusion["cid"])]
        return any(value_holds(condition, level, kb.scale.rank) for level in levels)
    return value_holds(condition, current_value(condition, loaded))


def current_value(condition: Condition, loaded: LoadedScenario) -> Any:
    if condition.subject_kind == "input":
        value = loaded.inputs.get(condition.subject)
        return value.value if value else UNKNOWN
    value = loaded.baselines.get(condition.subject)
    return value.value if value else UNKNOWN
