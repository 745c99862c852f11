"""Which conclusions stand in a cell, computed from the truth of the input and baseline conditions alone.

The same semantics as run + settle, restated over truth values so that the cells of a scenario's unknown inputs,
tipping points and targets can be explored without the engine: a rule's firing stands when every `when` test holds
(a conclusion test reads the conclusions standing so far, in the settle order), its `unless` does not hold, and no
rule that overrides it stands. A test (tests/test_cells.py) checks it against the engine on every YAML case and on
random scenarios; the engine stays the source of record for every assessment and its trace.
"""
from __future__ import annotations

from dataclasses import dataclass

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import value_holds
from ppexpert.knowledge.model import Condition
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.reasoning.cells import structure_of
from ppexpert.reasoning.prepared import plan_of


@dataclass(frozen=True)
class _Rule:
    id: str
    conclusion: str
    level: object  # the level, or True for a conclusion without one
    when_atoms: tuple[int, ...]
    when_conclusions: tuple[Condition, ...]
    unless_atoms: tuple[int, ...]
    unless_conclusions: tuple[Condition, ...]
    has_unless: bool
    defeaters: tuple[str, ...]


class Evaluator:
    """Standing conclusions from atom truths; one per knowledge base (kept with it)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        structure = structure_of(kb)
        plan = plan_of(kb)
        rules = kb.rules_by_id
        self.rank = kb.scale.rank
        self.rules: list[_Rule] = []
        for rule_id in plan.settle_order:
            rule = rules[rule_id]

            def split(conditions):
                atoms = tuple(structure.atoms.of(c) for c in conditions if c.subject_kind != "conclusion")
                return atoms, tuple(c for c in conditions if c.subject_kind == "conclusion")
            when_atoms, when_conclusions = split(rule.when)
            unless_atoms, unless_conclusions = split(rule.unless)
            self.rules.append(_Rule(rule.id, rule.then.conclusion_id, rule.then.level or True, when_atoms,
                                    when_conclusions, unless_atoms, unless_conclusions, bool(rule.unless),
                                    plan.defeaters.get(rule.id, ())))

    def _holds(self, condition: Condition, standing: dict[str, set]) -> bool:
        subject = condition.subject
        for cid, levels in standing.items():
            if reads_conclusion(subject, cid) and any(value_holds(condition, lv, self.rank) for lv in levels):
                return True
        return False

    def standing(self, truth: list[bool]) -> tuple[dict[str, set], set[str]]:
        """conclusion id -> its standing levels (True for one without a level); and the standing rules."""
        standing: dict[str, set] = {}
        rules: set[str] = set()
        for rule in self.rules:
            if not all(truth[i] for i in rule.when_atoms):
                continue
            if not all(self._holds(c, standing) for c in rule.when_conclusions):
                continue
            if rule.has_unless and all(truth[i] for i in rule.unless_atoms) and all(
                    self._holds(c, standing) for c in rule.unless_conclusions):
                continue
            if any(d in rules for d in rule.defeaters):
                continue
            rules.add(rule.id)
            standing.setdefault(rule.conclusion, set()).add(rule.level)
        return standing, rules

    def outcome(self, truth: list[bool]) -> dict[str, object]:
        """conclusion id -> its level (the gravest standing), or True for a conclusion without a level."""
        standing, _ = self.standing(truth)
        return {cid: (max(levels, key=self.rank) if True not in levels else True) for cid, levels in standing.items()}


def evaluator_of(kb: KnowledgeBase) -> Evaluator:
    found = kb.__dict__.get("_evaluator")
    if found is None:
        found = kb.__dict__["_evaluator"] = Evaluator(kb)
    return found
