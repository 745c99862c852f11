"""The trace as data: inputs and facts -> firings -> conclusions, with provisions and sources; networkx on demand."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ppexpert.engine.durable import Firing
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.inputs import LoadedScenario
from ppexpert.reasoning._conclusion_types import Defeat


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


def _rule_spans(kb: KnowledgeBase) -> dict[str, str]:
    """Each rule's file:line as text, once per knowledge base (it is the same in every trace)."""
    spans = kb.__dict__.get("_rule_spans")
    if spans is None or len(spans) != len(kb.rules):
        spans = kb.__dict__["_rule_spans"] = {rule.id: str(rule.span) for rule in kb.rules}
    return spans


def build_trace(loaded: LoadedScenario, kb: KnowledgeBase, firings: list[Firing], standing: dict,
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
    spans = _rule_spans(kb)
    cited: set[str] = set()
    for firing in firings:
        node = f"firing:{firing.rule}#{firing.order}"
        rule = rules[firing.rule]
        defeat = defeated.get((firing.rule, firing.conclusion["cid"], firing.conclusion.get("lv")))
        data = {"kind": "firing", "rule": firing.rule, "order": firing.order, "span": spans[rule.id],
                "standing": firing.order in standing_firings, "defeated_by": defeat.by if defeat else None}
        if rule.floor is not None:  # a step of the scale's floor: its level, reason and the rule that set it
            data["floor"] = {"level": rule.floor.level, "reason": rule.floor.reason, "trigger": rule.floor.trigger,
                             "at": rule.floor.at}
        nodes.append((node, data))
        edges += [(premise_node(p), node, {"kind": "premise"}) for p in firing.premises]
        for ref, kind in [(ref, "rests_on") for ref in rule.rests_on] + [(ref, "context") for ref in rule.context]:
            if ref in kb.provisions:
                cited.add(ref)
                edges.append((f"provision:{ref}", node, {"kind": kind}))
            else:
                edges.append((f"fact:{ref}", node, {"kind": kind}))
        if firing.order in standing_firings:
            nodes.append((firing.conclusion["cid"], {"kind": "conclusion"}))
            edges.append((node, firing.conclusion["cid"], {"kind": "concludes"}))
    for ref in sorted(cited):
        source = kb.provisions[ref].source
        nodes += [(f"provision:{ref}", {"kind": "provision", "ref": ref}), (f"source:{source}", {"kind": "source", "ref": source})]
        edges.append((f"source:{source}", f"provision:{ref}", {"kind": "cites"}))
    return Trace(tuple(nodes), tuple(edges), frozenset(standing_firings))
