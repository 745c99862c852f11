"""Unknown carried to every verdict: what each conclusion could be, over every value the unknown inputs could take.

An input the plan leaves `unknown` has some value the text does not settle. A conclusion is settled when it comes
out the same in every cell of the unknown inputs' classes (cells.py); otherwise it is undetermined, and its
possible levels are exactly the outcomes over those cells -- enumerated, not sampled. An outcome is a level, `holds`
for a conclusion without a level, or None for "does not hold".

The enumeration is bounded without losing exactness: unknown inputs are grouped into components that no rule (and no
conclusion a rule reads by name) joins, each component's classes are enumerated on their own, and a conclusion read
through a pattern (`risk.*`, as the overall risk reads the areas) is combined from what each component can make the
pattern's tests say (an OR of bit vectors, never more than 2^tests combinations). A component whose classes multiply
beyond MAX_CELLS is not enumerated: its conclusions (and a pattern's that reads them) are reported undetermined with
every level their rules allow, and the `bounded` flag says these are not exact bounds -- none of the shipped plans
comes near it.

What decides each outcome is exact too: a list of alternatives, each a conjunction of classes of the unknown inputs
(an input it does not name may take any value), such that a completion of the unknown inputs gives the outcome iff
some alternative admits it. Inputs that decide together (an election deadline and whether martial law ends first)
are never split into classes that only hold in some of their combinations.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import cachetools

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import value_holds
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.rulegraph import reads_conclusion
from ppexpert.reasoning.cells import Class, classes, derived_values, engine_values, structure_of
from ppexpert.reasoning.evaluate import evaluator_of
from ppexpert.reasoning.prepared import plan_of

MAX_CELLS = 200_000  # cells enumerated per component of unknown inputs


@dataclass(frozen=True)
class Possible:
    """What an undetermined conclusion could be, and for each outcome the classes of the unknown inputs it needs."""

    id: str
    outcomes: tuple  # levels in scale order, "holds", and None ("does not hold") last
    decided_by: dict = field(default_factory=dict)  # outcome -> alternatives, each ((input, (class text, ...)), ...)
    inputs: tuple[str, ...] = ()  # the unknown inputs it depends on
    bounded: bool = False

    @property
    def levels(self) -> list:
        return [o for o in self.outcomes if o is not None]


def outcome_of(standing_levels: set | None, rank) -> object:
    if not standing_levels:
        return None
    if True in standing_levels:
        return "holds"
    return max(standing_levels, key=rank)


def _order(kb: KnowledgeBase):
    names = kb.scale.names

    def key(outcome):
        if outcome is None:
            return (2, 0)
        if outcome == "holds":
            return (1, 0)
        return (0, names.index(outcome))
    return key


def possible_outcomes(kb: KnowledgeBase, loaded: LoadedScenario, actual: dict[str, object]) -> dict[str, Possible]:
    """conclusion id -> Possible, for every conclusion the unknown inputs leave open (`actual`: id -> outcome of the
    assessment as run, the unknown inputs matching no test)."""
    unknown = [name for name, value in sorted(loaded.inputs.items())
               if value.origin != "derived" and isinstance(value.value, str) and value.value == UNKNOWN]
    if not unknown:
        return {}
    structure = structure_of(kb)
    table: dict[str, list[Class]] = {name: classes(kb, loaded, name) for name in unknown}
    base_truth = structure.truth(engine_values(loaded))
    opaque = _opaque(kb, loaded, table, unknown)
    # what follows depends on nothing else: a cell met before, with the same classes, is answered from the memo
    key = (tuple(base_truth), tuple((name, tuple((c.index, c.text, c.truth) for c in table[name])) for name in unknown),
           tuple(sorted(actual.items(), key=repr)), tuple(sorted(opaque.items())))
    memo = kb.__dict__.setdefault("_possible_memo", _Memo())
    found = memo.get(key)
    if found is None:
        found = memo.put(key, _possible(kb, unknown, table, base_truth, actual, opaque))
    return dict(found)


def _opaque(kb: KnowledgeBase, loaded: LoadedScenario, table: dict[str, list[Class]],
            unknown: list[str]) -> dict[str, tuple]:
    """Derived inputs left unknown that the classes of the unknown inputs do not carry (a share summed over the
    regions, one of which is unknown): derived name -> the unknown inputs it comes from. Their rules cannot be
    enumerated class by class, so what reads them is bounded, never silently settled."""
    carried = {name for input_, found in table.items() if found
               for name in derived_values(kb, loaded, input_, found[0].representative)}
    return {name: tuple(sorted(set(value.derived_from) & set(unknown)))
            for name, value in sorted(loaded.inputs.items())
            if value.origin == "derived" and isinstance(value.value, str) and value.value == UNKNOWN
            and name not in carried and set(value.derived_from) & set(unknown)}


class _Memo:
    """A small least-recently-used map, safe to share between threads (each entry is computed whole first)."""

    size = 512

    def __init__(self) -> None:
        self._items: cachetools.LRUCache = cachetools.LRUCache(maxsize=self.size)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._items.get(key)  # a hit makes the entry the most recently used

    def put(self, key, value):
        with self._lock:
            self._items[key] = value  # the least recently used entry goes when full
        return value

    def __reduce__(self):  # pickled with the knowledge base: empty
        return (_Memo, ())


def _possible(kb: KnowledgeBase, unknown: list[str], table: dict[str, list[Class]], base_truth: list[bool],
              actual: dict[str, object], opaque: dict[str, tuple] | None = None) -> dict[str, Possible]:
    structure = structure_of(kb)
    evaluator = evaluator_of(kb)
    rank = kb.scale.rank
    atoms_of = {name: {i for cls in found for i, _ in cls.truth} for name, found in table.items()}

    # which unknown inputs each rule reads (through its own tests)
    rule_inputs: dict[str, set[str]] = {}
    opaque = opaque or {}
    opaque_rules = set()
    for rule in kb.rules:
        indices = {structure.atoms.of(c) for c in [*rule.when, *rule.unless] if c.subject_kind != "conclusion"}
        rule_inputs[rule.id] = {name for name, atoms in atoms_of.items() if atoms & indices}
        for c in [*rule.when, *rule.unless]:
            if c.subject_kind == "input" and c.subject in opaque:
                opaque_rules.add(rule.id)
                rule_inputs[rule.id] |= set(opaque[c.subject])
    aggregate = {rule.id for rule in kb.rules
                 if any(c.subject_kind == "conclusion" and c.subject.endswith(".*") for c in [*rule.when, *rule.unless])}
    aggregate_conclusions = {kb.rules_by_id[r].then.conclusion_id for r in aggregate}
    pure = all(all(c.subject_kind == "conclusion" and c.subject.endswith(".*")
                   for c in [*kb.rules_by_id[r].when, *kb.rules_by_id[r].unless]) for r in aggregate) and not any(
        c.subject_kind == "conclusion" and any(reads_conclusion(c.subject, cid) for cid in aggregate_conclusions)
        for rule in kb.rules for c in [*rule.when, *rule.unless]) and not any(
        kb.rules_by_id[r].overrides and any(kb.rules_by_id[o].id not in aggregate for o in kb.rules_by_id[r].overrides)
        for r in aggregate)
    if not pure:
        aggregate, aggregate_conclusions = set(), set()

    # the cone of unknown inputs of every conclusion (conclusions read by name join it; patterns do not)
    cone: dict[str, set[str]] = {}
    producers: dict[str, list] = {}
    for rule in kb.rules:
        producers.setdefault(rule.then.conclusion_id, []).append(rule)

    def cone_of(cid: str, seen: frozenset = frozenset()) -> set[str]:
        if cid in cone:
            return cone[cid]
        if cid in seen:
            return set()
        found: set[str] = set()
        for rule in producers.get(cid, ()):
            if rule.id in aggregate:
                continue
            found |= rule_inputs[rule.id]
            for c in [*rule.when, *rule.unless]:
                if c.subject_kind == "conclusion":
                    for other in producers:
                        if reads_conclusion(c.subject, other):
                            found |= cone_of(other, seen | {cid})
            for overrider in kb.rules:
                if rule.id in overrider.overrides:
                    found |= rule_inputs[overrider.id]
        cone[cid] = found
        return found
    for cid in producers:
        cone_of(cid)

    # components: unknown inputs joined by a conclusion's cone
    parent = {name: name for name in unknown}

    def root(name):
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name
    for cid, inputs in cone.items():
        if cid in aggregate_conclusions:
            continue
        inputs = sorted(inputs)
        for other in inputs[1:]:
            parent[root(other)] = root(inputs[0])
    components: dict[str, list[str]] = {}
    for name in unknown:
        components.setdefault(root(name), []).append(name)

    patterns = [c for r in sorted(aggregate) for c in [*kb.rules_by_id[r].when, *kb.rules_by_id[r].unless]]
    pattern_keys = list(dict.fromkeys((c.subject, c.op, str(c.operand)) for c in patterns))
    pattern_of = {key: next(c for c in patterns if (c.subject, c.op, str(c.operand)) == key) for key in pattern_keys}

    pattern_reads = [evaluator.reads(pattern_of[key]) for key in pattern_keys]

    def contributions(standing: dict[str, set], scope) -> int:
        pairs = {(cid, level) for cid, levels in standing.items() if cid in scope for level in levels}
        bits = 0
        for index, reads in enumerate(pattern_reads):
            if not reads.isdisjoint(pairs):
                bits |= 1 << index
        return bits

    base_standing, base_rules = evaluator.standing(base_truth)
    settled_scope = {cid for cid in producers if cid not in aggregate_conclusions and not cone.get(cid)}
    base_bits = contributions(base_standing, settled_scope)

    # cid -> outcome -> products that give it, each a tuple of (a component's inputs, a frozenset of its cells as
    # class-index tuples): exact, since components share no input
    results: dict[str, dict] = {}
    bounded: set[str] = set()
    component_bits: list[tuple[tuple, dict]] = []  # per component: bits -> its cells (None: not enumerated)
    for names in components.values():
        names = tuple(names)
        scope = {cid for cid, inputs in cone.items() if cid not in aggregate_conclusions and inputs & set(names)}
        count = 1
        for name in names:
            count *= len(table[name])
        if count > MAX_CELLS:
            # too many cells to enumerate: its conclusions are reported with every level their rules allow (the
            # `bounded` flag says the bounds are not exact), and a pattern may read any contribution from it
            bounded |= scope
            component_bits.append((names, None))
            continue
        by_bits: dict[int, set] = {}
        groups: dict[frozenset, list[tuple]] = {}
        around = evaluator.around(set().union(*(atoms_of[name] for name in names)), base_rules)
        fixed = [(cid, level) for cid, levels in around.fixed.items() if cid in scope for level in levels]
        for combo in itertools.product(*(table[name] for name in names)):
            truth = list(base_truth)
            for cls in combo:
                for index, value in cls.truth:
                    truth[index] = value
            added, _ = around.standing(truth)
            # cells grouped by what the rules they reach add in scope: most cells of a component agree with others
            key = frozenset((cid, level) for cid, levels in added.items() if cid in scope for level in levels)
            groups.setdefault(key, []).append(combo)
        # each conclusion's outcome in every group; conclusions with the same outcomes share one record
        signature = {cid: [None] * len(groups) for cid in scope}
        indices = []
        for g, (key, combos) in enumerate(groups.items()):
            standing = {}
            for cid, level in [*fixed, *key]:
                standing.setdefault(cid, set()).add(level)
            for cid, levels in standing.items():
                signature[cid][g] = outcome_of(levels, rank)
            cells = {tuple(cls.index for cls in combo) for combo in combos}
            indices.append(cells)
            if pattern_keys:
                by_bits.setdefault(contributions(standing, scope), set()).update(cells)
        alike: dict[tuple, list[str]] = {}
        for cid, outcomes in signature.items():
            alike.setdefault(tuple(outcomes), []).append(cid)
        for outcomes, cids in alike.items():
            record: dict = {}
            for outcome, cells in zip(outcomes, indices):
                record.setdefault(outcome, set()).update(cells)
            record = {outcome: ((names, frozenset(cells)),) for outcome, cells in record.items()}
            for cid in cids:
                target = results.setdefault(cid, {})
                for outcome, product in record.items():
                    target.setdefault(outcome, []).append(product)
        component_bits.append((names, {bits: frozenset(cells) for bits, cells in by_bits.items()}))

    # what a derived input the classes do not carry decides (and whatever reads it by name, or a rule it could
    # defeat): every level its rules allow, flagged as bounds that are not exact
    blind = {kb.rules_by_id[r].then.conclusion_id for r in opaque_rules}
    blind |= {kb.rules_by_id[o].then.conclusion_id for r in opaque_rules for o in kb.rules_by_id[r].overrides}
    grown = True
    while grown:
        grown = False
        for rule in kb.rules:
            cid = rule.then.conclusion_id
            if cid in blind or rule.id in aggregate:
                continue
            if any(c.subject_kind == "conclusion" and any(reads_conclusion(c.subject, b) for b in blind)
                   for c in [*rule.when, *rule.unless]):
                blind.add(cid)
                grown = True
    bounded |= blind - aggregate_conclusions
    if aggregate_conclusions and pattern_keys:
        if any(by_bits is None for _, by_bits in component_bits) or any(
                reads_conclusion(pattern_of[key].subject, cid) for key in pattern_keys for cid in blind):
            bounded |= aggregate_conclusions  # a part not enumerated: the patterns could read anything from it
        else:
            _aggregate(kb, aggregate, pattern_keys, pattern_of, base_bits, component_bits, table, results, rank)
        for cid in aggregate_conclusions:
            cone[cid] = set(unknown)
    settled_read = any(reads_conclusion(pattern_of[key].subject, cid) for key in pattern_keys
                       for cid in settled_scope if base_standing.get(cid))
    for cid in bounded:  # not enumerated: every level a rule concluding it allows, and "does not hold"
        allowed = results.setdefault(cid, {})
        for rule in producers.get(cid, ()):
            allowed.setdefault(rule.then.level or "holds", [])
        if cid not in aggregate_conclusions or not settled_read:  # a pattern reading a settled conclusion (the
            allowed.setdefault(None, [])  # overall risk, of an area no unknown input reaches) holds in every cell
        allowed.setdefault(actual.get(cid), [])

    order = _order(kb)
    found: dict[str, Possible] = {}
    for cid, by_outcome in sorted(results.items()):
        outcomes = tuple(sorted(by_outcome, key=order))
        if outcomes == (actual.get(cid),) and cid not in bounded:
            continue  # settled: every cell agrees with the assessment as run
        decided = {}
        for outcome in outcomes:
            decided[outcome] = () if cid in bounded else _alternatives(by_outcome[outcome], table)
        found[cid] = Possible(cid, outcomes, decided, tuple(sorted(cone.get(cid, ()))), cid in bounded)
    return found


def _alternatives(products: list, table: dict[str, list[Class]]) -> tuple:
    """The cells that give one outcome, as alternatives: each a conjunction of (input, class texts) that allows it,
    exact (a cell gives the outcome iff some alternative allows it). `products`: a list of products, each a tuple of
    (a component's input names, a frozenset of its cells as class-index tuples) that combine."""
    merged: dict[tuple, set] = {}  # the products of one component only, merged per component
    several = []
    for product in products:
        if len(product) == 1:
            names, cells = product[0]
            merged.setdefault(names, set()).update(cells)
        else:
            several.append(product)
    memo: dict = {}

    def rectangles(names, cells) -> list[dict]:
        key = (names, cells)
        if key not in memo:
            memo[key] = [dict(zip(names, rectangle)) for rectangle in _rectangles(cells)]
        return memo[key]
    found: list[dict] = []
    for names, cells in merged.items():
        found += rectangles(names, frozenset(cells))
    for product in several:
        for choice in itertools.product(*(rectangles(names, cells) for names, cells in product)):
            found.append({name: indices for part in choice for name, indices in part.items()})
    full = {name: frozenset(range(len(classes))) for name, classes in table.items()}
    alternatives = _merged([{n: i for n, i in a.items() if i != full[n]} for a in found], full)
    shown = {tuple((name, tuple(table[name][i].text for i in sorted(indices)))
                   for name, indices in sorted(a.items())) for a in alternatives}
    return tuple(sorted(shown))


def _merged(alternatives: list[dict], full: dict) -> list[dict]:
    """Join two alternatives that differ in one input only (A and B1, A and B2 -> A and B1 or B2): still exact, and
    shorter to read. An input left with every class restricts nothing and is dropped."""
    unique = list({tuple(sorted(a.items())): a for a in alternatives}.values())
    if len(unique) > 400:
        return unique
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(unique):
            for j in range(i + 1, len(unique)):
                b = unique[j]
                names = set(a) | set(b)
                differ = [n for n in names if a.get(n, full[n]) != b.get(n, full[n])]
                if len(differ) != 1:
                    continue
                name = differ[0]
                joined = {**a, name: a.get(name, full[name]) | b.get(name, full[name])}
                if joined[name] == full[name]:
                    del joined[name]
                unique = [x for k, x in enumerate(unique) if k not in (i, j)] + [joined]
                unique = list({tuple(sorted(x.items())): x for x in unique}.values())
                changed = True
                break
            if changed:
                break
    return unique


def _rectangles(cells: set[tuple]) -> list[tuple[frozenset, ...]]:
    """An exact cover of a set of cells (tuples of class indices) by products of index sets, without overlap:
    split on the first position, and give the values of it that leave the same rest one product."""
    if not cells:
        return []
    width = len(next(iter(cells)))
    projections = [frozenset(cell[i] for cell in cells) for i in range(width)]
    size = 1
    for projection in projections:
        size *= len(projection)
    if size == len(cells) or width == 1:
        return [tuple(projections)]
    rests: dict[int, set] = {}
    for cell in cells:
        rests.setdefault(cell[0], set()).add(cell[1:])
    grouped: dict[frozenset, set] = {}
    for first, rest in rests.items():
        grouped.setdefault(frozenset(rest), set()).add(first)
    found = []
    for rest, firsts in sorted(grouped.items(), key=lambda item: sorted(item[1])):
        found += [(frozenset(firsts), *rectangle) for rectangle in _rectangles(set(rest))]
    return found


def _aggregate(kb, aggregate, pattern_keys, pattern_of, base_bits, component_bits, table, results, rank) -> None:
    """The conclusions drawn from patterns (`risk.*`): from every combination of the components' contributions."""
    rules = [kb.rules_by_id[r] for r in _settle_order(kb) if r in aggregate]
    key_index = {key: index for index, key in enumerate(pattern_keys)}

    def evaluate(bits: int) -> dict[str, object]:
        standing: dict[str, set] = {}
        fired: set[str] = set()
        for rule in rules:
            if not all(bits >> key_index[(c.subject, c.op, str(c.operand))] & 1 for c in rule.when):
                continue
            if rule.unless and all(bits >> key_index[(c.subject, c.op, str(c.operand))] & 1 for c in rule.unless):
                continue
            if any(other.id in fired and rule.id in _all_overridden(kb, other.id) for other in rules):
                continue
            fired.add(rule.id)
            standing.setdefault(rule.then.conclusion_id, set()).add(rule.then.level or True)
        return {cid: outcome_of(levels, rank) for cid, levels in standing.items()}

    targets = {rule.then.conclusion_id for rule in rules}
    if not component_bits:
        outcome = evaluate(base_bits)
        for cid in targets:
            results.setdefault(cid, {}).setdefault(outcome.get(cid), [])
        return
    # every combination of what each component can make the patterns say: exact, since the components share no
    # input; the cells of a combination are the product of each component's cells with its contribution
    choices = [sorted(by_bits) for _, by_bits in component_bits]
    for combination in itertools.product(*choices):
        bits = base_bits
        for part in combination:
            bits |= part
        outcome = evaluate(bits)
        product = tuple((names, by_bits[part]) for (names, by_bits), part in zip(component_bits, combination))
        for cid in targets:
            results.setdefault(cid, {}).setdefault(outcome.get(cid), []).append(product)


def _settle_order(kb):
    return plan_of(kb).settle_order


def _all_overridden(kb, rule_id: str) -> set[str]:
    return {r for r, defeaters in plan_of(kb).defeaters.items() if rule_id in defeaters}
