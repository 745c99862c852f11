"""The rule dependency graph (networkx): which rule reads what another concludes, and who overrides whom."""
from __future__ import annotations

import heapq
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


# The functions below walk plain dicts of successors instead of networkx graphs: importing networkx and building
# its graphs was a sixth of loading 4,000 rules. Each gives what its networkx counterpart gives (same sets, same
# paths, same order: tests/test_rulegraph_plain.py compares them); a cycle falls back to networkx for its error.


def _override_successors(rules: list[Rule]) -> dict[str, dict[str, None]]:
    """The override graph as networkx builds it: rule ids first, then dangling targets, successors in edge order."""
    successors: dict[str, dict[str, None]] = {rule.id: {} for rule in rules}
    for rule in rules:
        for other in rule.overrides:
            successors[rule.id][other] = None
            successors.setdefault(other, {})
    return successors


def reaches(successors: dict[str, dict], source: str, target: str) -> bool:
    """Whether a path leads from `source` to `target` (networkx.has_path; a node reaches itself)."""
    seen, todo = {source}, [source]
    while todo:
        node = todo.pop()
        if node == target:
            return True
        for child in successors.get(node, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def overriders(rules: list[Rule]) -> dict[str, set[str]]:
    """For each rule, every rule that overrides it, directly or through a chain of exceptions."""
    predecessors: dict[str, list[str]] = {}
    for rule_id, children in _override_successors(rules).items():
        for child in children:
            predecessors.setdefault(child, []).append(rule_id)
    result = {}
    for rule in rules:
        found: set[str] = set()
        todo = list(predecessors.get(rule.id, ()))
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo.extend(predecessors.get(node, ()))
        found.discard(rule.id)  # networkx.ancestors leaves the node itself out, even on a cycle
        result[rule.id] = found
    return result


def override_chains(rules: list[Rule]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(overrider, overridden) -> the rules between them in a chain of overrides; () when it is direct."""
    successors = _override_successors(rules)
    chains = {}
    for winner in successors:
        # networkx.single_source_shortest_path: breadth first, the first path found to a node is kept
        paths = {winner: [winner]}
        level = [winner]
        while level:
            following = []
            for node in level:
                for child in successors[node]:
                    if child not in paths:
                        paths[child] = paths[node] + [child]
                        following.append(child)
            level = following
        chains.update({(winner, loser): tuple(path[1:-1]) for loser, path in paths.items() if loser != winner})
    return chains


def rule_successors(rules: list[Rule]) -> dict[str, dict[str, str]]:
    """Edges run from a rule to the rules that must be settled after it (with their kind, 'reads' or 'overrides').

    producer -> consumer: the consumer tests a conclusion the producer draws (in `when` or `unless`);
    overrider -> overridden: an exception is settled before the rule it defeats.
    """
    successors: dict[str, dict[str, str]] = {}
    producing: dict[str, list[int]] = {}  # conclusion id -> positions of the rules that draw it
    for index, rule in enumerate(rules):
        successors.setdefault(rule.id, {})
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
            successors[rules[index].id][consumer.id] = "reads"
        for overridden in consumer.overrides:
            if overridden in successors:
                successors[consumer.id][overridden] = "overrides"
    return successors


def rule_graph(rules: list[Rule]) -> nx.DiGraph:
    """rule_successors as a networkx graph (for finding cycles)."""
    nx = _nx()
    graph = nx.DiGraph()
    successors = rule_successors(rules)
    graph.add_nodes_from(successors)
    graph.add_edges_from((rule_id, child, {"kind": kind})
                         for rule_id, children in successors.items() for child, kind in children.items())
    return graph


def _topological(successors: dict[str, dict], key) -> list[str] | None:
    """networkx.lexicographical_topological_sort with a key unique to each node; None when there is a cycle."""
    indegree = dict.fromkeys(successors, 0)
    for children in successors.values():
        for child in children:
            indegree[child] += 1
    ready = [(key(node), node) for node, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for child in successors[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (key(child), child))
    return order if len(order) == len(successors) else None


def has_cycle(rules: list[Rule]) -> bool:
    """Whether the rule graph has a cycle (then networkx finds them)."""
    position = {rule.id: index for index, rule in enumerate(rules)}
    return _topological(rule_successors(rules), position.__getitem__) is None


def settle_order(rules: list[Rule]) -> list[str]:
    """Rule ids in an order where producers and exceptions come first; ties keep the knowledge base's order."""
    position = {rule.id: index for index, rule in enumerate(rules)}
    order = _topological(rule_successors(rules), position.__getitem__)
    if order is None:  # a cycle: networkx raises its error
        nx = _nx()
        return list(nx.lexicographical_topological_sort(rule_graph(rules), key=lambda rule_id: position[rule_id]))
    return order
