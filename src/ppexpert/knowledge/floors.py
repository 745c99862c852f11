"""The scale's floors as rules: a level's promise ("a violation of binding law in this area makes the area at least
high") kept by the engine, not by each researcher's rule.

For every floor (a level of scale.yaml, a kind of conclusion) and every rule that draws a conclusion of that kind in
an area that has a risk, the loader adds one rule, `FLOOR-<LEVEL>-<TRIGGER RULE>`:

- it applies when the trigger rule does (its `when` and `unless`) and its conclusion stands, so a floor never rests
  on a conclusion that was defeated, or on law not in force on the day (it rests on the trigger's own basis);
- it concludes the area's risk at the floor's level, and overrides every rule of that area below the level;
- every rule of the area at or above the level overrides it: a floor only ever raises a level, never lowers one
  nor adds a second ground where the rules already reach it.

Made as rules, floors run in the same pass as the rules they bind, so whatever reads the area's risk (the overall
risk, `risk.*`) reads the raised level, and the cells, the unknown inputs' possible levels and the cell cache stay
exact with them by construction. `check` reports a rule whose level a floor always overrides (check/floors.py).
"""
from __future__ import annotations

import re

from ppexpert.knowledge import model as m
from ppexpert.knowledge.words import conclusion_words

_NOT_ID = re.compile(r"[^A-Z0-9]+")


def floor_rule_id(level: str, trigger: str) -> str:
    return "FLOOR-" + _NOT_ID.sub("-", level.upper()).strip("-") + "-" + trigger


def floor_rules(kb) -> list[m.Rule]:
    """The rules that keep the scale's floors, in a fixed order (scale, then the trigger's order in the base)."""
    if kb.scale is None:
        return []
    names = kb.scale.names
    rated = {rule.then.risk for rule in kb.rules if rule.then.kind == "risk"}
    levelled: dict[str, list[m.Rule]] = {}  # area -> the rules that rate it on the scale
    for r in kb.rules:
        if r.then.kind == "risk" and not r.floor and r.then.level in names:
            levelled.setdefault(r.then.risk, []).append(r)
    made: list[m.Rule] = []
    raised: dict[str, list[str]] = {}  # rule id -> floor rules it overrides (it stands at or above their level)
    for level in kb.scale.levels:
        rank = names.index(level.id)
        for floor in level.floors:
            for trigger in kb.rules:
                area = trigger.then.area
                if trigger.then.kind != floor.kind or area is None or area not in rated or trigger.floor:
                    continue
                area_rules = levelled.get(area, [])
                rule = m.Rule(
                    id=floor_rule_id(level.id, trigger.id),
                    # in words: a reader sees the title and the sentence (the ids are in the rule's id and `floor`)
                    title=f"The scale's floor: “{trigger.title}” makes the {area} risk at least {level.id}",
                    rests_on=list(trigger.rests_on), context=list(trigger.context),
                    when=[m.Condition(conclusion=trigger.then.conclusion_id), *trigger.when],
                    unless=list(trigger.unless), unless_reason=trigger.unless_reason,
                    overrides=[r.id for r in area_rules if names.index(r.then.level) < rank],
                    then=m.Then(risk=area, level=level.id),
                    because=f"{floor.reason.rstrip('.')} ({conclusion_words(kb, trigger.then.conclusion_id)}).",
                )
                rule.at(floor.span, floor.yaml_path)
                rule._floor = m.FloorOf(level.id, floor.kind, floor.reason, trigger.id, area, str(floor.span))
                made.append(rule)
                for r in area_rules:
                    if names.index(r.then.level) >= rank:
                        raised.setdefault(r.id, []).append(rule.id)
    if raised:  # a rule at or above a floor's level overrides it; the copy keeps the rule's span and path
        for position, rule in enumerate(kb.rules):
            if rule.id in raised:
                copy = rule.model_copy(update={"overrides": [*rule.overrides, *raised[rule.id]]})
                kb.rules[position] = copy
    return made


def add_floor_rules(kb) -> None:
    """Append the floors' rules to the knowledge base (once)."""
    if any(rule.floor for rule in kb.rules):
        return
    kb.rules.extend(floor_rules(kb))
    kb.__dict__.pop("_rules_by_id", None)
