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


def possible_outcomes(kb: KnowledgeBase, loaded: LoadedScenario, actual: dict[str, object],
                      plain: bool = False) -> dict[str, Possible]:
    """conclusion id -> Possible, for every conclusion the unknown inputs leave open (`actual`: id -> outcome of the
    assessment as run, the unknown inputs matching no test). `plain`: cell by cell, no memo (the reference the
    tests compare the fast path with)."""
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
    if plain:
        return _possible(kb, unknown, table, base_truth, actual, opaque, plain=True)
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
              actual: dict[str, object], opaque: dict[str, tuple] | None = None, plain: bool = False
              ) -> dict[str, Possible]:
    """`plain`: enumerate cell by cell (the reference the test compares the bit-parallel enumeration with)."""
    evaluator = evaluator_of(kb)
    rank = kb.scale.rank
    atoms_of = {name: {i for cls in found for i, _ in cls.truth} for name, found in table.items()}

    shape = _shape_of(kb)
    aggregate, aggregate_conclusions, producers = shape.aggregate, shape.aggregate_conclusions, shape.producers
    # which unknown inputs each rule reads (through its own tests)
    opaque = opaque or {}
    opaque_rules = set()
    owners: dict[int, set[str]] = {}
    for name, atoms in atoms_of.items():
        for index in atoms:
            owners.setdefault(index, set()).add(name)
    rule_inputs: dict[str, set[str]] = {}
    for rule in kb.rules:
        if plain:
            rule_inputs[rule.id] = {name for name, atoms in atoms_of.items() if atoms & shape.rule_atoms[rule.id]}
        else:
            rule_inputs[rule.id] = set().union(*(owners[i] for i in shape.rule_atoms[rule.id] if i in owners))
        for subject in shape.rule_inputs_tested[rule.id]:
            if subject in opaque:
                opaque_rules.add(rule.id)
                rule_inputs[rule.id] |= set(opaque[subject])
    # the cone of unknown inputs of every conclusion (conclusions read by name join it; patterns do not): the union
    # of the unknown inputs of the rules in its cone of rules (kept with the knowledge base)
    if plain:
        cone = _cones(kb, aggregate, producers, rule_inputs)
    else:
        cone = {cid: set().union(*(rule_inputs[r] for r in rules)) for cid, rules in shape.cone_rules.items()}

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

    pattern_keys, pattern_of, pattern_reads = shape.pattern_keys, shape.pattern_of, shape.pattern_reads

    base_standing, base_rules = evaluator.standing(base_truth)
    settled_scope = {cid for cid in producers if cid not in aggregate_conclusions and not cone.get(cid)}
    base_bits = _contributions(pattern_reads, base_standing, settled_scope)

    # cid -> outcome -> products that give it, each a tuple of (a component's inputs, a frozenset of its cells as
    # class-index tuples): exact, since components share no input
    results: dict[str, dict] = {}
    bounded: set[str] = set()
    component_bits: list[tuple[tuple, dict]] = []  # per component: bits -> its cells (None: not enumerated)
    # each conclusion in the scope of the component its cone lies in (a cone never spans two components)
    scopes: dict[str, set[str]] = {}
    for cid, inputs in cone.items():
        if inputs and cid not in aggregate_conclusions:
            scopes.setdefault(root(next(iter(inputs))), set()).add(cid)
    for head, names in components.items():
        names = tuple(names)
        if plain:
            scope = {cid for cid, inputs in cone.items() if cid not in aggregate_conclusions and inputs & set(names)}
        else:
            scope = scopes.get(head, set())
        count = 1
        for name in names:
            count *= len(table[name])
        if count > MAX_CELLS:
            # too many cells to enumerate: its conclusions are reported with every level their rules allow (the
            # `bounded` flag says the bounds are not exact), and a pattern may read any contribution from it
            bounded |= scope
            component_bits.append((names, None))
            continue
        around = evaluator.around(set().union(*(atoms_of[name] for name in names)), base_rules)
        records, by_bits = _enumerate(names, table, base_truth, around, scope, pattern_reads, rank, plain)
        for record, cids in records:
            for cid in cids:
                target = results.setdefault(cid, {})
                for outcome, product in record.items():
                    target.setdefault(outcome, []).append(product)
        component_bits.append((names, by_bits))

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
                cid in shape.pattern_readable for cid in blind):
            bounded |= aggregate_conclusions  # a part not enumerated: the patterns could read anything from it
        else:
            _aggregate(kb, aggregate, pattern_keys, pattern_of, base_bits, component_bits, table, results, rank)
        for cid in aggregate_conclusions:
            cone[cid] = set(unknown)
    settled_read = any(cid in shape.pattern_readable for cid in settled_scope if base_standing.get(cid))
    for cid in bounded:  # not enumerated: every level a rule concluding it allows, and "does not hold"
        allowed = results.setdefault(cid, {})
        for rule in producers.get(cid, ()):
            allowed.setdefault(rule.then.level or "holds", [])
        if cid not in aggregate_conclusions or not settled_read:  # a pattern reading a settled conclusion (the
            allowed.setdefault(None, [])  # overall risk, of an area no unknown input reaches) holds in every cell
        allowed.setdefault(actual.get(cid), [])

    order = _order(kb)
    shared = None if plain else {}  # conclusions sharing their cells share what decides them (and rectangles)
    found: dict[str, Possible] = {}
    for cid, by_outcome in sorted(results.items()):
        outcomes = tuple(sorted(by_outcome, key=order))
        if outcomes == (actual.get(cid),) and cid not in bounded:
            continue  # settled: every cell agrees with the assessment as run
        decided = {}
        for outcome in outcomes:
            decided[outcome] = () if cid in bounded else _alternatives(by_outcome[outcome], table, shared)
        found[cid] = Possible(cid, outcomes, decided, tuple(sorted(cone.get(cid, ()))), cid in bounded)
    return found


@dataclass(frozen=True)
class _Shape:
    """What the enumeration needs of a knowledge base's rules alone, whatever the scenario (kept with it)."""

    rule_atoms: dict  # rule id -> the atoms of its own input and baseline tests
    rule_inputs_tested: dict  # rule id -> the inputs its tests name
    aggregate: set  # rules that read conclusions only through patterns (`risk.*`), when that is all they read
    aggregate_conclusions: set
    producers: dict  # conclusion id -> the rules concluding it
    cone_rules: dict  # conclusion id -> the rules whose unknown inputs make its cone
    pattern_keys: list
    pattern_of: dict
    pattern_reads: list
    pattern_readable: frozenset  # conclusions some pattern reads


def _shape_of(kb: KnowledgeBase) -> _Shape:
    found = kb.__dict__.get("_unknowns_shape")
    if found is not None:
        return found
    structure = structure_of(kb)
    evaluator = evaluator_of(kb)
    tests = {rule.id: [*rule.when, *rule.unless] for rule in kb.rules}
    rule_atoms = {r: frozenset(structure.atoms.of(c) for c in cs if c.subject_kind != "conclusion")
                  for r, cs in tests.items()}
    tested = {r: tuple(c.subject for c in cs if c.subject_kind == "input") for r, cs in tests.items()}
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
    producers: dict[str, list] = {}
    for rule in kb.rules:
        producers.setdefault(rule.then.conclusion_id, []).append(rule)
    # the cone's recursion does not depend on what the sets hold: run it once on rule ids, unite inputs per scenario
    cone_rules = {cid: frozenset(rules) for cid, rules in
                  _cones(kb, aggregate, producers, {rule.id: {rule.id} for rule in kb.rules}).items()}
    patterns = [c for r in sorted(aggregate) for c in [*kb.rules_by_id[r].when, *kb.rules_by_id[r].unless]]
    pattern_keys = list(dict.fromkeys((c.subject, c.op, str(c.operand)) for c in patterns))
    pattern_of = {key: next(c for c in patterns if (c.subject, c.op, str(c.operand)) == key) for key in pattern_keys}
    pattern_reads = [evaluator.reads(pattern_of[key]) for key in pattern_keys]
    readable = frozenset(cid for cid in producers
                         if any(reads_conclusion(pattern_of[key].subject, cid) for key in pattern_keys))
    found = kb.__dict__["_unknowns_shape"] = _Shape(rule_atoms, tested, aggregate, aggregate_conclusions, producers,
                                                    cone_rules, pattern_keys, pattern_of, pattern_reads, readable)
    return found


def _cones(kb: KnowledgeBase, aggregate: set, producers: dict, rule_inputs: dict) -> dict[str, set]:
    """conclusion id -> the union of `rule_inputs` over the rules that conclude it (but aggregate ones), the rules
    that override those, and the cones of the conclusions their tests read by name."""
    cone: dict[str, set] = {}
    overriders: dict[str, list[str]] = {}
    for overrider in kb.rules:
        for overridden in dict.fromkeys(overrider.overrides):
            overriders.setdefault(overridden, []).append(overrider.id)

    def cone_of(cid: str, seen: frozenset = frozenset()) -> set:
        if cid in cone:
            return cone[cid]
        if cid in seen:
            return set()
        found: set = set()
        for rule in producers.get(cid, ()):
            if rule.id in aggregate:
                continue
            found |= rule_inputs[rule.id]
            for c in [*rule.when, *rule.unless]:
                if c.subject_kind == "conclusion":
                    for other in producers:
                        if reads_conclusion(c.subject, other):
                            found |= cone_of(other, seen | {cid})
            for overrider in overriders.get(rule.id, ()):
                found |= rule_inputs[overrider]
        cone[cid] = found
        return found
    for cid in producers:
        cone_of(cid)
    return cone


def _contributions(pattern_reads: list, standing: dict[str, set], scope) -> int:
    """Which pattern tests (`risk.*`) the conclusions of `scope` standing at `standing` satisfy, as a bit vector."""
    pairs = {(cid, level) for cid, levels in standing.items() if cid in scope for level in levels}
    bits = 0
    for index, reads in enumerate(pattern_reads):
        if not reads.isdisjoint(pairs):
            bits |= 1 << index
    return bits


def _enumerate(names: tuple, table: dict[str, list[Class]], base_truth: list[bool], around, scope: set,
               pattern_reads: list, rank, plain: bool = False) -> tuple[list, dict]:
    """Every cell of one component: ([(record, cids)], by_bits). A record maps each outcome to the product of the
    cells that give it, ((names, frozenset of class-index tuples),); the conclusions `cids` (in scope) share it.
    by_bits: what the component makes the pattern tests say -> its cells giving that (empty without patterns)."""
    if plain or not all(table[name] for name in names):
        return _enumerate_plain(names, table, base_truth, around, scope, pattern_reads, rank)
    return _enumerate_bits(names, table, base_truth, around, scope, pattern_reads, rank)


def _enumerate_plain(names, table, base_truth, around, scope, pattern_reads, rank) -> tuple[list, dict]:
    """Cell by cell: the straightforward reading of the semantics (kept as the reference of _enumerate_bits)."""
    by_bits: dict[int, set] = {}
    groups: dict[frozenset, list[tuple]] = {}
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
        if pattern_reads:
            by_bits.setdefault(_contributions(pattern_reads, standing, scope), set()).update(cells)
    alike: dict[tuple, list[str]] = {}
    for cid, outcomes in signature.items():
        alike.setdefault(tuple(outcomes), []).append(cid)
    records = []
    for outcomes, cids in alike.items():
        record: dict = {}
        for outcome, cells in zip(outcomes, indices):
            record.setdefault(outcome, set()).update(cells)
        records.append(({outcome: ((names, frozenset(cells)),) for outcome, cells in record.items()}, cids))
    return records, {bits: frozenset(cells) for bits, cells in by_bits.items()}


def _enumerate_bits(names, table, base_truth, around, scope, pattern_reads, rank) -> tuple[list, dict]:
    """Every cell at once: each atom, rule and (conclusion, level) pair is a bit vector over the component's cells
    (bit c: the c-th cell in itertools.product order), and the rules are evaluated in the settle order with bitwise
    AND, OR and NOT -- the same semantics as Around.standing, one pass over the rules instead of one per cell."""
    radices = [len(table[name]) for name in names]
    count = 1
    for radix in radices:
        count *= radix
    every = (1 << count) - 1
    # member[j][k]: the cells where the j-th input is in its k-th class (blocks of `stride` cells, every `period`)
    member = []
    stride = count
    for radix in radices:
        stride //= radix
        period = stride * radix
        repeat = ((1 << (period * (count // period))) - 1) // ((1 << period) - 1)
        member.append([(((1 << stride) - 1) << (k * stride)) * repeat for k in range(radix)])
    # atoms the classes set: the later input's class wins where two set the same atom (as the cell-by-cell loop)
    atom_bits: dict[int, int] = {}
    for j, name in enumerate(names):
        for k, cls in enumerate(table[name]):
            for index, value in cls.truth:
                bits = atom_bits.get(index, every if base_truth[index] else 0) & ~member[j][k]
                atom_bits[index] = bits | member[j][k] if value else bits

    def atom(index: int) -> int:
        found = atom_bits.get(index)
        if found is None:
            return every if base_truth[index] else 0
        return found

    pair_bits: dict[tuple, int] = {}
    rule_bits: dict[str, int] = {}

    def read(ok: frozenset) -> int:
        bits = 0
        if len(ok) < len(pair_bits):
            for pair in ok:
                bits |= pair_bits.get(pair, 0)
        else:
            for pair, found in pair_bits.items():
                if pair in ok:
                    bits |= found
        return bits

    for rule, when_atoms, when_reads, has_unless, unless_atoms, unless_reads, defeaters in around.checks:
        fire = every
        for index in when_atoms:
            fire &= atom(index)
            if not fire:
                break
        if fire:
            for ok in when_reads:
                fire &= read(ok)
                if not fire:
                    break
        if fire and has_unless:
            blocked = fire
            for index in unless_atoms:
                blocked &= atom(index)
            for ok in unless_reads:
                if not blocked:
                    break
                blocked &= read(ok)
            fire &= ~blocked
        for defeater in defeaters:
            if fire:
                fire &= ~rule_bits.get(defeater, 0)
        if fire:
            rule_bits[rule.id] = fire
            pair_bits[rule.pair] = pair_bits.get(rule.pair, 0) | fire
    # what stands in scope: the fixed rules' pairs in every cell, the evaluated rules' where they stood
    stand: dict[str, dict] = {}
    for cid, levels in around.fixed.items():
        if cid in scope:
            for level in levels:
                stand.setdefault(cid, {})[level] = every
    for (cid, level), bits in pair_bits.items():
        if cid in scope:
            found = stand.setdefault(cid, {})
            found[level] = found.get(level, 0) | bits
    cells = list(itertools.product(*(range(radix) for radix in radices)))

    def cells_of(bits: int) -> frozenset:
        if bits == every:
            return frozenset(cells)
        text = bin(bits)[:1:-1]
        return frozenset(cells[i] for i, digit in enumerate(text) if digit == "1")

    alike: dict[frozenset, list[str]] = {}
    for cid in scope:
        levels = stand.get(cid, {})
        record = {}
        holds = levels.get(True, 0)
        if holds:
            record["holds"] = holds
        higher = holds
        for level in sorted((lv for lv in levels if lv is not True), key=rank, reverse=True):
            bits = levels[level] & ~higher
            if bits:
                record[level] = bits
            higher |= levels[level]
        if every & ~higher:
            record[None] = every & ~higher
        alike.setdefault(frozenset(record.items()), []).append(cid)
    records = [({outcome: ((names, cells_of(bits)),) for outcome, bits in key}, cids) for key, cids in alike.items()]
    by_bits: dict[int, frozenset] = {}
    if pattern_reads:
        parts = {0: every}
        for index, reads in enumerate(pattern_reads):
            said = 0
            for cid, levels in stand.items():
                for level, bits in levels.items():
                    if (cid, level) in reads:
                        said |= bits
            split = {}
            for value, bits in parts.items():
                if bits & said:
                    split[value | 1 << index] = bits & said
                if bits & ~said:
                    split[value] = bits & ~said
            parts = split
        by_bits = {value: cells_of(bits) for value, bits in parts.items()}
    return records, by_bits


def _alternatives(products: list, table: dict[str, list[Class]], shared: dict | None = None) -> tuple:
    """The cells that give one outcome, as alternatives: each a conjunction of (input, class texts) that allows it,
    exact (a cell gives the outcome iff some alternative allows it). `products`: a list of products, each a tuple of
    (a component's input names, a frozenset of its cells as class-index tuples) that combine. `shared`: a memo kept
    over one enumeration (the same products give the same alternatives)."""
    memo: dict = {} if shared is None else shared
    whole = ("alternatives", tuple(products))
    if whole not in memo:
        memo[whole] = _alternatives_of(products, table, memo)
    return memo[whole]


def _alternatives_of(products: list, table: dict[str, list[Class]], memo: dict) -> tuple:
    merged: dict[tuple, set] = {}  # the products of one component only, merged per component
    several = []
    for product in products:
        if len(product) == 1:
            names, cells = product[0]
            merged.setdefault(names, set()).update(cells)
        else:
            several.append(product)

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
    full = memo.get("full")
    if full is None:  # every class of each input: the same for every outcome of one enumeration
        full = memo["full"] = {name: frozenset(range(len(classes))) for name, classes in table.items()}
    alternatives = _merged([{n: i for n, i in a.items() if i != full[n]} for a in found], full)
    shown = {tuple((name, tuple(table[name][i].text for i in sorted(indices)))
                   for name, indices in sorted(a.items())) for a in alternatives}
    return tuple(sorted(shown))


def _merged(alternatives: list[dict], full: dict) -> list[dict]:
    """Join two alternatives that differ in one input only (A and B1, A and B2 -> A and B1 or B2): still exact, and
    shorter to read. An input left with every class restricts nothing and is dropped. The first such pair in the
    list's order is joined, the joined one goes last, and the search starts again; an alternative never holds an
    input with every class, so inputs only one of two names all differ, and a pair found apart stays apart."""
    keyed = {tuple(sorted(a.items())): a for a in alternatives}
    unique, keys = list(keyed.values()), list(keyed)
    if len(unique) > 400:
        return unique
    apart: set[tuple[int, int]] = set()  # pairs of alternatives (by identity) that differ in more than one input
    kept = list(unique)  # keeps every alternative alive, so that an identity is never reused
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(unique):
            for j in range(i + 1, len(unique)):
                b = unique[j]
                if (id(a), id(b)) in apart:
                    continue
                only = a.keys() ^ b.keys()
                if len(only) > 1:
                    apart.add((id(a), id(b)))
                    continue
                differ = list(only) + [n for n in a.keys() & b.keys() if a[n] != b[n]]
                if len(differ) != 1:
                    apart.add((id(a), id(b)))
                    continue
                name = differ[0]
                joined = {**a, name: a.get(name, full[name]) | b.get(name, full[name])}
                if joined[name] == full[name]:
                    del joined[name]
                key = tuple(sorted(joined.items()))
                unique = [x for k, x in enumerate(unique) if k not in (i, j)]
                keys = [x for k, x in enumerate(keys) if k not in (i, j)]
                if key not in keys:  # an alternative met before stays where it is
                    unique.append(joined)
                    keys.append(key)
                    kept.append(joined)
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
    projections = [frozenset(column) for column in zip(*cells)]
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
    overridden = {rule.id: _all_overridden(kb, rule.id) for rule in rules}

    def evaluate(bits: int) -> dict[str, object]:
        standing: dict[str, set] = {}
        fired: set[str] = set()
        for rule in rules:
            if not all(bits >> key_index[(c.subject, c.op, str(c.operand))] & 1 for c in rule.when):
                continue
            if rule.unless and all(bits >> key_index[(c.subject, c.op, str(c.operand))] & 1 for c in rule.unless):
                continue
            if any(other.id in fired and rule.id in overridden[other.id] for other in rules):
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
