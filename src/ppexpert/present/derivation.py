"""The derivation of one conclusion as a picture, in words: the conclusion at the top, the rules that give it
(their titles), the inputs they matched (the parameter's title, its value and the plan point), the baselines, and
the cited articles and sources as leaves; rules that matched but were overridden hang off it dashed.

It reads the assessment's `why` tree and lays it out with Graphviz through the `graphviz` package (no DOT written
by hand); SVG needs Graphviz's `dot` program (Debian: apt-get install graphviz, which .ci/run does).
"""
from __future__ import annotations

import textwrap
from typing import Any

import graphviz

from ppexpert.knowledge.conditions import show_value, with_unit
from ppexpert.knowledge.problems import InputError, Problem, Span

_WIDTH = 34
_FILL = {"low": "#e6f4ea", "medium": "#fff4d1", "high": "#fde3d3", "critical": "#7d0012"}


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, _WIDTH, break_on_hyphens=False)) or " "


def short_source(citation: dict) -> str:
    """'Constitution of Ukraine, Art. 73': the source's title without its parenthesis, and the article."""
    title = str(citation.get("title") or citation.get("source") or "").split(" (")[0].split(', "')[0]
    title = textwrap.shorten(title, 60, placeholder="...")
    locator = str(citation.get("locator") or "")
    return f"{title}, {locator}" if locator and len(locator) <= 30 else title


class _Builder:
    def __init__(self, assessment, name: str):
        self.assessment, self.kb = assessment, assessment.kb
        self.graph = graphviz.Digraph(name=name, graph_attr={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.45"},
                                      node_attr={"fontname": "Helvetica", "fontsize": "11", "margin": "0.12,0.06"},
                                      edge_attr={"color": "#555555", "arrowsize": "0.7"})
        self.names: dict[tuple, str] = {}
        self.edges: set[tuple[str, str]] = set()

    def node(self, key: tuple, label: str, **style: str) -> tuple[str, bool]:
        """The node's name, and whether it is new (a rule or an input met twice is drawn once)."""
        if key in self.names:
            return self.names[key], False
        name = self.names[key] = f"n{len(self.names)}"
        self.graph.node(name, _wrap(label) if "\n" not in label else label, **style)
        return name, True

    def edge(self, tail: str, head: str, **style: str) -> None:
        if (tail, head) not in self.edges:
            self.edges.add((tail, head))
            self.graph.edge(tail, head, **style)

    def conclusion_label(self, tree: dict) -> str:
        conclusion = self.assessment.get(tree["id"])
        level = tree.get("level")
        if conclusion is not None and conclusion.kind == "risk":
            area = self.kb.areas.get(conclusion.area)
            title = area.title if area else "Overall risk"
            return f"{_wrap(title)}\n{(level or 'not determined').upper()}"
        if conclusion is not None:
            head = conclusion.label or conclusion.kind.capitalize()
            return _wrap(f"{head}: {textwrap.shorten(conclusion.sentence, 110, placeholder='...')}")
        return _wrap(f"Does not hold: {tree.get('text', '')}")

    def conclusion(self, tree: dict) -> str:
        level = tree.get("level")
        name, new = self.node(("conclusion", tree["id"]), self.conclusion_label(tree), shape="box",
                              style="rounded,filled,bold", fillcolor=_FILL.get(level or "", "#eef2f7"),
                              fontcolor="#ffffff" if level == "critical" else "#000000")
        if not new:
            return name
        for derivation in tree.get("derivations", []):
            self.edge(name, self.rule(derivation))
        for defeat in tree.get("defeated", []):
            rule = self.kb.rules_by_id.get(defeat["rule"])
            by = self.kb.rules_by_id.get(defeat["by"])
            reason = (f"overridden by: {by.title}" if by else "set aside by its exception")
            label = f"{rule.title if rule else 'A rule'} (would give {defeat.get('level') or 'it'}; {reason})"
            defeated, _ = self.node(("defeated", defeat["rule"]), label, shape="box", style="dashed",
                                    color="#888888", fontcolor="#555555")
            self.edge(name, defeated, style="dashed", color="#888888")
        return name

    def rule(self, tree: dict) -> str:
        name, new = self.node(("rule", tree["rule"]), tree.get("title") or "a rule", shape="box",
                              style="filled", fillcolor="#ffffff")
        if not new:
            return name
        for premise in tree.get("premises", []):
            self.edge(name, self.premise(premise))
        for citation in tree.get("rests_on", []):
            self.edge(name, self.source(citation))
        return name

    def premise(self, tree: dict) -> str:
        kind = tree.get("type")
        if kind == "conclusion":
            return self.conclusion(tree)
        if kind == "baseline":
            return self.baseline(tree)
        return self.input(tree)

    def input(self, tree: dict) -> str:
        parameter = self.kb.parameters.get(tree["name"])
        given = self.assessment.loaded.inputs.get(tree["name"])
        title = parameter.title if parameter else tree["name"].replace("_", " ")
        value = _show(tree.get("value"), parameter.unit if parameter else None)
        point = f"\nplan point {given.point}" if given is not None and given.point else ""
        derived = "\n(computed)" if parameter is not None and parameter.derived else ""
        name, new = self.node(("input", tree["name"]), f"{_wrap(title)}\n= {value}{point}{derived}", shape="ellipse",
                              style="filled", fillcolor="#f3f3f3")
        if new:
            for child in tree.get("children", []):
                self.edge(name, self.premise(child))
        return name

    def baseline(self, tree: dict) -> str:
        baseline = self.kb.baselines.get(tree["name"])
        title = baseline.title if baseline else tree["name"]
        unit = baseline.unit if baseline else None
        note = "\n(sources differ)" if tree.get("disputed") else ""
        note += "\n(the plan's assumption)" if tree.get("assumed") else ""
        name, new = self.node(("baseline", tree["name"]), f"{_wrap(title)}\n= {_show(tree.get('value'), unit)}{note}",
                              shape="ellipse", style="filled", fillcolor="#f3f3f3")
        if new and tree.get("citation"):
            self.edge(name, self.source(tree["citation"]))
        return name

    def source(self, citation: dict) -> str:
        key = ("source", citation.get("source"), citation.get("locator"))
        name, _ = self.node(key, short_source(citation), shape="note", style="filled", fillcolor="#fbfaf5",
                            fontsize="10", URL=str(citation.get("address") or ""), target="_blank")
        return name


_show = with_unit


def derivation_graph(assessment, conclusion_id: str) -> graphviz.Digraph:
    """The picture of why `conclusion_id` holds (or does not) in this assessment, as a graphviz Digraph."""
    tree = assessment.why(conclusion_id)
    builder = _Builder(assessment, f"{assessment.scenario.id}: {conclusion_id}")
    builder.conclusion(tree)
    return builder.graph


def render(graph: graphviz.Digraph, fmt: str) -> str:
    """DOT source (no program needed) or SVG (laid out by Graphviz's dot)."""
    if fmt == "dot":
        return graph.source
    try:
        return graph.pipe(format=fmt, encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise InputError([Problem(Span("<command line>"), (), "Graphviz's `dot` program is not installed",
                                  "install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
                                  "or write .dot instead", code="missing-program")]) from None
