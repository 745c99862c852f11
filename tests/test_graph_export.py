"""Exports of the trace graph (graph_export.py): DOT, GraphML and node-link JSON, sorted and byte-stable."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import networkx as nx
import pytest
from test_report_support import from_the_project_folder, kb  # noqa: F401  (shared fixtures)

from ppexpert import assess
from ppexpert.present.graph_export import export, sorted_graph, to_dot

SCENARIO = {"id": "graphed", "title": "Graphed",
            "parameters": {"territory_ceded_pct": 20.5, "military_cap": {"troops": 600000},
                           "election_within_days": 100, "war_crimes_amnesty": "full", "us_commitment": "vague"}}


@pytest.fixture(scope="module")
def graph(kb):
    return assess(SCENARIO, kb).graph


def _reversed(graph: nx.DiGraph) -> nx.DiGraph:
    """The same graph, built in the opposite order."""
    other = nx.DiGraph()
    for node in reversed(list(graph.nodes)):
        other.add_node(node, **dict(reversed(list(graph.nodes[node].items()))))
    for source, target in reversed(list(graph.edges)):
        other.add_edge(source, target, **graph.edges[source, target])
    return other


@pytest.mark.parametrize("fmt", ["dot", "graphml", "json"])
def test_export_does_not_depend_on_the_order_the_graph_was_built_in(graph, fmt):
    assert export(graph, fmt) == export(_reversed(graph), fmt)


def _dot_nodes(text: str) -> dict[str, str]:
    """DOT node name -> the node's own id (its `id` attribute)."""
    found = {}
    for name, attributes in re.findall(r'^\t(n\d+) \[(.*)\]$', text, flags=re.M):
        match = re.search(r'\bid=("(?:[^"\\]|\\.)*"|[^ \]]+)', attributes)
        value = match.group(1)
        found[name] = json.loads(value) if value.startswith('"') else value
    return found


def test_dot_lists_every_node_and_edge_once_sorted(graph):
    text = export(graph, "dot", name="graphed")
    assert text.startswith("digraph graphed {\n") and text.endswith("}\n")
    nodes = _dot_nodes(text)
    edges = re.findall(r'^\t(n\d+) -> (n\d+)', text, flags=re.M)
    assert list(nodes.values()) == sorted(graph.nodes)
    assert [(nodes[s], nodes[t]) for s, t in edges] == sorted(graph.edges)
    assert "kind=premise" in text and "kind=concludes" in text


def test_dot_is_written_by_graphviz_and_dot_reads_it(graph):
    """Names with ':' (input:military_cap) would be read as ports: the nodes are named n1, n2, ..., and Graphviz's
    dot lays the whole trace out without a complaint."""
    text = export(graph, "dot", name="graphed")
    assert "input:military_cap" in _dot_nodes(text).values()
    if shutil.which("dot"):
        laid = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True, check=True)
        assert laid.stderr == "" and laid.stdout.count("\nnode ") == graph.number_of_nodes()


def test_dot_escapes_quotes_backslashes_and_newlines():
    tricky = nx.DiGraph()
    tricky.add_node('say "hi"\\now', kind="input", value='a "quoted"\nvalue')
    tricky.add_edge('say "hi"\\now', "b", kind="premise")
    text = to_dot(sorted_graph(tricky))
    assert list(_dot_nodes(text).values()) == ["b", 'say "hi"\\now']
    assert 'value="a \\"quoted\\"\\nvalue"' in text
    assert "n2 -> n1 [kind=premise]" in text


def test_graphml_reads_back_into_the_same_graph(graph):
    back = nx.read_graphml(io.BytesIO(export(graph, "graphml").encode("utf-8")))
    assert sorted(back.nodes) == sorted(graph.nodes)
    assert sorted(back.edges) == sorted(graph.edges)
    for node, data in graph.nodes(data=True):
        assert back.nodes[node]["kind"] == data["kind"]
    firing = next(n for n, d in graph.nodes(data=True) if d["kind"] == "firing")
    assert back.nodes[firing]["standing"] == graph.nodes[firing]["standing"]
    # values of several types (numbers, words, mappings) travel as JSON text
    assert json.loads(back.nodes["input:military_cap"]["value"]) == {"troops": 600000}
    assert json.loads(back.nodes["input:territory_ceded_pct"]["value"]) == 20.5


def test_json_is_node_link_data_that_networkx_reads_back(graph):
    data = json.loads(export(graph, "json", name="graphed"))
    assert data["graph"]["name"] == "graphed"
    back = nx.node_link_graph(data, edges="edges")
    assert sorted(back.nodes) == sorted(graph.nodes)
    assert sorted(back.edges) == sorted(graph.edges)
    assert back.nodes["input:military_cap"]["value"] == {"troops": 600000}
    assert [n["id"] for n in data["nodes"]] == sorted(graph.nodes)


def test_graph_command_takes_the_format_from_the_suffix(tmp_path, capsys):
    from ppexpert.cli import main

    scenario = "examples/us-28-point-plan.yaml"
    for suffix, start in ((".dot", "digraph "), (".gv", "digraph "), (".graphml", "<?xml"), (".json", "{")):
        out = tmp_path / f"trace{suffix}"
        assert main(["graph", scenario, "-o", str(out)]) == 0
        assert out.read_text(encoding="utf-8").startswith(start)
    assert main(["graph", scenario, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["directed"] is True


def test_graph_command_rejects_an_unknown_suffix_with_a_hint(tmp_path, capsys):
    from ppexpert.cli import main

    assert main(["graph", "examples/us-28-point-plan.yaml", "-o", str(tmp_path / "trace.png")]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the output format" in err and "hint: use one of the suffixes .dot" in err
