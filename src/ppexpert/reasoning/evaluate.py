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
    when_reads: tuple[frozenset, ...]  # per conclusion test: the (conclusion, level) pairs that make it hold
    unless_atoms: tuple[int, ...]
    unless_reads: tuple[frozenset, ...]
    has_unless: bool
    defeaters: tuple[str, ...]
    pair: tuple  # (conclusion, level)


class Evaluator:
    """Standing conclusions from atom truths; one per knowledge base (kept with it).

    A conclusion test is decided ahead of time for every (conclusion, level) pair a rule can draw: the pairs that
    make it hold. In a cell it holds when one of its pairs stands; no test is re-evaluated per cell.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        structure = structure_of(kb)
        plan = plan_of(kb)
        rules = kb.rules_by_id
        self.rank = kb.scale.rank
        self._drawn = sorted({(rule.then.conclusion_id, rule.then.level or True) for rule in kb.rules}, key=repr)
        reads = self.reads
        self.rules: list[_Rule] = []
        for rule_id in plan.settle_order:
            rule = rules[rule_id]

            def split(conditions):
                atoms = tuple(structure.atoms.of(c) for c in conditions if c.subject_kind != "conclusion")
                return atoms, tuple(reads(c) for c in conditions if c.subject_kind == "conclusion")
            when_atoms, when_reads = split(rule.when)
            unless_atoms, unless_reads = split(rule.unless)
            self.rules.append(_Rule(rule.id, rule.then.conclusion_id, rule.then.level or True, when_atoms,
                                    when_reads, unless_atoms, unless_reads, bool(rule.unless),
                                    plan.defeaters.get(rule.id, ()),
                                    (rule.then.conclusion_id, rule.then.level or True)))
        # what each rule's standing depends on: the rules drawing a pair one of its tests reads, and its defeaters
        position = {rule.id: index for index, rule in enumerate(self.rules)}
        self._dependents: list[set[int]] = [set() for _ in self.rules]
        drawing: dict[tuple, list[int]] = {}
        for index, rule in enumerate(self.rules):
            drawing.setdefault(rule.pair, []).append(index)
        for index, rule in enumerate(self.rules):
            for pair in frozenset().union(*rule.when_reads, *rule.unless_reads):
                for other in drawing.get(pair, ()):
                    self._dependents[other].add(index)
            for defeater in rule.defeaters:
                if defeater in position:
                    self._dependents[position[defeater]].add(index)

    def reads(self, condition: Condition) -> frozenset:
        """The (conclusion, level) pairs some rule can draw that make a conclusion test hold."""
        return frozenset((cid, level) for cid, level in self._drawn
                         if reads_conclusion(condition.subject, cid) and value_holds(condition, level, self.rank))

    def standing(self, truth: list[bool]) -> tuple[dict[str, set], set[str]]:
        """conclusion id -> its standing levels (True for one without a level); and the standing rules."""
        standing: dict[str, set] = {}
        pairs: set = set()
        rules: set[str] = set()
        for rule in self.rules:
            if not all(truth[i] for i in rule.when_atoms):
                continue
            if rule.when_reads and not all(not ok.isdisjoint(pairs) for ok in rule.when_reads):
                continue
            if rule.has_unless and all(truth[i] for i in rule.unless_atoms) and all(
                    not ok.isdisjoint(pairs) for ok in rule.unless_reads):
                continue
            if rule.defeaters and any(d in rules for d in rule.defeaters):
                continue
            rules.add(rule.id)
            pairs.add(rule.pair)
            standing.setdefault(rule.conclusion, set()).add(rule.level)
        return standing, rules

    def around(self, atoms: set[int], base_rules: set[str]) -> "Around":
        """The evaluation of cells that differ from a base cell only in `atoms` (`base_rules`: the rules standing in
        the base cell)."""
        return Around(self, atoms, base_rules)

    def outcome(self, truth: list[bool]) -> dict[str, object]:
        """conclusion id -> its level (the gravest standing), or True for a conclusion without a level."""
        standing, _ = self.standing(truth)
        return {cid: (max(levels, key=self.rank) if True not in levels else True) for cid, levels in standing.items()}


def evaluator_of(kb: KnowledgeBase) -> Evaluator:
    found = kb.__dict__.get("_evaluator")
    if found is None:
        found = kb.__dict__["_evaluator"] = Evaluator(kb)
    return found


class Around:
    """Cells that differ from a base cell only in some atoms. The rules those atoms reach (through the tests that read
    them and through defeaters) are evaluated; every other rule reads nothing that changes, so it stands exactly when
    it stood in the base cell ("fixed"). Fixed rules are folded in ahead: a conclusion test a fixed rule before it
    satisfies always holds, a rule a fixed rule before it defeats never stands. `standing` gives what the evaluated
    rules add; `fixed` what the others always give; `whole` both, as Evaluator.standing would.
    """

    def __init__(self, evaluator: Evaluator, atoms: set[int], base_rules: set[str]) -> None:
        rules = evaluator.rules
        reached = {index for index, rule in enumerate(rules)
                   if not atoms.isdisjoint(rule.when_atoms) or not atoms.isdisjoint(rule.unless_atoms)}
        frontier = list(reached)
        while frontier:
            for index in evaluator._dependents[frontier.pop()]:
                if index not in reached:
                    reached.add(index)
                    frontier.append(index)
        reached_ids = {rules[index].id for index in reached}
        fixed_pairs: set = set()
        self.fixed: dict[str, set] = {}
        self.fixed_rules: set[str] = set()
        self.checks: list[tuple] = []
        for index, rule in enumerate(rules):
            if index not in reached:
                if rule.id in base_rules:
                    fixed_pairs.add(rule.pair)
                    self.fixed_rules.add(rule.id)
                    self.fixed.setdefault(rule.conclusion, set()).add(rule.level)
                continue
            if any(d in self.fixed_rules for d in rule.defeaters):
                continue  # defeated by a rule that always stands before it
            when_reads = tuple(ok for ok in rule.when_reads if ok.isdisjoint(fixed_pairs))
            unless_reads = tuple(ok for ok in rule.unless_reads if ok.isdisjoint(fixed_pairs))
            defeaters = tuple(d for d in rule.defeaters if d in reached_ids)
            self.checks.append((rule, rule.when_atoms, when_reads, rule.has_unless, rule.unless_atoms, unless_reads,
                                defeaters))

    def standing(self, truth: list[bool]) -> tuple[dict[str, set], set[str]]:
        """What the evaluated rules add in this cell: conclusion id -> levels, and those rules."""
        standing: dict[str, set] = {}
        pairs: set = set()
        rules: set[str] = set()
        for rule, when_atoms, when_reads, has_unless, unless_atoms, unless_reads, defeaters in self.checks:
            if when_atoms and not all(truth[i] for i in when_atoms):
                continue
            if when_reads and not all(not ok.isdisjoint(pairs) for ok in when_reads):
                continue
            if has_unless and all(truth[i] for i in unless_atoms) and all(
                    not ok.isdisjoint(pairs) for ok in unless_reads):
                continue
            if defeaters and any(d in rules for d in defeaters):
                continue
            rules.add(rule.id)
            pairs.add(rule.pair)
            standing.setdefault(rule.conclusion, set()).add(rule.level)
        return standing, rules

    def whole(self, truth: list[bool]) -> tuple[dict[str, set], set[str]]:
        added, rules = self.standing(truth)
        standing = {cid: set(levels) for cid, levels in self.fixed.items()}
        for cid, levels in added.items():
            standing.setdefault(cid, set()).update(levels)
        return standing, rules | self.fixed_rules
