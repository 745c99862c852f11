"""The assessment's trace graph (Assessment.graph) as DOT, GraphML or node-link JSON, sorted and byte-stable.

The trace runs from scenario inputs and knowledge facts through rule firings to conclusions, with the provisions
and sources a firing rests on hanging off it (see assessment._trace). Exports write it as it is: nodes sorted by
id, edges by (source, target), attributes by name. DOT is written by the graphviz package (no program needed);
GraphML goes through networkx.write_graphml; JSON is networkx.node_link_data.
"""
from __future__ import annotations

import io
from pathlib import Path
import json
from typing import Any

import graphviz
import networkx as nx

FORMATS = ("dot", "graphml", "json")
SUFFIXES = {".dot": "dot", ".gv": "dot", ".graphml": "graphml", ".xml": "graphml", ".json": "json"}

_SHAPES = {"input": "ellipse", "baseline": "ellipse", "firing": "box", "conclusion": "box", "provision": "note",
           "source": "folder"}


def sorted_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy with nodes, edges and attributes in sorted order (insertion order is what the writers follow)."""
    result = nx.DiGraph()
    result.graph.update(sorted(graph.graph.items()))
    for node in sorted(graph.nodes):
        result.add_node(node, **dict(sorted(graph.nodes[node].items())))
    for source, target in sorted(graph.edges):
        result.add_edge(source, target, **dict(sorted(graph.edges[source, target].items())))
    return result


def export(graph: nx.DiGraph, fmt: str, name: str = "trace") -> str:
    """The graph in one of FORMATS, as text."""
    graph = sorted_graph(graph)
    if fmt == "dot":
        return to_dot(graph, name)
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        data["graph"] = {"name": name, **data["graph"]}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------- DOT


def _dot_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _dot_text(value: Any) -> str:
    """A value as DOT text for the graphviz package, which quotes it and escapes its quotes: backslashes and line
    breaks are escaped here (a mapping or a list as JSON)."""
    return _dot_value(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "")


def to_dot(graph: nx.DiGraph, name: str = "trace") -> str:
    """The graph as DOT, written by the graphviz package. Nodes are named n1, n2, ... in sorted order (the
    package reads a ':' in a name as a port); each keeps its own id in the `id` attribute (an SVG element's id)."""
    dot = graphviz.Digraph(_dot_text(name), graph_attr={"rankdir": "LR"},
                           node_attr={"fontname": "Helvetica", "fontsize": "10"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    names = {node: f"n{index}" for index, node in enumerate(graph.nodes, start=1)}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        label = str(node) if "value" not in data else f"{node}\n= {_dot_value(data['value'])}"
        style = {"label": label, "shape": _SHAPES.get(kind, "box")}
        if kind == "conclusion":
            style["style"] = "rounded,bold"
        if kind == "firing" and not data.get("standing", True):
            style["style"] = "dashed"
        attributes = {**style, **data, "id": node}
        dot.node(names[node], _attributes={key: _dot_text(value) for key, value in attributes.items()
                                           if value is not None})
    for source, target, data in graph.edges(data=True):
        dot.edge(names[source], names[target], _attributes={key: _dot_text(value) for key, value in data.items()
                                                            if value is not None})
    return dot.source


# ---------------------------------------------------------------- GraphML


def _graphml_ready(graph: nx.DiGraph) -> nx.DiGraph:
    """GraphML takes one scalar type per attribute: drop None, and write an attribute as JSON text wherever its
    values are not all of one scalar type (a scenario value may be a number, a word or a mapping)."""
    result = graph.copy()
    for items in (lambda: result.nodes(data=True), lambda: ((s, d) for s, _, d in result.edges(data=True))):
        types: dict[str, set] = {}
        for _, data in items():
            for key, value in list(data.items()):
                if value is None:
                    del data[key]
                else:
                    types.setdefault(key, set()).add(type(value))
        mixed = {key for key, kinds in types.items()
                 if len(kinds) > 1 or not kinds <= {bool, int, float, str}}
        for _, data in items():
            for key in mixed & set(data):
                data[key] = json.dumps(data[key], sort_keys=True, ensure_ascii=False, default=str)
    return result


def to_graphml(graph: nx.DiGraph) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(_graphml_ready(graph), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


def format_for(path, explicit: str | None) -> str | None:
    """The export format: the explicit one, else the output file's suffix (dot when writing to stdout)."""

    if explicit:
        return explicit
    if path is None:
        return "dot"
    return SUFFIXES.get(Path(path).suffix.lower())
