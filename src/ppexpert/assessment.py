"""One assessment of one scenario: run the rules, settle precedence, trace every conclusion to its sources.

The result object (Assessment) is what every presentation reads; none of them computes anything.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Mapping


from . import __version__
from .compile import CompiledRuleset, compile_rules, encode_value
from .conditions import describe, show_value, value_holds
from .engine import Firing, shared_engine
from .knowledge import KnowledgeBase, find_knowledge, load_knowledge
from .model import UNKNOWN, Condition, Rule
from .rulegraph import reads_conclusion
from .scenario import LoadedScenario, load_scenario


@dataclass(frozen=True)
class Conclusion:
    id: str
    kind: str  # risk | violation | consequence | finding
    level: str | None
    area: str | None
    label: str | None
    sentence: str
    rules: tuple[str, ...]  # every rule whose firing supports it, in settle order
    sources: tuple[dict, ...]  # citations of the provisions and baselines it rests on
    premises: tuple[str, ...]  # trace node ids of what the supporting firings matched
    disputed: tuple[dict, ...] = ()  # baselines it rests on whose sources disagree, or that the scenario assumed
    caveats: tuple[str, ...] = ()  # exceptions that would defeat it but that the scenario's unknowns leave open

    @property
    def rule(self) -> str:
        return self.rules[0]


@dataclass(frozen=True)
class Defeat:
    """A rule that matched but whose conclusion does not stand."""

    rule: str
    conclusion: str
    level: str | None
    by: str  # the overriding rule's id, or "unless"
    reason: str


@dataclass(frozen=True)
class Undetermined:
    """A conclusion the scenario's unknown inputs leave open: it would follow if they took these values."""

    rule: str
    conclusion: str
    level: str | None
    unknown: tuple[str, ...]
    needs: tuple[str, ...]
    sentence: str


@dataclass
class Assessment:
    kb: KnowledgeBase
    loaded: LoadedScenario
    conclusions: dict[str, Conclusion]
    firings: list[Firing]
    defeats: list[Defeat]
    undetermined: list[Undetermined]
    trace: "Trace"
    support: dict[str, list[Firing]] = field(default_factory=dict)

    @cached_property
    def graph(self):
        """The trace as a networkx DiGraph (built on first use: most runs never need networkx itself)."""
        return self.trace.to_graph()

    def standing(self, firing: Firing) -> bool:
        return firing.order in self.trace.standing

    @property
    def scenario(self):
        return self.loaded.scenario

    def by_kind(self, kind: str) -> list[Conclusion]:
        return [c for c in self.conclusions.values() if c.kind == kind]

    @property
    def risks(self) -> list[Conclusion]:
        return [c for c in self.by_kind("risk") if c.area != "overall"]

    @property
    def overall(self) -> Conclusion | None:
        return self.conclusions.get("risk.overall")

    def get(self, conclusion_id: str) -> Conclusion | None:
        return self.conclusions.get(conclusion_id)

    def why(self, conclusion_id: str) -> dict:
        from .explain import why
        return why(self, conclusion_id)

    def why_not(self, conclusion_id: str, level: str | None = None) -> dict:
        from .explain import why_not
        return why_not(self, conclusion_id, level)

    def what_if(self, conclusion_id: str) -> dict:
        from .explain import what_if
        return what_if(self, conclusion_id)

    def to_json(self) -> dict:
        from .report_json import assessment_json
        return assessment_json(self)


# ---------------------------------------------------------------- the pipeline


@lru_cache(maxsize=8)
def _knowledge_cached(root: str, stamp: tuple) -> KnowledgeBase:
    return _from_disk_cache(Path(root))


def _cache_dir() -> Path | None:
    if os.environ.get("PPEXPERT_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("PPEXPERT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "ppexpert")
    return Path(base)


def _code_fingerprint() -> bytes:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.digest()


def _from_disk_cache(root: Path) -> KnowledgeBase:
    """The checked knowledge base, from a pickle keyed by the content of every knowledge file and of this code.

    Loading, validating and checking the YAML is most of a cold start; a changed file or a changed ppexpert
    gives a new key, and any trouble with the cache falls back to loading (PPEXPERT_CACHE=off skips it).
    """
    folder = _cache_dir()
    if folder is None:
        return _planned(load_knowledge(root))
    digest = hashlib.sha256(_code_fingerprint() + str(root).encode())
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    cached = folder / f"knowledge-{digest.hexdigest()[:32]}.pickle"
    try:
        with cached.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - missing, stale or unreadable: load from the YAML instead
        pass
    kb = _planned(load_knowledge(root))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, cached)
    except OSError:
        pass  # a read-only home is no reason to fail
    return kb


def _planned(kb: KnowledgeBase) -> KnowledgeBase:
    _plan(kb)
    return kb


def knowledge_for(root: Path | str | None = None, near: Path | None = None) -> KnowledgeBase:
    """Load the knowledge base once per process, again only when a file changed."""
    root = Path(root) if root is not None else find_knowledge(near)
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*.yaml")))
    return _knowledge_cached(str(root.resolve()), stamp)


@dataclass(frozen=True)
class _Plan:
    """What every assessment against one knowledge base needs, computed once per process."""

    compiled: CompiledRuleset
    settle_order: tuple[str, ...]
    defeaters: dict[str, tuple[str, ...]]  # rule -> the rules that override it, in knowledge-base order
    tested: frozenset[tuple[str, str]]
    chains: dict[tuple[str, str], tuple[str, ...]]  # (overrider, overridden) -> the rules between them
    asks_unknown: frozenset[str]  # inputs some `when` tests for the value `unknown`


def _plan(kb: KnowledgeBase) -> _Plan:
    """Kept on the knowledge base itself, so it lives (and is cached on disk) with it."""
    plan = kb.__dict__.get("_plan")
    if plan is None:
        from .rulegraph import override_chains, overriders, settle_order
        position = {rule.id: index for index, rule in enumerate(kb.rules)}
        defeaters = {rule: tuple(sorted(found, key=position.get)) for rule, found in overriders(kb.rules).items()}
        plan = kb.__dict__["_plan"] = _Plan(
            compile_rules(kb.rules, kb.scale), tuple(settle_order(kb.rules)), defeaters,
            frozenset((c.subject_kind, c.subject) for rule in kb.rules for c in rule.when), override_chains(kb.rules),
            frozenset(c.subject for rule in kb.rules for c in rule.when
                      if c.subject_kind == "input" and UNKNOWN in (c.operand if c.op == "in" else [c.operand])))
    return plan


def compiled_for(kb: KnowledgeBase) -> CompiledRuleset:
    return _plan(kb).compiled


def assess(scenario: Path | str | Mapping, knowledge: Path | str | KnowledgeBase | None = None) -> Assessment:
    """Assess a scenario file (or mapping) against the knowledge base; raise InputError on bad input."""
    if isinstance(knowledge, KnowledgeBase):
        kb = knowledge
    else:
        near = Path(scenario).parent if isinstance(scenario, (str, Path)) else None
        kb = knowledge_for(knowledge, near)
    loaded = load_scenario(scenario, kb)
    return assess_loaded(loaded, kb)


def assess_loaded(loaded: LoadedScenario, kb: KnowledgeBase) -> Assessment:
    compiled = compiled_for(kb)
    firings = shared_engine().run(compiled, engine_facts(loaded, kb))
    return _settle(loaded, kb, firings)


def engine_facts(loaded: LoadedScenario, kb: KnowledgeBase) -> list[dict]:
    """The input and baseline facts some rule tests (others would only cost a crossing into C)."""
    plan = _plan(kb)
    tested, asks_unknown = plan.tested, plan.asks_unknown
    # An unknown value matches only a test for `unknown` itself; the others would only cost a crossing into C.
    facts = [encode_value("in", name, value.value) for name, value in sorted(loaded.inputs.items())
             if ("input", name) in tested and (value.value != UNKNOWN or name in asks_unknown)]
    facts += [encode_value("fact", name, value.value) for name, value in sorted(loaded.baselines.items())
              if ("fact", name) in tested]
    return facts


def _settle(loaded: LoadedScenario, kb: KnowledgeBase, firings: list[Firing]) -> Assessment:
    """Decide which firings stand: premises must stand, `unless` must not hold, no standing overrider."""
    rules = kb.rules_by_id
    by_rule: dict[str, list[Firing]] = {}
    for firing in firings:
        by_rule.setdefault(firing.rule, []).append(firing)
    standing: dict[str, list[Firing]] = {}  # conclusion fact id -> standing firings
    standing_rules: set[str] = set()
    defeats: list[Defeat] = []
    plan = _plan(kb)
    defeaters = plan.defeaters
    for rule_id in plan.settle_order:
        rule = rules[rule_id]
        for firing in by_rule.get(rule_id, []):
            if not all(p["id"] in standing for p in firing.premises if p["t"] == "c"):
                continue  # it rested on a conclusion that was itself defeated
            if rule.unless and all(_holds(c, loaded, standing, kb) for c in rule.unless):
                reason = rule.unless_reason or "; ".join(describe(c) for c in rule.unless)
                defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), "unless",
                                      f"{rule_id} would conclude {_concluded(firing)}, but its exception holds: {reason}"))
                continue
            overrider = next((other for other in defeaters[rule_id] if other in standing_rules), None)
            if overrider is not None:
                chain = plan.chains[(overrider, rule_id)]
                through = f" (through {', '.join(chain)})" if chain else ""
                defeats.append(Defeat(rule_id, firing.conclusion["cid"], firing.conclusion.get("lv"), overrider,
                                      f"{rule_id} would conclude {_concluded(firing)}; {overrider} overrides it"
                                      f"{through}: {rules[overrider].title}"))
                continue
            standing.setdefault(firing.conclusion["id"], []).append(firing)
            standing_rules.add(rule_id)
    defeats = _unique(defeats)
    trace = _trace(loaded, kb, firings, standing, defeats)
    conclusions = _conclusions(loaded, kb, standing, trace)
    return Assessment(kb, loaded, conclusions, firings, defeats, _undetermined(loaded, kb, standing, conclusions),
                      trace, {fact_id: fs for fact_id, fs in standing.items()})


def _unique(defeats: list[Defeat]) -> list[Defeat]:
    """One defeat per rule and conclusion, however many of its firings were defeated."""
    first: dict[tuple, Defeat] = {}
    for defeat in defeats:
        first.setdefault((defeat.rule, defeat.conclusion, defeat.level), defeat)
    return list(first.values())


def _concluded(firing: Firing) -> str:
    level = firing.conclusion.get("lv")
    return f"{firing.conclusion['cid']} = {level}" if level else firing.conclusion["cid"]


def _holds(condition: Condition, loaded: LoadedScenario, standing: dict, kb: KnowledgeBase) -> bool:
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


# ---------------------------------------------------------------- trace


def premise_node(fact: dict) -> str:
    if fact["t"] == "in":
        return f"input:{fact['n']}"
    if fact["t"] == "fact":
        return f"fact:{fact['n']}"
    return fact["cid"]


@dataclass(frozen=True)
class Trace:
    """The derivation as data: nodes and edges from inputs and facts through firings to conclusions."""

    nodes: tuple[tuple[str, dict], ...]
    edges: tuple[tuple[str, str, dict], ...]
    standing: frozenset[int]  # the orders of the firings whose conclusions stand

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for head, tail, _ in self.edges:
            children.setdefault(head, []).append(tail)
        return children

    def descendants(self, node: str) -> set[str]:
        children = self._children
        seen, stack = set(), [node]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def to_graph(self):
        import networkx as nx  # imported on first use: it costs a cold start more than the whole assessment
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from(self.edges)
        return graph


def _trace(loaded: LoadedScenario, kb: KnowledgeBase, firings: list[Firing], standing: dict,
           defeats: list[Defeat]) -> Trace:
    """inputs and knowledge facts -> firings -> conclusions; provisions and sources hang off firings."""
    nodes: list[tuple[str, dict]] = []
    edges: list[tuple[str, str, dict]] = []
    for name, value in sorted(loaded.inputs.items()):
        nodes.append((f"input:{name}", {"kind": "input", "name": name, "value": value.value, "origin": value.origin,
                                        "point": value.point, "span": str(value.span)}))
        for read in value.derived_from:
            edges.append((f"input:{read}" if read in loaded.inputs else f"fact:{read}", f"input:{name}",
                          {"kind": "derives"}))
    for name, value in sorted(loaded.baselines.items()):
        nodes.append((f"fact:{name}", {"kind": "baseline", "name": name, "value": value.value,
                                       "kb_value": value.kb_value, "assumed": value.assumed,
                                       "disputed": value.disputed, "source": value.source, "span": str(value.span)}))
    standing_firings = {f.order for fs in standing.values() for f in fs}
    defeated = {(d.rule, d.conclusion, d.level): d for d in defeats}
    rules = kb.rules_by_id
    cited: set[str] = set()
    for firing in firings:
        node = f"firing:{firing.rule}#{firing.order}"
        rule = rules[firing.rule]
        defeat = defeated.get((firing.rule, firing.conclusion["cid"], firing.conclusion.get("lv")))
        nodes.append((node, {"kind": "firing", "rule": firing.rule, "order": firing.order, "span": str(rule.span),
                             "standing": firing.order in standing_firings,
                             "defeated_by": defeat.by if defeat else None}))
        edges += [(premise_node(p), node, {"kind": "premise"}) for p in firing.premises]
        for ref in rule.rests_on:
            if ref in kb.provisions:
                cited.add(ref)
                edges.append((f"provision:{ref}", node, {"kind": "rests_on"}))
            else:
                edges.append((f"fact:{ref}", node, {"kind": "rests_on"}))
        if firing.order in standing_firings:
            nodes.append((firing.conclusion["cid"], {"kind": "conclusion"}))
            edges.append((node, firing.conclusion["cid"], {"kind": "concludes"}))
    for ref in sorted(cited):
        source = kb.provisions[ref].source
        nodes += [(f"provision:{ref}", {"kind": "provision", "ref": ref}), (f"source:{source}", {"kind": "source", "ref": source})]
        edges.append((f"source:{source}", f"provision:{ref}", {"kind": "cites"}))
    return Trace(tuple(nodes), tuple(edges), frozenset(standing_firings))


# ---------------------------------------------------------------- conclusions

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)(?::([^{}]*))?\}")


def template_values(loaded: LoadedScenario, kb: KnowledgeBase) -> dict[str, Any]:
    values: dict[str, Any] = {name: value.value for name, value in loaded.inputs.items()}
    for name, value in loaded.baselines.items():
        values[name] = value.value
        alias = kb.baselines[name].alias if name in kb.baselines else None
        if alias:
            values[alias] = value.value
    return values


def render(template: str, values: dict[str, Any], extra: dict | None = None) -> str:
    """Fill `{name}` (or `{name:spec}`) from the scenario's values; numbers get thousands separators."""
    merged = {**values, **(extra or {})}

    def fill(match: re.Match) -> str:
        name, spec = match.group(1), match.group(2)
        if name not in merged:
            return match.group(0)
        value = merged[name]
        if spec:
            try:
                return format(value, spec)
            except (TypeError, ValueError):
                return show_value(value)
        return show_value(value)

    return _PLACEHOLDER.sub(fill, template)


def _conclusions(loaded: LoadedScenario, kb: KnowledgeBase, standing: dict, trace: Trace) -> dict[str, Conclusion]:
    rules = kb.rules_by_id
    values = template_values(loaded, kb)
    grouped: dict[str, list[Firing]] = {}
    for fact_id, fs in standing.items():
        grouped.setdefault(fs[0].conclusion["cid"], []).extend(fs)
    result = {}
    reach = {n: (d, trace.descendants(n)) for n, d in sorted(trace.nodes, key=lambda item: item[0])
             if d.get("kind") == "baseline" and (d.get("disputed") or d.get("assumed"))}
    for cid in sorted(grouped):
        fs = sorted(grouped[cid], key=lambda f: f.order)
        levels = sorted({f.conclusion.get("lv") for f in fs if f.conclusion.get("lv")}, key=kb.scale.rank)
        level = levels[-1] if levels else None  # checker forbids unresolved conflicts; keep the gravest if one slips
        fs = [f for f in fs if f.conclusion.get("lv") == level] if level else fs
        rule_ids = tuple(dict.fromkeys(f.rule for f in fs))
        first = rules[rule_ids[0]]
        sources, refs = [], []
        for rule_id in rule_ids:
            for ref in rules[rule_id].rests_on:
                if ref not in refs:
                    refs.append(ref)
                    citation = kb.citation_of(ref)
                    if citation:
                        sources.append(citation)
        premises = tuple(dict.fromkeys(premise_node(p) for f in fs for p in f.premises))
        result[cid] = Conclusion(
            id=cid, kind=first.then.kind, level=level, area=first.then.area_id, label=first.then.label,
            sentence=render(first.because, values, {"level": level}), rules=rule_ids, sources=tuple(sources),
            premises=premises, disputed=_disputed(cid, reach), caveats=_caveats(rule_ids, kb, loaded))
    return result


def _caveats(rule_ids: tuple[str, ...], kb: KnowledgeBase, loaded: LoadedScenario) -> tuple[str, ...]:
    """An `unless` that fails only because its inputs are unknown: the conclusion stands, but only so far."""
    found = []
    for rule_id in rule_ids:
        rule = kb.rules_by_id[rule_id]
        inputs = [c for c in rule.unless if c.subject_kind == "input"]
        if not inputs or len(inputs) != len(rule.unless):
            continue
        open_inputs = [c.subject for c in inputs if current_value(c, loaded) == UNKNOWN]
        if open_inputs and all(value_holds(c, current_value(c, loaded)) for c in inputs if c.subject not in open_inputs):
            reason = rule.unless_reason or "; ".join(describe(c) for c in rule.unless)
            found.append(f"stands unless {reason} ({', '.join(dict.fromkeys(open_inputs))} unknown in this scenario)")
    return tuple(dict.fromkeys(found))


def _disputed(cid: str, reach: dict[str, tuple[dict, set]]) -> tuple[dict, ...]:
    found = []
    for data, descendants in reach.values():
        if cid in descendants:
            found.append({"baseline": data["name"], "value": data["value"], "kb_value": data["kb_value"],
                          "assumed": data["assumed"], "source": data["source"]})
    return tuple(found)


def _undetermined(loaded: LoadedScenario, kb: KnowledgeBase, standing: dict,
                  conclusions: dict[str, Conclusion]) -> list[Undetermined]:
    """Rules that failed only on unknown inputs: what they would conclude, and what it would take."""
    result = []
    fired = {f.rule for fs in standing.values() for f in fs}
    unknown_inputs = {name for name, value in loaded.inputs.items() if value.value == UNKNOWN}
    for rule in kb.rules:
        if rule.id in fired or not any(c.subject_kind == "input" and c.subject in unknown_inputs for c in rule.when):
            continue  # only a rule that tests an unknown input can be left open by it
        failing = [c for c in rule.when if not _holds(c, loaded, standing, kb)]
        if not failing or not all(c.subject_kind == "input" and current_value(c, loaded) == UNKNOWN for c in failing):
            continue
        existing = conclusions.get(rule.then.conclusion_id)
        if existing and existing.level == rule.then.level:
            continue
        unknown = tuple(dict.fromkeys(c.subject for c in failing))
        level = f" = {rule.then.level}" if rule.then.level else ""
        needs = tuple(describe(c) for c in failing)
        result.append(Undetermined(rule.id, rule.then.conclusion_id, rule.then.level, unknown, needs,
                                   f"would conclude {rule.then.conclusion_id}{level} if {' and '.join(needs)} "
                                   f"({', '.join(unknown)} unknown in this scenario)"))
    return result

