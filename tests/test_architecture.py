"""The layout is a contract: the layers of pyproject.toml's [tool.importlinter] hold, no module takes part in an
import circle (imports inside functions counted), and the package root keeps at most three modules."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx
from importlinter.cli import lint_imports

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ppexpert"
ROOT = PACKAGE.parent.parent


def test_the_layering_contract_holds(monkeypatch):
    monkeypatch.chdir(ROOT)  # lint-imports reads pyproject.toml from the working folder
    assert lint_imports(no_cache=True) == 0


def test_no_module_takes_part_in_an_import_circle():
    graph = grimp.build_graph("ppexpert", cache_dir=None)  # grimp counts imports inside functions too
    modules = nx.DiGraph((m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m))
    assert sorted(nx.simple_cycles(modules)) == []


def test_the_package_root_keeps_at_most_three_modules():
    assert len(list(PACKAGE.glob("*.py"))) <= 3


def test_every_subpackage_says_what_it_owns():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init} has no docstring"


def test_an_import_inside_a_function_says_why_it_is_lazy():
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        module_says_lazy = any("lazy" in line for line in lines[:12] if line.startswith("#"))
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        near = " ".join(lines[max(inner.lineno - 3, 0):inner.lineno])
                        if "lazy" not in near and "first use" not in near and not module_says_lazy:
                            unexplained.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert unexplained == []
