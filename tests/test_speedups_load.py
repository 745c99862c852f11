"""Loading a large knowledge base faster gives exactly what it gave before (issue 13, goal 6): the rule graph's
orders, overriders, override chains and paths walked over plain dicts equal networkx's answers, on the shipped
knowledge base and on random rule sets with chains of conclusions, overrides (dangling ones too) and cycles; the
check of a sentence's placeholders names the same values as the set it no longer builds for every rule."""
from __future__ import annotations

import os
import random
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import pytest

from ppexpert.check.rules import _known_name, _template_names
from ppexpert.knowledge import rulegraph
from ppexpert.reasoning import knowledge_for

ROOT = Path(__file__).resolve().parents[1]
KB = knowledge_for(ROOT / "knowledge")


# ---------------------------------------------------------------- networkx, as the functions were written before


def _nx_override_graph(rules):
    graph = nx.DiGraph()
    graph.add_nodes_from(rule.id for rule in rules)
    graph.add_edges_from((rule.id, other) for rule in rules for other in rule.overrides)
    return graph


def _nx_overriders(rules):
    graph = _nx_override_graph(rules)
    return {rule.id: nx.ancestors(graph, rule.id) for rule in rules}


def _nx_override_chains(rules):
    graph = _nx_override_graph(rules)
    return {(winner, loser): tuple(path[1:-1])
            for winner, paths in nx.all_pairs_shortest_path(graph) for loser, path in paths.items() if loser != winner}


def _nx_rule_graph(rules):
    graph = nx.DiGraph()
    producing = {}
    for index, rule in enumerate(rules):
        graph.add_node(rule.id)
        producing.setdefault(rule.then.conclusion_id, []).append(index)
    for consumer in rules:
        found = set()
        for subject in (c.conclusion for c in consumer.when + consumer.unless if c.conclusion):
            if subject.endswith(".*"):
                found.update(i for cid, positions in producing.items() if rulegraph.reads_conclusion(subject, cid)
                             for i in positions)
            else:
                found.update(producing.get(subject, ()))
        for index in sorted(found):
            graph.add_edge(rules[index].id, consumer.id, kind="reads")
        for overridden in consumer.overrides:
            if overridden in graph:
                graph.add_edge(consumer.id, overridden, kind="overrides")
    return graph


def _nx_settle_order(rules):
    position = {rule.id: index for index, rule in enumerate(rules)}
    return list(nx.lexicographical_topological_sort(_nx_rule_graph(rules), key=lambda rule_id: position[rule_id]))


# ---------------------------------------------------------------- rule sets


def _random_rules(seed: int, cyclic: bool):
    """Rules reading earlier rules' conclusions (or any, when `cyclic`), some by `risk.*`, overriding earlier rules
    of the same conclusion (or later ones, or rules that do not exist)."""
    rng = random.Random(seed)
    count = rng.randint(1, 40)
    conclusions = [f"{rng.choice(['risk', 'consequence'])}.c{rng.randint(0, count // 2)}" for _ in range(count)]
    rules = []
    for index in range(count):
        readable = conclusions if cyclic else conclusions[:index]
        reads = rng.sample(readable, min(len(readable), rng.choice([0, 0, 1, 2, 3])))
        if rng.random() < 0.1:
            reads.append("risk.*")
        earlier = [f"R{j}" for j in range(count if cyclic else index) if conclusions[j] == conclusions[index]]
        overrides = rng.sample(earlier, min(len(earlier), rng.choice([0, 1, 1, 2])))
        if rng.random() < 0.1:
            overrides.append(f"missing{rng.randint(0, 3)}")
        when = [SimpleNamespace(conclusion=c) for c in reads] + [SimpleNamespace(conclusion=None)]
        unless = [SimpleNamespace(conclusion=c) for c in rng.sample(readable, min(len(readable), rng.choice([0, 0, 1])))]
        rules.append(SimpleNamespace(id=f"R{index}", overrides=overrides, when=when, unless=unless,
                                     then=SimpleNamespace(conclusion_id=conclusions[index])))
    if rng.random() < 0.5:
        rng.shuffle(rules)  # positions need not follow the chains
    return rules


RULE_SETS = [pytest.param(KB.rules, id="shipped")] + [
    pytest.param(_random_rules(seed, cyclic=seed % 3 == 0), id=f"random-{seed}") for seed in range(150)]


@pytest.mark.parametrize("rules", RULE_SETS)
def test_the_rule_graph_walked_over_plain_dicts_answers_as_networkx_does(rules):
    assert rulegraph.overriders(rules) == _nx_overriders(rules)
    chains = rulegraph.override_chains(rules)
    expected = _nx_override_chains(rules)
    assert chains == expected and list(chains) == list(expected)  # the same paths, in the same order
    graph, expected_graph = rulegraph.rule_graph(rules), _nx_rule_graph(rules)
    assert list(graph.nodes) == list(expected_graph.nodes)
    assert list(graph.edges(data=True)) == list(expected_graph.edges(data=True))
    cyclic = not nx.is_directed_acyclic_graph(expected_graph)
    assert rulegraph.has_cycle(rules) == cyclic
    if cyclic:
        with pytest.raises(nx.NetworkXUnfeasible):
            rulegraph.settle_order(rules)
    else:
        assert rulegraph.settle_order(rules) == _nx_settle_order(rules)
    overrides = nx.DiGraph([(r.id, o) for r in rules for o in r.overrides])
    plain = {}
    for rule in rules:
        for other in rule.overrides:
            plain.setdefault(rule.id, {})[other] = None
            plain.setdefault(other, {})
    for a in overrides:
        for b in overrides:
            assert rulegraph.reaches(plain, a, b) == nx.has_path(overrides, a, b)


def test_a_sentences_placeholders_are_checked_against_the_same_names_as_before():
    known = _template_names(KB) | {"level"}
    candidates = set(known) | {name + "x" for name in known} | {
        f"{p}.{part}" for p in [*KB.parameters, *KB.baselines, "plan", "nothing"]
        for part in ("point", "note", "title", "value", "")} | {"level.point", "point", "note", ""}
    assert any(b.alias for b in KB.baselines.values())  # aliases are among the names tried
    for name in sorted(candidates):
        assert _known_name(KB, name) == (name in known), name


def test_the_ruleset_the_checker_compiled_is_the_one_the_plan_keeps(tmp_path, monkeypatch):
    from ppexpert.check import load_knowledge
    from ppexpert.engine.compile import compile_rules
    from ppexpert.reasoning.prepared import plan_of

    kb = load_knowledge(ROOT / "knowledge")
    assert "_checked_compiled" in kb.__dict__
    compiled = plan_of(kb).compiled
    assert "_checked_compiled" not in kb.__dict__  # not pickled with the knowledge base
    assert compiled == compile_rules(kb.rules, kb.scale)
    changed = load_knowledge(ROOT / "knowledge")
    changed.rules.pop()  # rules changed after the check: compiled afresh
    assert plan_of(changed).compiled == compile_rules(changed.rules, changed.scale) != compiled


def _yaml_files():
    return sorted(p for folder in ("knowledge", "examples", "tests/hostile", "tests/fixtures", "tests/cases")
                  for p in (ROOT / folder).rglob("*.yaml") if p.is_file() and p.stat().st_size < 3_000_000)


def test_plain_text_read_the_fast_way_gives_the_same_document_and_problems_as_the_general_path(monkeypatch):
    from ppexpert.knowledge import yamlfile

    files = _yaml_files()
    assert len(files) > 100
    texts = [(str(path), path.read_text(encoding="utf-8", errors="surrogateescape")) for path in files]
    texts += [("dup.yaml", "a: x\nb: y\na: z\nc: [p, q, {r: s, r: t}]\n"), ("deep.yaml", "a:\n" + "".join(
        "  " * i + f"- k{i}:\n" for i in range(1, 70))), ("tag.yaml", "a: !custom x\nb: 'q'\nc: \"\\e[31m\"\n"),
        ("key.yaml", "? [a]\n: b\n1: c\nd: [e, 'f', \"g\"]\n")]

    def read_all():
        return [(doc.data, doc.marks, doc.value_marks, list(found), omitted)
                for doc, found, omitted in (yamlfile._build(text, name) for name, text in texts)]
    fast = read_all()
    monkeypatch.setattr(yamlfile, "_FAST_TEXT", False)
    assert fast == read_all()


def test_conclusions_no_rule_reads_are_recorded_unasserted_and_the_firings_come_in_the_same_order(monkeypatch):
    """The engine adapter asserts only conclusions some condition may match; the firings (order, premises,
    conclusions) are those of asserting every one, on every example and YAML case."""
    import dataclasses

    from ppexpert.authoring.cases import case_scenario, default_case_files, load_case_document
    from ppexpert.engine import durable
    from ppexpert.knowledge.scenario import load_scenario
    from ppexpert.knowledge.yamlfile import load_document
    from ppexpert.reasoning import compiled_for, engine_facts

    engine, compiled = durable.shared_engine(), compiled_for(KB)
    read = durable._conclusion_tests(compiled)
    assert read is not None and read  # the shipped rules read some conclusions ...
    skipped = [c for c in compiled.conclusions.values()
               if not durable._may_match(compiled, {"id": "", **c})]
    assert skipped  # ... and leave others unread
    monkeypatch.setattr(durable, "SKIP_UNREAD", False)
    every = dataclasses.replace(compiled, name=compiled.name + "_every")
    engine._register(every)
    monkeypatch.setattr(durable, "SKIP_UNREAD", True)
    scenarios = [load_scenario(path, KB) for path in sorted((ROOT / "examples").glob("*.yaml"))]
    for path in default_case_files(ROOT):
        cases, _ = load_case_document(load_document(path))
        scenarios += [case_scenario(case, KB) for case in cases]
    assert len(scenarios) > 50
    for loaded in scenarios:
        facts = engine_facts(loaded, KB)
        assert engine.run(compiled, facts) == engine.run(every, facts)


def test_a_sentence_naming_one_plan_is_found_as_by_trying_each_pattern_in_turn():
    import re

    from ppexpert.check.rules import _PLAN_WORDS, _names_a_plan

    def by_each(text):
        text = re.sub(r"\{[^{}]*\}", "", text)
        for pattern, what in _PLAN_WORDS:
            found = pattern.search(text)
            if found:
                return f"{what} ('{found.group(0).strip('( ')}')"
        for source in KB.sources.values():
            if source.kind == "plan" and source.title in text:
                return f"the plan '{source.title}'"
        return None

    texts = [text for rule in KB.rules for text in (rule.because, rule.title, rule.then.step, rule.then.met_by) if text]
    texts += ["see points 12 and 3", "The 28-point plan", "the seed article says", "U.S.-Russian draft", "POINT 4",
              "u.s.-russian", "(point 7) and the 20-Point one", "The Article claims", "{points 4} only", "nothing"]
    texts += [source.title + " as written" for source in KB.sources.values() if source.kind == "plan"]
    assert any(by_each(text) for text in texts) and any(by_each(text) is None for text in texts)
    for text in texts:
        assert _names_a_plan(KB, text) == by_each(text), text


def test_a_scenarios_baselines_and_sorted_parameters_kept_on_the_knowledge_base_are_as_computed_afresh():
    import datetime

    from ppexpert.knowledge.inputs import BaselineValue
    from ppexpert.knowledge.model import UNKNOWN
    from ppexpert.knowledge.scenario import _baseline_values, load_scenario

    def afresh(day):  # the loop as it was written in _baselines
        result = {}
        for baseline in KB.baselines.values():
            period = baseline.on(day) if baseline.dated else None
            if period is None and day is not None and baseline.dated:
                result[baseline.id] = BaselineValue(baseline.id, UNKNOWN, UNKNOWN, baseline.values[0].source, False,
                                                    False, baseline.span,
                                                    holds_for=f"nothing recorded for {day.isoformat()}")
            elif period is not None:
                result[baseline.id] = BaselineValue(baseline.id, period.value, period.value, period.source, False,
                                                    baseline.disputed and period.value == baseline.value,
                                                    period.span, holds_for=period.shown)
            else:
                result[baseline.id] = BaselineValue(baseline.id, baseline.value, baseline.value,
                                                    baseline.values[0].source, False, baseline.disputed,
                                                    baseline.span)
        return result

    assert any(b.dated for b in KB.baselines.values())
    days = [None] + [datetime.date(year, month, 1) for year in range(1990, 2030, 3) for month in (1, 7)]
    for day in days + days:  # the second time from what is kept
        assert _baseline_values(KB, day) == afresh(day), day
    example = ROOT / "examples" / "seed-calculator.yaml"
    before = load_scenario(example, KB).baselines
    assert load_scenario(example, KB).baselines == before and before is not _baseline_values(KB, None)
    assert KB.sorted_parameters() == tuple(sorted(KB.parameters.items()))


def test_a_changed_knowledge_file_lets_the_previous_knowledge_base_go(tmp_path, monkeypatch):
    """One knowledge base is kept per folder: after a reload the previous one is freed (it was kept, frozen out of
    the collector's sight, among the last eight versions), while an unchanged folder still gives the same object."""
    import gc
    import shutil
    import weakref

    monkeypatch.setenv("PPEXPERT_CACHE", "off")
    root = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", root)
    first = knowledge_for(root)
    assert knowledge_for(root) is first
    gone = weakref.ref(first)
    areas = root / "areas.yaml"
    areas.write_text(areas.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    stat = areas.stat()
    os.utime(areas, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10 ** 9))  # a later stamp whatever the clock's grain
    second = knowledge_for(root)
    assert second is not first and knowledge_for(root) is second
    assert knowledge_for(ROOT / "knowledge") is KB  # other folders are kept
    del first
    gc.collect()
    assert gone() is None
