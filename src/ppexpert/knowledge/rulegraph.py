"""The rule dependency graph (networkx): which rule reads what another concludes, and who overrides whom."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ppexpert.knowledge.model import Rule

if TYPE_CHECKING:
    import networkx as nx


def _nx():
    # lazy, for start-up speed: networkx costs a cold start more than a whole assessment; a cached knowledge
    # base never needs it.
    import networkx
    return networkx


def reads_conclusion(condition_subject: str, conclusion_id: str) -> bool:
    """`risk.*` reads every risk but the overall one (which is itself drawn from the others)."""
    if condition_subject.endswith(".*"):
        kind = condition_subject[:-2]
        return conclusion_id.startswith(kind + ".") and conclusion_id != f"{kind}.overall"
    return condition_subject == conclusion_id


def _override_graph(rules: list[Rule]) -> nx.DiGraph:
    nx = _nx()
    graph = nx.DiGraph()
    graph.add_nodes_from(rule.id for rule in rules)
    graph.add_edges_from((rule.id, other) for rule in rules for other in rule.overrides)
    return graph


def overriders(rules: list[Rule]) -> dict[str, set[str]]:
    """For each rule, every rule that overrides it, directly or through a chain of exceptions."""
    nx = _nx()
    graph = _override_graph(rules)
    return {rule.id: nx.ancestors(graph, rule.id) for rule in rules}


def override_chains(rules: list[Rule]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(overrider, overridden) -> the rules between them in a chain of overrides; () when it is direct."""
    nx = _nx()
    graph = _override_graph(rules)
    return {(winner, loser): tuple(path[1:-1])
            for winner, paths in nx.all_pairs_shortest_path(graph) for loser, path in paths.items() if loser != winner}


def rule_graph(rules: list[Rule]) -> nx.DiGraph:
    """Edges run from a rule to the rules that must be settled after it.

    producer -> consumer: the consumer tests a conclusion the producer draws (in `when` or `unless`);
    overrider -> overridden: an exception is settled before the rule it defeats.
    """
    nx = _nx()
    graph = nx.DiGraph()
    producing: dict[str, list[int]] = {}  # conclusion id -> positions of the rules that draw it
    for index, rule in enumerate(rules):
        graph.add_node(rule.id)
        producing.setdefault(rule.then.conclusion_id, []).append(index)
    for consumer in rules:
        found: set[int] = set()
        for subject in (c.conclusion for c in consumer.when + consumer.unless if c.conclusion):
            if subject.endswith(".*"):
                found.update(i for cid, positions in producing.items() if reads_conclusion(subject, cid)
                             for i in positions)
            else:
                found.update(producing.get(subject, ()))
        for index in sorted(found):  # in the knowledge base's order, as before
            graph.add_edge(rules[index].id, consumer.id, kind="reads")
        for overridden in consumer.overrides:
            if overridden in graph:
                graph.add_edge(consumer.id, overridden, kind="overrides")
    return graph


def settle_order(rules: list[Rule]) -> list[str]:
    """Rule ids in an order where producers and exceptions come first; ties keep the knowledge base's order."""
    nx = _nx()
    graph = rule_graph(rules)
    position = {rule.id: index for index, rule in enumerate(rules)}
    return list(nx.lexicographical_topological_sort(graph, key=lambda rule_id: position[rule_id]))
